#!/usr/bin/env node
// Runs bench/dispatch-overhead.ts in Node through Vite's SSR loader (no build step).
// Usage: node bench/dispatch-overhead.mjs [--reps N] [--hardware] [--no-model]
import { createServer } from 'vite';

const server = await createServer({
  configFile: new URL('../vite.config.ts', import.meta.url).pathname,
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, watch: null },
});
let code = 1;
try {
  const { main } = await server.ssrLoadModule('/bench/dispatch-overhead.ts');
  code = await main(process.argv.slice(2));
} catch (e) {
  console.error(e);
} finally {
  await server.close();
}
process.exit(code);
