/** One engine per test file, created on real WebGPU (never skipped). */
import { afterAll, beforeAll } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';

export function useEngine(options: Parameters<typeof createEngine>[0] = {}): { engine: Engine } {
  const holder = {} as { engine: Engine };
  beforeAll(async () => {
    holder.engine = await createEngine(options);
  });
  afterAll(() => {
    holder.engine?.destroy();
  });
  return holder;
}
