/** Dispatch of the checkerboard regularizer and its gradient (shaders/checkerboard.wgsl.ts). */
import { CHECKERBOARD_GRAD_WORKGROUP, checkerboardGradShader, checkerboardTerm } from '../../shaders/checkerboard.wgsl.js';
import {
  planCheckerboard,
  type CheckerboardBackwardOptions,
  type CheckerboardOptions,
  type CheckerboardPlan,
} from '../ops/checkerboard.js';
import type { Params } from '../gpu/program.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';
import { reduceSum } from './reduce.js';

const geometry = (p: CheckerboardPlan): Params => ({
  kH: ['u32', p.kH],
  kW: ['u32', p.kW],
  sh: ['u32', p.sh],
  sw: ['u32', p.sw],
});

/** R(w) as a [1] tensor: one term per channel pair, tree-summed. */
export function checkerboardPenalty(ctx: KernelContext, weight: Tensor, options: CheckerboardOptions): Tensor {
  ctx.check('checkerboardPenalty', 'weight', weight);
  const p = planCheckerboard(weight.shape, options, false);
  return reduceSum(
    ctx,
    { name: 'checkerboard', variant: '', term: () => checkerboardTerm, params: geometry(p), bindings: [{ name: 'w', tensor: weight }] },
    p.pairs,
    1,
  );
}

/** scale · ∂R/∂w, the shape of w. */
export function checkerboardPenaltyBackward(ctx: KernelContext, weight: Tensor, options: CheckerboardBackwardOptions): Tensor {
  ctx.check('checkerboardPenaltyBackward', 'weight', weight);
  const p = planCheckerboard(weight.shape, options, true);
  const g = ctx.alloc(weight.shape);
  ctx.runner.run(
    { name: 'checkerboard-grad', variant: '', workgroupSize: CHECKERBOARD_GRAD_WORKGROUP, entry: 'element', body: checkerboardGradShader },
    { ...geometry(p), scale: ['f32', p.scale] },
    [
      { name: 'w', tensor: weight },
      { name: 'g', tensor: g, write: true },
    ],
    g.size,
  );
  return g;
}
