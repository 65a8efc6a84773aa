/** Dispatch of upsample (shader: shaders/upsample.wgsl.ts). */
import { UPSAMPLE_WORKGROUP, upsampleShader } from '../../shaders/upsample.wgsl.js';
import { planUpsample, type UpsampleOptions } from '../ops/upsample.js';
import type { Tensor } from '../tensor.js';
import type { KernelContext } from './context.js';

export function upsample(ctx: KernelContext, x: Tensor, options: UpsampleOptions): Tensor {
  ctx.check('upsample', 'input', x);
  const p = planUpsample(x.shape, options);
  const y = ctx.alloc(p.outShape);
  const bilinear = p.mode === 'bilinear';
  ctx.runner.run(
    { name: 'upsample', variant: p.mode, workgroupSize: UPSAMPLE_WORKGROUP, body: () => upsampleShader(bilinear) },
    {
      inH: ['u32', p.inH], inW: ['u32', p.inW], outH: ['u32', p.outH], outW: ['u32', p.outW],
      invScaleH: ['f32', 1 / p.scale[0]], invScaleW: ['f32', 1 / p.scale[1]],
    },
    [{ name: 'x', tensor: x }, { name: 'y', tensor: y, write: true }],
    y.size,
  );
  return y;
}
