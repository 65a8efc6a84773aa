/**
 * Element-wise ops (relu, leakyRelu, sigmoid, tanh, scalar multiply, clip, mish,
 * hardSwish, add) and the strided copy that implements channel concatenation.
 * One thread per element. The unary ops are one shader with the op as its variant;
 * their scalars are uniforms (`alpha`, and `beta` for clip and hardSwish).
 *
 * mish(x) = x·tanh(softplus(x)) is computed as x·n/(n + 2), n = eˣ(eˣ + 2), the
 * identity tanh(log(1 + e)) = ((1 + e)² − 1)/((1 + e)² + 1): no log, and no
 * cancellation for x ≪ 0, where mish ≈ x·eˣ (a log(1 + eˣ) in f32 would round
 * to 0 there). Above 20 it returns x, as softplus does (eˣ would overflow by 89).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { wgslRavel, wgslUnravel } from '../src/core/indexing.js';
import { ACTIVATION_WGSL } from './activation.wgsl.js';

export const ELEMENTWISE_WORKGROUP = 256;

export type UnaryOp = 'relu' | 'leakyRelu' | 'mul' | 'sigmoid' | 'tanh' | 'clip' | 'mish' | 'hardSwish';

export function unaryShader(op: UnaryOp): string {
  return wgsl`
#if ${op === 'sigmoid' || op === 'tanh'}
${ACTIVATION_WGSL}
#endif
#if ${op === 'mish'}
fn mishStable(x: f32) -> f32 {
  if (x > 20.0) { return x; }
  let e = exp(x);
  let n = e * (e + 2.0);
  return x * (n / (n + 2.0));
}
#endif
fn element(i: u32) {
  let v = x_ld(i);
#if ${op === 'relu'}
  y_st(i, max(v, 0.0));
#elif ${op === 'leakyRelu'}
  y_st(i, select(v * params.alpha, v, v >= 0.0));
#elif ${op === 'sigmoid'}
  y_st(i, sigmoidStable(v));
#elif ${op === 'tanh'}
  y_st(i, tanhStable(v));
#elif ${op === 'clip'}
  y_st(i, min(max(v, params.alpha), params.beta));
#elif ${op === 'mish'}
  y_st(i, mishStable(v));
#elif ${op === 'hardSwish'}
  y_st(i, v * clamp(params.alpha * v + params.beta, 0.0, 1.0));
#else
  y_st(i, v * params.alpha);
#endif
}
`;
}

export function addShader(): string {
  return `
fn element(i: u32) {
  y_st(i, a_ld(i) + b_ld(i));
}
`;
}

/** Copies x [n, c, hw] into channels [offset, offset + c) of y [n, cOut, hw]. */
export function copyChannelsShader(): string {
  return `
fn element(i: u32) {
  let perBatch = params.c * params.hw;
${wgslUnravel('i', [['rest', 'perBatch']], 'n')}
  y_st(${wgslRavel(
    [
      ['rest', 'params.hw'],
      ['params.offset', 'params.cOut'],
    ],
    'n',
  )}, x_ld(i));
}
`;
}
