/**
 * Central finite differences of a float64 CPU forward, for checking backward ops.
 *
 * For L(x) = <f(x), dy>, the gradient is ∂L/∂x_i ≈ (L(x + h·e_i) − L(x − h·e_i)) / 2h.
 * Error, derived (ε = 2⁻⁵³, the float64 unit roundoff):
 *   truncation   h²/6 · |∂³L/∂x_i³|      (0 for linear and piecewise-linear ops away
 *                                          from their kinks; the caller passes a bound);
 *   rounding     each L is a float64 sum of n products, off by ≤ (n + 4)·ε·S with
 *                S = Σ_k |f_k(x)·dy_k| (γ_n for the sum, a few ε for f and the product),
 *                and the difference of two divides it by 2h: ≤ (n + 4)·ε·S / h;
 *   step         x_i ± h rounds, so the step taken is 2h(1 + ≤ 2ε(|x_i| + h)/h):
 *                a relative error of that much in the quotient.
 * The analytic float64 gradient carries its own (K + 4)·ε·Σ|terms|, passed as `analyticMag`.
 */
import { expect } from 'vitest';
import type { CpuTensor } from '../../src/cpu/index.js';

const EPS = 2 ** -53;

/** A float64 copy of `t` (the CPU references keep Float64Array data in float64). */
export function f64(t: CpuTensor): CpuTensor {
  return { data: Float64Array.from(t.data) as unknown as Float32Array, shape: [...t.shape] };
}

/** Float64Array data of a CPU tensor that holds float64 (see f64). */
export function d64(t: CpuTensor): Float64Array {
  if (!((t.data as unknown) instanceof Float64Array))
    throw new Error('finite-diff: expected a float64 CPU tensor (the reference dropped to float32)');
  return t.data as unknown as Float64Array;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): { value: number; abs: number } {
  let value = 0;
  let abs = 0;
  for (let i = 0; i < a.length; i++) {
    value += a[i] * b[i];
    abs += Math.abs(a[i] * b[i]);
  }
  return { value, abs };
}

export interface FdResult {
  grad: Float64Array;
  /** The rounding + step part of each element's error bound (add truncation to it). */
  tol: Float64Array;
}

/**
 * Central differences of L(x) = <f(x), dy> with respect to every element of `x`
 * (float64; `f` must compute in float64 when handed Float64Array data).
 */
export function centralDiff(f: (x: CpuTensor) => CpuTensor, x: CpuTensor, dy: ArrayLike<number>, h: number): FdResult {
  const data = d64(x);
  const grad = new Float64Array(data.length);
  const tol = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    data[i] = v + h;
    const plus = dot(d64(f(x)), dy);
    data[i] = v - h;
    const minus = dot(d64(f(x)), dy);
    data[i] = v;
    grad[i] = (plus.value - minus.value) / (2 * h);
    const n = dy.length;
    tol[i] = ((n + 4) * EPS * Math.max(plus.abs, minus.abs)) / h + ((2 * EPS * (Math.abs(v) + h)) / h) * Math.abs(grad[i]);
  }
  return { grad, tol };
}

/**
 * Expects |analytic_i − fd_i| ≤ fd.tol_i + truncation_i + (K + 4)·ε·analyticMag_i,
 * failing with the worst element and `context` (the parameters that reproduce it).
 */
export function expectGradClose(
  analytic: ArrayLike<number>,
  fd: FdResult,
  context: string,
  opts: { truncation?: ArrayLike<number> | number; analyticMag?: ArrayLike<number>; k?: number } = {},
): void {
  expect(analytic.length, `${context}: length`).toBe(fd.grad.length);
  const k = opts.k ?? 1;
  let worst = -1;
  let worstRatio = 1;
  let worstTol = 0;
  for (let i = 0; i < analytic.length; i++) {
    const trunc = typeof opts.truncation === 'number' ? opts.truncation : (opts.truncation?.[i] ?? 0);
    const mag = opts.analyticMag ? opts.analyticMag[i] : Math.abs(analytic[i]);
    const tol = fd.tol[i] + trunc + (k + 4) * EPS * mag + 1e-300;
    const ratio = Math.abs(analytic[i] - fd.grad[i]) / tol;
    if (!(ratio <= worstRatio)) {
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
      worst = i;
      worstTol = tol;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${context}: element ${worst} analytic=${analytic[worst]} finite-difference=${fd.grad[worst]} ` +
        `|err|=${Math.abs(analytic[worst] - fd.grad[worst]).toExponential(3)} > bound ${worstTol.toExponential(3)} (${worstRatio.toFixed(1)}×)`,
    );
  }
}
