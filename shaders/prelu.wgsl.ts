/**
 * prelu: y = max(0, x) + slope_c · min(0, x), slope per channel c (axis 1) or shared.
 * One thread per element; the channel is (i / inner) mod C, and a shared slope
 * is read through slopeStride = 0 instead of a shader variant.
 */
import { wgslUnravel } from '../src/core/indexing.js';

export const PRELU_WORKGROUP = 256;

export function preluShader(): string {
  return `
fn element(i: u32) {
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
