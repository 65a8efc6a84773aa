/**
 * Nearest / bilinear upsampling, PyTorch align_corners=False with a given
 * scale factor (source coordinates use 1/scale, see src/ops/upsample.ts), and
 * bicubic (ONNX Resize cubic): src = (dst + off)·mul − off per axis (uniforms
 * from cubicTransform in src/core/resample.ts), 4×4 taps clamped to the edge.
 * One thread per output element, along the output row.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { wgslUnravel } from '../src/core/indexing.js';
import { WGSL_CUBIC_WEIGHT } from '../src/core/resample.js';

export const UPSAMPLE_WORKGROUP = 256;

export type UpsampleVariant = 'nearest' | 'bilinear' | 'bicubic';

export function upsampleShader(mode: UpsampleVariant): string {
  const bilinear = mode === 'bilinear';
  const bicubic = mode === 'bicubic';
  return wgsl`
#if ${bicubic}
${WGSL_CUBIC_WEIGHT}
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
#if ${bicubic}
  let sy = (f32(oy) + params.offH) * params.mulH - params.offH;
  let sx = (f32(ox) + params.offW) * params.mulW - params.offW;
  let fy = floor(sy);
  let fx = floor(sx);
  let ty = sy - fy;
  let tx = sx - fx;
  // Weights of taps ⌊s⌋ − 1 … ⌊s⌋ + 2 are W(t + 1), W(t), W(1 − t), W(2 − t).
  let wy = vec4<f32>(cubicWeight(ty + 1.0, params.a), cubicWeight(ty, params.a), cubicWeight(1.0 - ty, params.a), cubicWeight(2.0 - ty, params.a));
  let wx = vec4<f32>(cubicWeight(tx + 1.0, params.a), cubicWeight(tx, params.a), cubicWeight(1.0 - tx, params.a), cubicWeight(2.0 - tx, params.a));
  let iy0 = i32(fy) - 1;
  let ix0 = i32(fx) - 1;
  let maxY = i32(params.inH) - 1;
  let maxX = i32(params.inW) - 1;
  let c0 = u32(clamp(ix0, 0, maxX));
  let c1 = u32(clamp(ix0 + 1, 0, maxX));
  let c2 = u32(clamp(ix0 + 2, 0, maxX));
  let c3 = u32(clamp(ix0 + 3, 0, maxX));
  var acc = 0.0;
  for (var i = 0; i < 4; i++) {
    let row = base + u32(clamp(iy0 + i, 0, maxY)) * params.inW;
    let v = vec4<f32>(x_ld(row + c0), x_ld(row + c1), x_ld(row + c2), x_ld(row + c3));
    acc += wy[i] * dot(wx, v);
  }
  y_st(idx, acc);
#elif ${bilinear}
  let sy = max((f32(oy) + 0.5) * params.invScaleH - 0.5, 0.0);
  let sx = max((f32(ox) + 0.5) * params.invScaleW - 0.5, 0.0);
  let y0 = min(u32(floor(sy)), params.inH - 1u);
  let x0 = min(u32(floor(sx)), params.inW - 1u);
  let y1 = min(y0 + 1u, params.inH - 1u);
  let x1 = min(x0 + 1u, params.inW - 1u);
  let ty = sy - f32(y0);
  let tx = sx - f32(x0);
  let top = mix(x_ld(base + y0 * params.inW + x0), x_ld(base + y0 * params.inW + x1), tx);
  let bot = mix(x_ld(base + y1 * params.inW + x0), x_ld(base + y1 * params.inW + x1), tx);
  y_st(idx, mix(top, bot, ty));
#else
  let iy = min(u32(floor(f32(oy) * params.invScaleH)), params.inH - 1u);
  let ix = min(u32(floor(f32(ox) * params.invScaleW)), params.inW - 1u);
  y_st(idx, x_ld(base + iy * params.inW + ix));
#endif
}
`;
}
