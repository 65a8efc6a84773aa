/** Dispatch of sliceChannels (shader: shaders/slice-channels.wgsl.ts). */
import { SLICE_CHANNELS_WORKGROUP, sliceChannelsShader } from '../../shaders/slice-channels.wgsl.js';
import { planSliceChannels } from '../ops/slice-channels.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

export function sliceChannels(ctx: KernelContext, x: Tensor, start: number, count: number): Tensor {
  ctx.check('sliceChannels', 'input', x);
  const shape = planSliceChannels(x.shape, start, count);
  const y = ctx.alloc(shape);
  ctx.runner.run(
    { name: 'slice-channels', variant: '', workgroupSize: SLICE_CHANNELS_WORKGROUP, entry: 'element', body: sliceChannelsShader },
    { c: ['u32', x.shape[1]], count: ['u32', count], hw: ['u32', shape[2] * shape[3]], start: ['u32', start] },
    [
      { name: 'x', tensor: x },
      { name: 'y', tensor: y, write: true },
    ],
    y.size,
  );
  return y;
}
