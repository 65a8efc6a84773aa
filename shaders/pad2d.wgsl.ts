/**
 * pad2d: y [plane, hOut, wOut] from x [plane, h, w], one thread per output
 * element. Each axis maps the output coordinate to an input one (`source`,
 * the twin of padSource in src/ops/pad2d.ts): inside it is o − before; outside,
 * 'replicate' clamps to the edge and 'reflect' mirrors about it without
 * repeating it (reflect-101: −1 → 1, h → h − 2; one mirror suffices since the
 * shape rule keeps each pad < the size). 'constant' writes params.value there.
 * The mode is the variant (it changes the code); sizes and pads are uniforms.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { wgslRavel, wgslUnravel } from '../src/ops/indexing.js';
import type { PadMode } from '../src/ops/pad2d.js';

export const PAD2D_WORKGROUP = 256;

export function pad2dShader(mode: PadMode): string {
  return wgsl`
// The input coordinate for output coordinate o on an axis of size n padded by before; -1 = outside (constant).
fn source(o: u32, before: u32, n: u32) -> i32 {
  let s = i32(o) - i32(before);
#if ${mode === 'constant'}
  return select(-1, s, s >= 0 && s < i32(n));
#elif ${mode === 'replicate'}
  return clamp(s, 0, i32(n) - 1);
#else
  return select(select(s, 2 * (i32(n) - 1) - s, s >= i32(n)), -s, s < 0);
#endif
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = threadIndex(wid, lid);
  if (i >= params.total) { return; }
${wgslUnravel(
  'i',
  [
    ['ox', 'params.wOut'],
    ['oy', 'params.hOut'],
  ],
  'plane',
)}
  let sy = source(oy, params.top, params.h);
  let sx = source(ox, params.left, params.w);
#if ${mode === 'constant'}
  if (sy < 0 || sx < 0) {
    y_st(i, params.value);
    return;
  }
#endif
  let x = u32(sx);
  let y = u32(sy);
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
