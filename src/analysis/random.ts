/**
 * Seeded random numbers for the initializers: the same seed gives the same
 * weights on every machine, so a picture or a test failure is reproducible.
 */

/** A seed (a fresh mulberry32 stream) or a generator of uniform numbers in [0, 1) to draw from. */
export type Seed = number | (() => number);

/** mulberry32: a tiny seeded PRNG with uniform output in [0, 1) (32-bit state; plenty for weights and pictures). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The uniform generator a Seed stands for. */
export function uniformSource(seed: Seed): () => number {
  return typeof seed === 'function' ? seed : seededRandom(seed);
}

/**
 * Standard normal samples by Box–Muller from a uniform source: two uniforms
 * give two independent normals (the second is kept for the next call).
 * 1 − u lies in (0, 1], so the log never sees 0.
 */
export function normalSource(seed: Seed): () => number {
  const u = uniformSource(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const theta = 2 * Math.PI * u();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}
