import { defineConfig } from 'vitest/config';

import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: '.',
  resolve: {
    // The package's own name resolves to its sources, for the README example, demos and tests.
    alias: [
      { find: /^webgpu-upsample\/cpu$/, replacement: fileURLToPath(new URL('./src/cpu/index.ts', import.meta.url)) },
      { find: /^webgpu-upsample$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  build: {
    outDir: 'dist-demo',
    emptyOutDir: true,
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
