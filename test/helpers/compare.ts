/**
 * Comparing GPU results with the CPU reference.
 *
 * Tolerance, justified: both sides sum the same K products in float32 but in
 * different orders (and the GPU may fuse multiply-adds). The classic bound for
 * a float sum is |computed − exact| ≤ γ_K · Σ|terms| with γ_K = K·u/(1 − K·u),
 * u = 2⁻²⁴. So each output may differ by at most 2·γ_K·Σ|w·x| (both sides' errors),
 * where Σ|w·x| is computed by running the CPU reference on |x| and |w|. The
 * check is relative to the magnitude of what was summed, not to the (possibly
 * cancelling) result, and it is tight: a wrong tap or a missing bias fails it.
 */
import { expect } from 'vitest';

const U = 2 ** -24;

export function gammaBound(k: number): number {
  return (k * U) / (1 - k * U);
}

/**
 * Expects |gpu[i] − ref[i]| ≤ 2·γ_K·magnitude[i] + 4u·|ref[i]| for all i, where magnitude
 * is Σ|terms| per output (or |ref| for ops that only move data, with K = 1).
 */
export function expectCloseSums(gpu: Float32Array, ref: Float32Array, magnitude: Float32Array, k: number, context: string): void {
  expect(gpu.length, `${context}: length`).toBe(ref.length);
  const g = gammaBound(Math.max(k, 1));
  let worst = -1;
  let worstRatio = 0;
  for (let i = 0; i < ref.length; i++) {
    const tol = 2 * g * magnitude[i] + 4 * U * Math.abs(ref[i]) + 1e-30;
    const err = Math.abs(gpu[i] - ref[i]);
    if (!(err <= tol)) {
      const ratio = Number.isNaN(err) ? Infinity : err / tol;
      if (ratio > worstRatio) {
        worstRatio = ratio;
        worst = i;
      }
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${context}: element ${worst} gpu=${gpu[worst]} ref=${ref[worst]} |err|=${Math.abs(gpu[worst] - ref[worst])} ` +
        `exceeds the float32 summation bound ${(2 * g * magnitude[worst]).toExponential(3)} (K=${k}) by ${worstRatio.toFixed(1)}×`,
    );
  }
}

/** Exact equality, for ops that only move data. */
export function expectExact(gpu: Float32Array, ref: Float32Array, context: string): void {
  expect(gpu.length, `${context}: length`).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    if (!Object.is(gpu[i], ref[i]) && gpu[i] !== ref[i]) {
      expect.fail(`${context}: element ${i} gpu=${gpu[i]} ref=${ref[i]}`);
    }
  }
}
