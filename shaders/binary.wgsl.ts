/**
 * binary: y = a ∘ b with NumPy broadcasting (shape rule: src/ops/binary.ts).
 * One thread per output element of the output viewed as 4-D [d0, d1, d2, d3]
 * (left-padded with 1s): the thread unravels its index into (i0, i1, i2, i3)
 * and reads each operand at Σ i_k · stride_k, its broadcast strides (0 on an
 * axis it is broadcast along). The operation is the variant; every shape and
 * stride is a uniform, so one pipeline per op serves every pair of shapes.
 *
 * pow: WGSL's pow(x, y) is exp2(y · log2(x)), undefined for x < 0 and for
 * x = 0, y ≤ 0. powReal gives Math.pow's answers there: x⁰ = 1, 0^y = 0 or
 * +Inf, a negative base with an integer exponent takes the sign (−1)^y, and
 * with a fractional one gives NaN.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import type { BinaryOp } from '../src/ops/binary.js';
import { wgslUnravel } from '../src/core/indexing.js';

export const BINARY_WORKGROUP = 256;

/** Math.pow's answers where WGSL's pow is undefined (see the header); shared with binary-backward.wgsl.ts. */
export const POW_REAL_WGSL = `
// Inf and NaN as run-time values: a constant expression that evaluates to one is a WGSL compile error.
var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NAN_BITS: u32 = 0x7fc00000u;
fn powReal(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (x == 0.0) { return select(bitcast<f32>(INF_BITS), 0.0, y > 0.0); }
  let m = pow(abs(x), y);
  if (x > 0.0) { return m; }
  if (fract(y) != 0.0) { return bitcast<f32>(NAN_BITS); }
  return select(m, -m, fract(y * 0.5) != 0.0);
}
`;

const EXPRESSIONS: Record<BinaryOp, string> = {
  add: 'u + v',
  sub: 'u - v',
  mul: 'u * v',
  div: 'u / v',
  max: 'max(u, v)',
  min: 'min(u, v)',
  pow: 'powReal(u, v)',
};

export function binaryShader(op: BinaryOp): string {
  return wgsl`
#if ${op === 'pow'}
${POW_REAL_WGSL}#endif

fn element(i: u32) {
${wgslUnravel(
  'i',
  [
    ['i3', 'params.d3'],
    ['i2', 'params.d2'],
    ['i1', 'params.d1'],
  ],
  'i0',
)}
  let u = a_ld(i0 * params.a0 + i1 * params.a1 + i2 * params.a2 + i3 * params.a3);
  let v = b_ld(i0 * params.b0 + i1 * params.b1 + i2 * params.b2 + i3 * params.b3);
  y_st(i, ${EXPRESSIONS[op]});
}
`;
}
