/** Dispatch of globalAvgPool (shader: shaders/global-avg-pool.wgsl.ts): one workgroup per (n, c) plane. */
import { GLOBAL_AVG_POOL_WORKGROUP as WG, globalAvgPoolBackwardShader, globalAvgPoolShader } from '../../shaders/global-avg-pool.wgsl.js';
import { planGlobalAvgPool, planGlobalAvgPoolBackward, type GlobalAvgPoolBackwardOptions } from '../ops/global-avg-pool.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

export { WG as GLOBAL_AVG_POOL_WORKGROUP };

export function globalAvgPool(ctx: KernelContext, x: Tensor): Tensor {
  ctx.check('globalAvgPool', 'input', x);
  const p = planGlobalAvgPool(x.shape);
  const y = ctx.alloc(p.outShape);
  ctx.runner.run(
    { name: 'global-avg-pool', variant: '', workgroupSize: WG, entry: 'workgroup', body: globalAvgPoolShader },
    { planes: ['u32', p.planes], hw: ['u32', p.hw], invHw: ['f32', 1 / p.hw] },
    [
      { name: 'x', tensor: x },
      { name: 'y', tensor: y, write: true },
    ],
    p.planes * WG, // one workgroup per plane
  );
  return y;
}

export function globalAvgPoolBackward(ctx: KernelContext, dy: Tensor, options: GlobalAvgPoolBackwardOptions): Tensor {
  ctx.check('globalAvgPoolBackward', 'dy', dy);
  const p = planGlobalAvgPoolBackward(dy.shape, options);
  const dx = ctx.alloc(p.inShape);
  ctx.runner.run(
    { name: 'global-avg-pool-backward', variant: '', workgroupSize: WG, entry: 'element', body: globalAvgPoolBackwardShader },
    { hw: ['u32', p.hw] },
    [
      { name: 'dy', tensor: dy },
      { name: 'dx', tensor: dx, write: true },
    ],
    dx.size,
  );
  return dx;
}
