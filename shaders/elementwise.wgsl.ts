/**
 * Element-wise ops (relu, leakyRelu, scalar multiply, add) and the strided
 * copy that implements channel concatenation. One thread per element.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';

export const ELEMENTWISE_WORKGROUP = 256;

export type UnaryOp = 'relu' | 'leakyRelu' | 'mul';

export function unaryShader(op: UnaryOp): string {
  return wgsl`
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = threadIndex(wid, lid);
  if (i >= params.total) { return; }
  let v = x_ld(i);
#if ${op === 'relu'}
  y_st(i, max(v, 0.0));
#elif ${op === 'leakyRelu'}
  y_st(i, select(v * params.alpha, v, v >= 0.0));
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
  let n = i / perBatch;
  let rest = i - n * perBatch;
  y_st((n * params.cOut + params.offset) * params.hw + rest, x_ld(i));
}
`;
}
