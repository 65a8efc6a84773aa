/**
 * Activation gradients (derivatives in src/ops/activation-backward.ts).
 *
 * activationBackwardShader(op): one thread per dx element, dx(i) = dy(i) · f'(s(i)),
 * s the saved tensor (x for relu, leakyRelu and prelu; y for sigmoid and tanh).
 * prelu reads its slope through slopeStride (0: shared), as the forward does.
 *
 * clip (alpha = min, beta = max), mish and hardSwish (alpha, beta) read x; mish' is
 * t + x·σ(x)·(1 − t²) with t = tanh(softplus x) = n/(n + 2), n = eˣ(eˣ + 2) (as the
 * forward), and 1 − t² = 4(n + 1)/(n + 2)², which does not cancel as t → 1.
 *
 * creluBackwardShader: one thread per dx element of x [N, C, H, W]; it reads
 * dy at (n, c, p) and (n, C + c, p), perBatch = C·H·W apart.
 *
 * preluSlopeGradShader: one workgroup per slope element; its WG threads stride
 * over the channel's N·inner elements (all of x for a shared slope), then sum
 * their partials in a tree in workgroup memory. No atomics.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { wgslRavel, wgslUnravel } from '../src/core/indexing.js';
import { wgslAxisSum } from './axis-sum.wgsl.js';

export const ACTIVATION_BACKWARD_WORKGROUP = 256;

export type ActivationBackwardOp = 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'prelu' | 'clip' | 'mish' | 'hardSwish';

export function activationBackwardShader(op: ActivationBackwardOp): string {
  return wgsl`
fn element(i: u32) {
  let g = dy_ld(i);
  let s = saved_ld(i);
#if ${op === 'relu'}
  dx_st(i, select(0.0, g, s > 0.0));
#elif ${op === 'leakyRelu'}
  dx_st(i, select(g * params.alpha, g, s > 0.0));
#elif ${op === 'sigmoid'}
  dx_st(i, g * s * (1.0 - s));
#elif ${op === 'tanh'}
  dx_st(i, g * (1.0 - s * s));
#elif ${op === 'clip'}
  dx_st(i, select(0.0, g, s >= params.alpha && s <= params.beta));
#elif ${op === 'mish'}
  var d = 1.0;
  if (s <= 20.0) {
    let e = exp(s);
    let n = e * (e + 2.0);
    let q = n + 2.0;
    d = n / q + s * (e / (1.0 + e)) * (4.0 * (n + 1.0) / (q * q));
  }
  dx_st(i, g * d);
#elif ${op === 'hardSwish'}
  let gate = params.alpha * s + params.beta;
  dx_st(i, g * select(select(2.0 * params.alpha * s + params.beta, 1.0, gate > 1.0), 0.0, gate < 0.0));
#else
${wgslUnravel(
  'i',
  [
    ['p', 'params.inner'],
    ['c', 'params.channels'],
  ],
  'n',
)}
  dx_st(i, select(g * slope_ld(c * params.slopeStride), g, s > 0.0));
#endif
}
`;
}

export function creluBackwardShader(): string {
  return `
fn element(i: u32) {
${wgslUnravel('i', [['rest', 'params.perBatch']], 'n')}
  let o = ${wgslRavel(
    [
      ['rest', 'params.perBatch'],
      ['0u', '2u'],
    ],
    'n',
  )};
  let v = x_ld(i);
  dx_st(i, select(0.0, dy_ld(o), v > 0.0) - select(0.0, dy_ld(o + params.perBatch), v < 0.0));
}
`;
}

/**
 * Slope element k sums dy · min(x, 0) over m < count elements, element m at
 * (n, c, p) = unravel(m, [inner, batches]) with c = k (shared slope: channels
 * collapse to 1 and inner is C·H·W).
 */
export function preluSlopeGradShader(): string {
  return `
fn slopeTerm(k: u32, m: u32) -> f32 {
${wgslUnravel('m', [['p', 'params.inner']], 'n', 'rest', '  ')}
  let i = ${wgslRavel(
    [
      ['p', 'params.inner'],
      ['k', 'params.slopes'],
    ],
    'n',
  )};
  return dy_ld(i) * min(x_ld(i), 0.0);
}
${wgslAxisSum({
  index: 'k',
  count: 'params.slopes',
  length: 'params.batches * params.inner',
  term: 'slopeTerm(k, p)',
  store: 'dslope_st(k, sum);',
})}`;
}
