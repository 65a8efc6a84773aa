/**
 * Smooth activations in WGSL, shared by the element-wise kernel and the conv
 * epilogue; CPU twins in src/ops/activation.ts (applyActivation).
 *
 * Both are written through e = exp(−|x|·k) ≤ 1, which never overflows, so large
 * |x| gives exactly 0 or ±1 instead of Inf/Inf = NaN (the naive 1/(1 + exp(−x))
 * is fine in float64 but not in every f32 driver, and WGSL's built-in tanh is
 * specified as sinh/cosh, NaN for |x| ≳ 89 on some drivers).
 *   sigmoid(x) = 1/(1 + e) for x ≥ 0, e/(1 + e) for x < 0       (e = exp(−|x|))
 *   tanh(x)    = sign(x)·(1 − e)/(1 + e)                         (e = exp(−2|x|))
 * For |x| < 1/8, 1 − e cancels (relative error ~u/|x|), so tanh uses its Taylor
 * series there: x − x³/3 + 2x⁵/15 − 17x⁷/315, whose first omitted term
 * (62/2835)·x⁹ is below 2⁻²⁴·|x| on that interval.
 */
export const ACTIVATION_WGSL = `
fn sigmoidStable(x: f32) -> f32 {
  let e = exp(-abs(x));
  let s = 1.0 / (1.0 + e);
  return select(e * s, s, x >= 0.0);
}
fn tanhStable(x: f32) -> f32 {
  let ax = abs(x);
  let x2 = x * x;
  let series = x * (1.0 + x2 * (-1.0 / 3.0 + x2 * (2.0 / 15.0 + x2 * (-17.0 / 315.0))));
  let e = exp(-2.0 * ax);
  let t = (1.0 - e) / (1.0 + e);
  return select(select(t, -t, x < 0.0), series, ax < 0.125);
}
`;
