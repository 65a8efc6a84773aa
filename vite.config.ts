import { defineConfig } from 'vitest/config';

import { fileURLToPath } from 'node:url';
import { demoIndexRedirect, upscalerModels } from './demo/vite-plugins.js';

const page = (name: string): string => fileURLToPath(new URL(`./demo/${name}.html`, import.meta.url));

// Cross-origin isolation gives performance.now() its fine (5 µs) resolution,
// which the benchmark page reports; every resource of the pages is same-origin.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: '.',
  // Relative asset URLs: dist-demo/ works from any folder of a static host.
  base: './',
  plugins: [upscalerModels(), demoIndexRedirect()],
  server: { headers: isolation },
  preview: { headers: isolation },
  resolve: {
    // The package's own name resolves to its sources, for the README example, demos and tests.
    alias: [
      { find: /^webgpu-upsample\/cpu$/, replacement: fileURLToPath(new URL('./src/cpu/index.ts', import.meta.url)) },
      { find: /^webgpu-upsample\/node$/, replacement: fileURLToPath(new URL('./src/node.ts', import.meta.url)) },
      { find: /^webgpu-upsample$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  build: {
    outDir: 'dist-demo',
    emptyOutDir: true,
    // The three demo pages (multi-page app); they land in dist-demo/demo/.
    rolldownOptions: {
      input: { index: page('index'), bench: page('bench'), explorer: page('explorer') },
      // @websr/websr 0.0.15 (the fps benchmark's peer, loaded only when that benchmark runs) is published as a webpack
      // development build: each of its modules is an eval("…") string (webpack's devtool 'eval'). That is its packaging,
      // not a risk we can fix here, and it printed 27 identical warnings on every build: kept quiet for that file only.
      onwarn(warning, warn) {
        if (warning.code === 'EVAL' && /@websr[\\/]websr/.test(`${warning.id ?? ''} ${warning.message}`)) return;
        warn(warning);
      },
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/webgpu-env.ts'],
    // Dawn on SwiftShader already uses every core for one dispatch; running
    // test files side by side only makes each slower and the timings noisier.
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
