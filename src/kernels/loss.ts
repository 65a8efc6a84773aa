/**
 * Dispatch of the losses (shaders/loss.wgsl.ts): the loss is one tree
 * reduction (src/kernels/reduce.ts) whose first pass computes the terms, scaled
 * by 1/N in its last pass; the gradient is one element-wise pass.
 */
import { LOSS_GRAD_WORKGROUP, lossGradShader, lossTerm } from '../../shaders/loss.wgsl.js';
import { lossOpName, planLoss, type LossKind } from '../ops/loss.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';
import { reduceSum } from './reduce.js';

/** mean(term(pred − target)) as a [1] tensor. */
export function loss(ctx: KernelContext, kind: LossKind, pred: Tensor, target: Tensor, options: unknown): Tensor {
  const op = lossOpName(kind, false);
  ctx.check(op, 'pred', pred);
  ctx.check(op, 'target', target);
  const plan = planLoss(kind, pred.shape, target.shape, options, false);
  return reduceSum(
    ctx,
    {
      name: 'loss',
      variant: kind,
      term: (v) => lossTerm(v as LossKind),
      params: { eps2: ['f32', plan.eps * plan.eps] },
      bindings: [
        { name: 'pred', tensor: pred },
        { name: 'target', tensor: target },
      ],
    },
    plan.n,
    1 / plan.n,
  );
}

/** scale · ∂mean(term)/∂pred, the shape of pred. */
export function lossBackward(ctx: KernelContext, kind: LossKind, pred: Tensor, target: Tensor, options: unknown): Tensor {
  const op = lossOpName(kind, true);
  ctx.check(op, 'pred', pred);
  ctx.check(op, 'target', target);
  const plan = planLoss(kind, pred.shape, target.shape, options, true);
  const grad = ctx.alloc(pred.shape);
  ctx.runner.run(
    { name: 'loss-grad', variant: kind, workgroupSize: LOSS_GRAD_WORKGROUP, entry: 'element', body: lossGradShader },
    { eps2: ['f32', plan.eps * plan.eps], gradScale: ['f32', plan.gradScale] },
    [
      { name: 'pred', tensor: pred },
      { name: 'target', tensor: target },
      { name: 'grad', tensor: grad, write: true },
    ],
    plan.n,
  );
  return grad;
}
