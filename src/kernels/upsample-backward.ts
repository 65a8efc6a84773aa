/** Dispatch of upsampleBackward (shader: shaders/upsample-backward.wgsl.ts). */
import { UPSAMPLE_BACKWARD_WORKGROUP, upsampleBackwardShader } from '../../shaders/upsample-backward.wgsl.js';
import { planUpsampleBackward, type UpsampleBackwardOptions } from '../ops/upsample-backward.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

export function upsampleBackward(ctx: KernelContext, dy: Tensor, options: UpsampleBackwardOptions): Tensor {
  ctx.check('upsampleBackward', 'dy', dy);
  const p = planUpsampleBackward(dy.shape, options);
  const dx = ctx.alloc(p.dxShape);
  ctx.runner.run(
    {
      name: 'upsample-backward',
      variant: p.mode,
      workgroupSize: UPSAMPLE_BACKWARD_WORKGROUP,
      entry: 'element',
      body: (mode) => upsampleBackwardShader(mode === 'bilinear'),
    },
    {
      inH: ['u32', p.inH],
      inW: ['u32', p.inW],
      outH: ['u32', p.outH],
      outW: ['u32', p.outW],
      scaleH: ['f32', p.scale[0]],
      scaleW: ['f32', p.scale[1]],
      invScaleH: ['f32', 1 / p.scale[0]],
      invScaleW: ['f32', 1 / p.scale[1]],
    },
    [
      { name: 'dy', tensor: dy },
      { name: 'dx', tensor: dx, write: true },
    ],
    dx.size,
  );
  return dx;
}
