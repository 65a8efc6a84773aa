/**
 * crop2d: y [plane, hOut, wOut] = x [plane, top + oy, left + ox] of x [plane, h, w].
 * One thread per output element; the window is uniforms.
 */
import { wgslRavel, wgslUnravel } from '../src/core/indexing.js';

export const CROP2D_WORKGROUP = 256;

export function crop2dShader(): string {
  return `
fn element(i: u32) {
${wgslUnravel(
  'i',
  [
    ['ox', 'params.wOut'],
    ['oy', 'params.hOut'],
  ],
  'plane',
)}
  let x = ox + params.left;
  let y = oy + params.top;
  y_st(i, x_ld(${wgslRavel(
    [
      ['x', 'params.w'],
      ['y', 'params.h'],
    ],
    'plane',
  )}));
}
`;
}
