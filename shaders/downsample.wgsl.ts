/**
 * Downsampling (src/ops/downsample.ts): each output is a separable weighted
 * mean over a window of inputs, [y0, y1) × [x0, x1).
 *   area:       windows [⌊o·in/out⌋, ⌈(o+1)·in/out⌉) in integer arithmetic,
 *               the plain mean (sum / count, as PyTorch's adaptive_avg_pool2d);
 *   bicubic-aa: windows and weights of aaCubicWindow (src/core/resample.ts) in
 *               f32: W((j − centre + ½)/f) with a = −0.5, divided by the product
 *               of the two axes' weight sums (one pass sums them, one accumulates).
 * One thread per output element, along the output row; no shared memory (the
 * windows of neighbouring threads overlap, and the caches catch that).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { wgslUnravel } from '../src/core/indexing.js';
import { WGSL_CUBIC_WEIGHT } from '../src/core/resample.js';

export const DOWNSAMPLE_WORKGROUP = 256;

export function downsampleShader(mode: 'area' | 'bicubic-aa'): string {
  const area = mode === 'area';
  return wgsl`
#if ${!area}
${WGSL_CUBIC_WEIGHT}
// Axis window of PyTorch's antialiased kernel: lo = max(trunc(c − s + ½), 0), hi = min(trunc(c + s + ½), in).
fn aaWindow(o: u32, f: f32, inSize: u32) -> vec2<u32> {
  let c = f * (f32(o) + 0.5);
  let lo = max(i32(c - 2.0 * f + 0.5), 0);
  let hi = min(i32(c + 2.0 * f + 0.5), i32(inSize));
  return vec2<u32>(u32(lo), u32(max(hi, lo)));
}
#endif
fn element(idx: u32) {
${wgslUnravel(
  'idx',
  [
    ['ox', 'params.outW'],
    ['oy', 'params.outH'],
  ],
  'nc',
)}
  let base = nc * params.inH * params.inW;
#if ${area}
  let y0 = (oy * params.inH) / params.outH;
  let y1 = ((oy + 1u) * params.inH + params.outH - 1u) / params.outH;
  let x0 = (ox * params.inW) / params.outW;
  let x1 = ((ox + 1u) * params.inW + params.outW - 1u) / params.outW;
  var acc = 0.0;
  for (var iy = y0; iy < y1; iy++) {
    let row = base + iy * params.inW;
    var s = 0.0;
    for (var ix = x0; ix < x1; ix++) { s += x_ld(row + ix); }
    acc += s;
  }
  y_st(idx, acc / f32((y1 - y0) * (x1 - x0)));
#else
  let wy = aaWindow(oy, params.fH, params.inH);
  let wx = aaWindow(ox, params.fW, params.inW);
  let cy = params.fH * (f32(oy) + 0.5);
  let cx = params.fW * (f32(ox) + 0.5);
  let invH = 1.0 / params.fH;
  let invW = 1.0 / params.fW;
  var sumY = 0.0;
  for (var iy = wy.x; iy < wy.y; iy++) { sumY += cubicWeight((f32(iy) - cy + 0.5) * invH, -0.5); }
  var sumX = 0.0;
  for (var ix = wx.x; ix < wx.y; ix++) { sumX += cubicWeight((f32(ix) - cx + 0.5) * invW, -0.5); }
  var acc = 0.0;
  for (var iy = wy.x; iy < wy.y; iy++) {
    let row = base + iy * params.inW;
    var s = 0.0;
    for (var ix = wx.x; ix < wx.y; ix++) { s += cubicWeight((f32(ix) - cx + 0.5) * invW, -0.5) * x_ld(row + ix); }
    acc += cubicWeight((f32(iy) - cy + 0.5) * invH, -0.5) * s;
  }
  let total = sumY * sumX;
  y_st(idx, select(acc, acc / total, total != 0.0));
#endif
}
`;
}
