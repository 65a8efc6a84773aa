/** Dispatch of crelu (shader: shaders/crelu.wgsl.ts). */
import { CRELU_WORKGROUP, creluShader } from '../../shaders/crelu.wgsl.js';
import { planCrelu } from '../ops/crelu.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

/** concat(relu(x), relu(−x)) on the channel axis: [N, C, H, W] → [N, 2C, H, W]. */
export function crelu(ctx: KernelContext, x: Tensor): Tensor {
  ctx.check('crelu', 'input', x);
  const shape = planCrelu(x.shape);
  const y = ctx.alloc(shape);
  ctx.runner.run(
    { name: 'crelu', variant: '', workgroupSize: CRELU_WORKGROUP, entry: 'element', body: creluShader },
    { perBatch: ['u32', x.shape[1] * x.shape[2] * x.shape[3]] },
    [
      { name: 'x', tensor: x },
      { name: 'y', tensor: y, write: true },
    ],
    x.size,
  );
  return y;
}
