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
import { wgslRavel, wgslUnravel } from '../src/core/indexing.js';
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

fn element(i: u32) {
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

/**
 * pad2dBackward: dx [plane, h, w] from dy [plane, hOut, wOut], one thread per dx
 * element, gathering (no atomics) the dy pixels that pad2d copied it to. On each
 * axis those form up to three ranges of output coordinates (`readers`, inclusive,
 * empty when lo > hi): the pixel's own place i + before; on the before side
 * 'replicate' adds [0, before) to the edge i = 0 and 'reflect' the mirror
 * before − i (for 1 ≤ i ≤ before); on the after side 'replicate' adds the
 * whole after border to i = n − 1 and 'reflect' the mirror before + 2(n − 1) − i
 * (when it lies in the border). dx is the sum over the 3 × 3 range products.
 */
export function pad2dBackwardShader(mode: PadMode): string {
  return wgsl`
fn readers(i: u32, before: u32, after: u32, n: u32) -> array<vec2<i32>, 3> {
  let ii = i32(i);
  let b = i32(before);
  let a = i32(after);
  let m = i32(n);
  var r = array<vec2<i32>, 3>(vec2<i32>(ii + b, ii + b), vec2<i32>(0, -1), vec2<i32>(0, -1));
#if ${mode === 'replicate'}
  if (ii == 0) { r[1] = vec2<i32>(0, b - 1); }
  if (ii == m - 1) { r[2] = vec2<i32>(b + m, b + m + a - 1); }
#elif ${mode === 'reflect'}
  if (ii >= 1 && ii <= b) { r[1] = vec2<i32>(b - ii, b - ii); }
  if (ii <= m - 2 && ii >= m - 1 - a) { let o = b + 2 * (m - 1) - ii; r[2] = vec2<i32>(o, o); }
#endif
  return r;
}

fn element(i: u32) {
${wgslUnravel(
  'i',
  [
    ['x', 'params.w'],
    ['y', 'params.h'],
  ],
  'plane',
)}
  var ry = readers(y, params.top, params.bottom, params.h);
  var rx = readers(x, params.left, params.right, params.w);
  var acc = 0.0;
  for (var a = 0; a < 3; a++) {
    for (var oy = ry[a].x; oy <= ry[a].y; oy++) {
      let row = (plane * params.hOut + u32(oy)) * params.wOut;
      for (var b = 0; b < 3; b++) {
        for (var ox = rx[b].x; ox <= rx[b].y; ox++) {
          acc += dy_ld(row + u32(ox));
        }
      }
    }
  }
  dx_st(i, acc);
}
`;
}
