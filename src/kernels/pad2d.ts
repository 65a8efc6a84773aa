/** Dispatch of pad2d (shader: shaders/pad2d.wgsl.ts). */
import { PAD2D_WORKGROUP, pad2dShader } from '../../shaders/pad2d.wgsl.js';
import { planPad2d, type Pad2dOptions } from '../ops/pad2d.js';
import type { Tensor } from '../tensor.js';
import type { KernelContext } from './context.js';

export function pad2d(ctx: KernelContext, x: Tensor, options: Pad2dOptions): Tensor {
  ctx.check('pad2d', 'input', x);
  const p = planPad2d(x.shape, options);
  const y = ctx.alloc(p.outShape);
  ctx.runner.run(
    { name: 'pad2d', variant: p.mode, workgroupSize: PAD2D_WORKGROUP, body: () => pad2dShader(p.mode) },
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
