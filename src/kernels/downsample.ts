/** Dispatch of downsample (shader: shaders/downsample.wgsl.ts). */
import { DOWNSAMPLE_WORKGROUP, downsampleShader } from '../../shaders/downsample.wgsl.js';
import { planDownsample, type DownsampleOptions } from '../ops/downsample.js';
import type { Params } from '../gpu/program.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

export function downsample(ctx: KernelContext, x: Tensor, options: DownsampleOptions): Tensor {
  ctx.check('downsample', 'input', x);
  const p = planDownsample(x.shape, options);
  const y = ctx.alloc(p.outShape);
  const params: Params = { inH: ['u32', p.inH], inW: ['u32', p.inW], outH: ['u32', p.outH], outW: ['u32', p.outW] };
  // The kernel's stretch is the factor itself (area needs only the sizes).
  if (p.mode === 'bicubic-aa') Object.assign(params, { fH: ['f32', p.factor[0]], fW: ['f32', p.factor[1]] });
  ctx.runner.run(
    { name: 'downsample', variant: p.mode, workgroupSize: DOWNSAMPLE_WORKGROUP, entry: 'element', body: downsampleShader },
    params,
    [
      { name: 'x', tensor: x },
      { name: 'y', tensor: y, write: true },
    ],
    y.size,
  );
  return y;
}
