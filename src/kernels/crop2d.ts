/** Dispatch of crop2d (shader: shaders/crop2d.wgsl.ts). */
import { CROP2D_WORKGROUP, crop2dShader } from '../../shaders/crop2d.wgsl.js';
import { planCrop2d, planCrop2dBackward, type Crop2dBackwardOptions, type Crop2dOptions } from '../ops/crop2d.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';
import { pad2d } from './pad2d.js';

export function crop2d(ctx: KernelContext, x: Tensor, options: Crop2dOptions): Tensor {
  ctx.check('crop2d', 'input', x);
  const p = planCrop2d(x.shape, options);
  const y = ctx.alloc(p.outShape);
  ctx.runner.run(
    { name: 'crop2d', variant: '', workgroupSize: CROP2D_WORKGROUP, entry: 'element', body: crop2dShader },
    {
      h: ['u32', x.shape[2]],
      w: ['u32', x.shape[3]],
      hOut: ['u32', p.outShape[2]],
      wOut: ['u32', p.outShape[3]],
      top: ['u32', p.top],
      left: ['u32', p.left],
    },
    [
      { name: 'x', tensor: x },
      { name: 'y', tensor: y, write: true },
    ],
    y.size,
  );
  return y;
}

/** The adjoint of crop2d: dy zero-padded back to the input shape, on pad2d's kernel. */
export function crop2dBackward(ctx: KernelContext, dy: Tensor, options: Crop2dBackwardOptions): Tensor {
  ctx.check('crop2dBackward', 'dy', dy);
  const { pads } = planCrop2dBackward(dy.shape, options);
  return pad2d(ctx, dy, { pads });
}
