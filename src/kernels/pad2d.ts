/** Dispatch of pad2d (shader: shaders/pad2d.wgsl.ts). */
import { PAD2D_WORKGROUP, pad2dBackwardShader, pad2dShader } from '../../shaders/pad2d.wgsl.js';
import { planPad2d, planPad2dBackward, type Pad2dOptions } from '../ops/pad2d.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

export function pad2d(ctx: KernelContext, x: Tensor, options: Pad2dOptions): Tensor {
  ctx.check('pad2d', 'input', x);
  const p = planPad2d(x.shape, options);
  const y = ctx.alloc(p.outShape);
  ctx.runner.run(
    { name: 'pad2d', variant: p.mode, workgroupSize: PAD2D_WORKGROUP, entry: 'element', body: pad2dShader },
    {
      h: ['u32', p.inShape[2]],
      w: ['u32', p.inShape[3]],
      hOut: ['u32', p.outShape[2]],
      wOut: ['u32', p.outShape[3]],
      top: ['u32', p.top],
      left: ['u32', p.left],
      value: ['f32', p.value],
    },
    [
      { name: 'x', tensor: x },
      { name: 'y', tensor: y, write: true },
    ],
    y.size,
  );
  return y;
}

/** The adjoint of pad2d: dx gathers the dy pixels each input pixel was copied to (shaders/pad2d.wgsl.ts). */
export function pad2dBackward(ctx: KernelContext, dy: Tensor, options: Pad2dOptions): Tensor {
  ctx.check('pad2dBackward', 'dy', dy);
  const p = planPad2dBackward(dy.shape, options);
  const dx = ctx.alloc(p.inShape);
  ctx.runner.run(
    { name: 'pad2d-backward', variant: p.mode, workgroupSize: PAD2D_WORKGROUP, entry: 'element', body: pad2dBackwardShader },
    {
      h: ['u32', p.inShape[2]],
      w: ['u32', p.inShape[3]],
      hOut: ['u32', p.outShape[2]],
      wOut: ['u32', p.outShape[3]],
      top: ['u32', p.top],
      bottom: ['u32', p.bottom],
      left: ['u32', p.left],
      right: ['u32', p.right],
    },
    [
      { name: 'dy', tensor: dy },
      { name: 'dx', tensor: dx, write: true },
    ],
    dx.size,
  );
  return dx;
}
