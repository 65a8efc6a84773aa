/** Deterministic random data for tests: every failure is reproducible from its seed. */
import { cpuTensor, type CpuTensor } from '../../src/cpu/index.js';

/** mulberry32, the seeded PRNG the demo pages draw their random kernels from. */
export { seededRandom as rng } from '../../demo/src/weights.js';

/** Uniform values in [-1, 1). */
export function randomData(n: number, rand: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rand() * 2 - 1;
  return a;
}

export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

export function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)];
}

/** A CPU tensor of uniform values in [-1, 1). */
export function randomTensor(shape: number[], rand: () => number): CpuTensor {
  return cpuTensor(
    randomData(
      shape.reduce((a, b) => a * b, 1),
      rand,
    ),
    shape,
  );
}
