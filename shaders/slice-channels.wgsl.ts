/**
 * sliceChannels: y [n, count, hw] = channels [start, start + count) of x [n, c, hw].
 * One thread per output element (the inverse of concat's copy-channels).
 */
import { wgslRavel, wgslUnravel } from '../src/core/indexing.js';

export const SLICE_CHANNELS_WORKGROUP = 256;

export function sliceChannelsShader(): string {
  return `
fn element(i: u32) {
  let perBatch = params.count * params.hw;
${wgslUnravel('i', [['rest', 'perBatch']], 'n')}
  y_st(i, x_ld(${wgslRavel(
    [
      ['rest', 'params.hw'],
      ['params.start', 'params.c'],
    ],
    'n',
  )}));
}
`;
}
