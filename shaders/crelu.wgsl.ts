/**
 * crelu: y = concat(relu(x), relu(−x)) on channels, x [N, C, H, W] → y [N, 2C, H, W].
 * One thread per input element: one load, two stores, at (n, c, p) and (n, C + c, p),
 * which sit perBatch = C·H·W apart inside batch item n of y.
 */
import { wgslRavel, wgslUnravel } from '../src/core/indexing.js';

export const CRELU_WORKGROUP = 256;

export function creluShader(): string {
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
  y_st(o, max(v, 0.0));
  y_st(o + params.perBatch, max(-v, 0.0));
}
`;
}
