// Runs a TypeScript module's `main(argv)` in Node through Vite's SSR loader (no build step), and
// exits with the code it returns. Shared by the Node-side scripts in bench/ (lab, cpu-backend,
// dispatch-overhead); `npm run bench` has its own runner because it also serves the browser page.
import { createServer } from 'vite';

/** `modulePath` is from the repository root, e.g. '/bench/lab.ts'. */
export async function runMain(modulePath) {
  const server = await createServer({
    configFile: new URL('../vite.config.ts', import.meta.url).pathname,
    logLevel: 'error',
    server: { middlewareMode: true, hmr: false, watch: null },
  });
  let code = 1;
  try {
    const { main } = await server.ssrLoadModule(modulePath);
    code = await main(process.argv.slice(2));
  } catch (e) {
    console.error(e);
  } finally {
    await server.close();
  }
  process.exit(code);
}
