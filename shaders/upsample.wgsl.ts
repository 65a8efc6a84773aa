/**
 * Nearest / bilinear upsampling, PyTorch align_corners=False with a given
 * scale factor (source coordinates use 1/scale, see src/ops/upsample.ts).
 * One thread per output element, along the output row.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { wgslUnravel } from '../src/ops/indexing.js';

export const UPSAMPLE_WORKGROUP = 256;

export function upsampleShader(bilinear: boolean): string {
  return wgsl`
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let idx = threadIndex(wid, lid);
  if (idx >= params.total) { return; }
${wgslUnravel('idx', [['ox', 'params.outW'], ['oy', 'params.outH']], 'nc')}
  let base = nc * params.inH * params.inW;
#if ${bilinear}
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
