#!/usr/bin/env node
// `npm run bench:node`: runs bench/node-gpu.ts (ours vs TensorFlow.js WebGPU on Dawn, in Node) through Vite's SSR
// loader (no build step). Usage: npm run bench:node -- [--size small|gpu] [--reps N] [--filter TEXT] [--no-tfjs]
// [--deadline S] [--fps]. Without a browser or Vite (a GPU machine): `npm run bench:gpu-build`, then
// `node dist/bench/node-gpu.mjs` with the same arguments.
//
// Not bench/ssr-main.mjs's runMain: TensorFlow.js must go through Vite's transform here (ssr.noExternal), because
// Node cannot load tfjs-core's ESM build (extensionless relative imports) that bench/train/tfjs.ts imports
// from (register_all_gradients), and every tfjs package must share that one tfjs-core.
import { createServer } from 'vite';

const server = await createServer({
  configFile: new URL('../vite.config.ts', import.meta.url).pathname,
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, watch: null },
  ssr: { noExternal: [/^@tensorflow\//] },
});
let code = 1;
try {
  const { main } = await server.ssrLoadModule('/bench/node-gpu.ts');
  code = await main(process.argv.slice(2));
} catch (e) {
  console.error(e);
} finally {
  await server.close();
}
process.exit(code);
