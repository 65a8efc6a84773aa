import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: '.',
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
