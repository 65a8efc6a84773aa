/**
 * upsampleBackward, as a gather: dx(i, j) = Σ_o Σ_p w_h(o, i)·w_w(p, j)·dy(o, p),
 * the transpose of the forward (shaders/upsample.wgsl.ts), so no atomics.
 * One thread per dx element. Along each axis it visits the outputs that may
 * read its input (tapRange in src/ops/upsample-backward.ts: a superset, with a
 * one-output margin for float32 rounding) and recomputes each one's taps with
 * the forward's own float32 formulas, so the weights are exactly the ones the
 * GPU forward used and the result is its exact adjoint.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { wgslUnravel } from '../src/core/indexing.js';

export const UPSAMPLE_BACKWARD_WORKGROUP = 256;

export function upsampleBackwardShader(bilinear: boolean): string {
  return wgsl`
// Weight of input i in output o along one axis (0 when o does not read i).
fn tapWeight(o: u32, i: u32, invScale: f32, inSize: u32) -> f32 {
#if ${bilinear}
  let s = max((f32(o) + 0.5) * invScale - 0.5, 0.0);
  let i0 = min(u32(floor(s)), inSize - 1u);
  let i1 = min(i0 + 1u, inSize - 1u);
  let t = s - f32(i0);
  return select(0.0, 1.0 - t, i0 == i) + select(0.0, t, i1 == i);
#else
  return select(0.0, 1.0, min(u32(floor(f32(o) * invScale)), inSize - 1u) == i);
#endif
}

// Outputs [lo, hi] along one axis that may read input i (tapRange, src/ops/upsample-backward.ts).
fn tapRange(i: u32, scale: f32, inSize: u32, outSize: u32) -> vec2<u32> {
#if ${bilinear}
  let a = (f32(i) - 0.5) * scale - 0.5;
  let b = (f32(i) + 1.5) * scale - 0.5;
#else
  let a = f32(i) * scale;
  let b = (f32(i) + 1.0) * scale;
#endif
  let lo = u32(max(i32(floor(a)) - 1, 0));
  let hi = select(min(u32(ceil(b)) + 1u, outSize - 1u), outSize - 1u, i == inSize - 1u);
  return vec2<u32>(lo, hi);
}

fn element(idx: u32) {
${wgslUnravel(
  'idx',
  [
    ['ix', 'params.inW'],
    ['iy', 'params.inH'],
  ],
  'nc',
)}
  let base = nc * params.outH * params.outW;
  let ry = tapRange(iy, params.scaleH, params.inH, params.outH);
  let rx = tapRange(ix, params.scaleW, params.inW, params.outW);
  var acc = 0.0;
  for (var oy = ry.x; oy <= ry.y; oy++) {
    let wy = tapWeight(oy, iy, params.invScaleH, params.inH);
    if (wy == 0.0) { continue; }
    var row = 0.0;
    for (var ox = rx.x; ox <= rx.y; ox++) {
      let wx = tapWeight(ox, ix, params.invScaleW, params.inW);
      row += wx * dy_ld(base + oy * params.outW + ox);
    }
    acc += wy * row;
  }
  dx_st(idx, acc);
}
`;
}
