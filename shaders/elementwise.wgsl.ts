/**
 * Element-wise ops (relu, leakyRelu, sigmoid, tanh, scalar multiply, add) and the strided
 * copy that implements channel concatenation. One thread per element.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { wgslRavel, wgslUnravel } from '../src/ops/indexing.js';
import { ACTIVATION_WGSL } from './activation.wgsl.js';

export const ELEMENTWISE_WORKGROUP = 256;

export type UnaryOp = 'relu' | 'leakyRelu' | 'mul' | 'sigmoid' | 'tanh';

export function unaryShader(op: UnaryOp): string {
  return wgsl`
#if ${op === 'sigmoid' || op === 'tanh'}
${ACTIVATION_WGSL}
#endif
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = threadIndex(wid, lid);
  if (i >= params.total) { return; }
  let v = x_ld(i);
#if ${op === 'relu'}
  y_st(i, max(v, 0.0));
#elif ${op === 'leakyRelu'}
  y_st(i, select(v * params.alpha, v, v >= 0.0));
#elif ${op === 'sigmoid'}
  y_st(i, sigmoidStable(v));
#elif ${op === 'tanh'}
  y_st(i, tanhStable(v));
#else
  y_st(i, v * params.alpha);
#endif
}
`;
}

export function addShader(): string {
  return `
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = threadIndex(wid, lid);
  if (i >= params.total) { return; }
  y_st(i, a_ld(i) + b_ld(i));
}
`;
}

/** Copies x [n, c, hw] into channels [offset, offset + c) of y [n, cOut, hw]. */
export function copyChannelsShader(): string {
  return `
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = threadIndex(wid, lid);
  if (i >= params.total) { return; }
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
