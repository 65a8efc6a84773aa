/**
 * prelu: y = max(0, x) + slope_c · min(0, x), slope per channel c (axis 1) or shared.
 * One thread per element; the channel is (i / inner) mod C, and a shared slope
 * is read through slopeStride = 0 instead of a shader variant.
 */
import { wgslUnravel } from '../src/ops/indexing.js';

export const PRELU_WORKGROUP = 256;

export function preluShader(): string {
  return `
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = threadIndex(wid, lid);
  if (i >= params.total) { return; }
${wgslUnravel(
  'i',
  [
    ['p', 'params.inner'],
    ['c', 'params.channels'],
  ],
  'n',
)}
  let v = x_ld(i);
  y_st(i, max(v, 0.0) + slope_ld(c * params.slopeStride) * min(v, 0.0));
}
`;
}
