#!/usr/bin/env node
// `npm run lab`: runs bench/lab.ts in Node through Vite's SSR loader (no build step).
// Usage: npm run lab -- [--steps N] [--seed N] [--channels N] [--patch N] [--batch N] [--lr X] [--reg X] [--methods ID,…] [--hardware]
import { createServer } from 'vite';

const server = await createServer({
  configFile: new URL('../vite.config.ts', import.meta.url).pathname,
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, watch: null },
});
let code = 1;
try {
  const { main } = await server.ssrLoadModule('/bench/lab.ts');
  code = await main(process.argv.slice(2));
} catch (e) {
  console.error(e);
} finally {
  await server.close();
}
process.exit(code);
