/** Dispatch of prelu (shader: shaders/prelu.wgsl.ts). */
import { PRELU_WORKGROUP, preluShader } from '../../shaders/prelu.wgsl.js';
import { planPrelu } from '../ops/prelu.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

/** PyTorch prelu: max(0, x) + slope · min(0, x); `slope` is 1-D with 1 or C = x.shape[1] elements. */
export function prelu(ctx: KernelContext, x: Tensor, slope: Tensor): Tensor {
  ctx.check('prelu', 'input', x);
  ctx.check('prelu', 'slope', slope);
  const p = planPrelu(x.shape, slope.shape);
  const y = ctx.alloc(x.shape);
  ctx.runner.run(
    { name: 'prelu', variant: '', workgroupSize: PRELU_WORKGROUP, entry: 'element', body: preluShader },
    { inner: ['u32', p.inner], channels: ['u32', p.channels], slopeStride: ['u32', p.slopes === 1 ? 0 : 1] },
    [
      { name: 'x', tensor: x },
      { name: 'slope', tensor: slope },
      { name: 'y', tensor: y, write: true },
    ],
    y.size,
  );
  return y;
}
