#!/usr/bin/env node
// Runs bench/cpu-backend.ts in Node through Vite's SSR loader (no build step).
// Usage: node bench/cpu-backend.mjs [--reps N] [--warm] [--threads N] [--opt all|basic|disabled] [--tile N] [--no-webgpu] [--hardware]
import { createServer } from 'vite';

const server = await createServer({
  configFile: new URL('../vite.config.ts', import.meta.url).pathname,
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, watch: null },
});
let code = 1;
try {
  const { main } = await server.ssrLoadModule('/bench/cpu-backend.ts');
  code = await main(process.argv.slice(2));
} catch (e) {
  console.error(e);
} finally {
  await server.close();
}
process.exit(code);
