#!/usr/bin/env node
// `npm run bench`: starts a Vite dev server (it serves the benchmark page and
// compiles bench/run.ts for Node, so no build step is needed), then hands over
// to bench/run.ts. Usage: npm run bench -- [--full] [--reps N] [--budget MS]
// [--filter TEXT] [--anchors tfjs,ort] [--no-cpu] [--out DIR]
import { createServer } from 'vite';

const server = await createServer({
  configFile: new URL('../vite.config.ts', import.meta.url).pathname,
  logLevel: 'error',
  server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
  // Pre-bundle the page's dependencies before it loads, so Vite never reloads it mid-run.
  optimizeDeps: { entries: ['bench/page/index.html'] },
});
let code = 1;
try {
  await server.listen();
  const { port } = server.httpServer.address();
  const { main } = await server.ssrLoadModule('/bench/run.ts');
  code = await main(process.argv.slice(2), `http://127.0.0.1:${port}`);
} catch (e) {
  console.error(e);
} finally {
  await server.close();
}
process.exit(code);
