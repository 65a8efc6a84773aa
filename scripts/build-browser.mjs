/**
 * `npm run build:browser`: the library as one ES module for a plain
 * `<script type="module">` (no bundler, no import map), with the bundled
 * models' weights beside it:
 *
 *   dist-browser/webgpu-upsample.js      src/browser.ts and everything it imports, in one file
 *   dist-browser/models/…                scripts/bundle-models.mjs's copy (model.json + shards, MIT licence)
 *
 * Node-only code stays out: src/browser.ts imports the main entry, which
 * never imports webgpu-upsample/node; Dawn ('webgpu') is loaded in Node only,
 * through a specifier the bundler does not follow.
 *
 *   node scripts/build-browser.mjs [outDir]   (default: dist-browser)
 */
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildBrowser(outDir = resolve(ROOT, 'dist-browser')) {
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      copyPublicDir: false,
      lib: { entry: join(ROOT, 'src', 'browser.ts'), formats: ['es'], fileName: () => 'webgpu-upsample.js' },
      // One file: dynamic imports inside the library are inlined, not split into chunks.
      rolldownOptions: { output: { codeSplitting: false } },
    },
  });
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle-models.mjs'), join(outDir, 'models')], { stdio: 'inherit' });
  return join(outDir, 'webgpu-upsample.js');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = await buildBrowser(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`wrote ${file}`);
}
