/** Dispatch of upsample (shader: shaders/upsample.wgsl.ts). */
import { UPSAMPLE_WORKGROUP, upsampleShader } from '../../shaders/upsample.wgsl.js';
import { cubicTransform } from '../core/resample.js';
import { planUpsample, type BicubicOptions, type UpsampleOptions } from '../ops/upsample.js';
import type { Params } from '../gpu/program.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

export function upsample(ctx: KernelContext, x: Tensor, options: UpsampleOptions & BicubicOptions): Tensor {
  ctx.check('upsample', 'input', x);
  const p = planUpsample(x.shape, options);
  const y = ctx.alloc(p.outShape);
  const params: Params = { inH: ['u32', p.inH], inW: ['u32', p.inW], outH: ['u32', p.outH], outW: ['u32', p.outW] };
  if (p.mode === 'bicubic') {
    const th = cubicTransform(p.scale[0], p.inH, p.outH, p.alignCorners);
    const tw = cubicTransform(p.scale[1], p.inW, p.outW, p.alignCorners);
    Object.assign(params, {
      mulH: ['f32', th.mul],
      offH: ['f32', th.off],
      mulW: ['f32', tw.mul],
      offW: ['f32', tw.off],
      a: ['f32', p.cubicCoeffA],
    });
  } else {
    Object.assign(params, { invScaleH: ['f32', 1 / p.scale[0]], invScaleW: ['f32', 1 / p.scale[1]] });
  }
  ctx.runner.run(
    { name: 'upsample', variant: p.mode, workgroupSize: UPSAMPLE_WORKGROUP, entry: 'element', body: upsampleShader },
    params,
    [
      { name: 'x', tensor: x },
      { name: 'y', tensor: y, write: true },
    ],
    y.size,
  );
  return y;
}
