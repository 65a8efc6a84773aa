/**
 * Losses: the per-element term each reduction sums (see shaders/reduce.wgsl.ts)
 * and the element-wise gradient. d = pred − target; `params.eps2` is ε².
 *   mse: d², ∂ = 2d;  l1: |d|, ∂ = sign(d) (0 at 0);  charbonnier: √(d² + ε²), ∂ = d/√(d² + ε²).
 */
import type { LossKind } from '../src/ops/loss.js';

export const LOSS_GRAD_WORKGROUP = 256;

function termExpr(kind: LossKind): string {
  if (kind === 'mse') return 'd * d';
  if (kind === 'l1') return 'abs(d)';
  return 'sqrt(d * d + params.eps2)';
}

function dtermExpr(kind: LossKind): string {
  if (kind === 'mse') return '2.0 * d';
  if (kind === 'l1') return 'sign(d)';
  return 'd * inverseSqrt(d * d + params.eps2)';
}

/** `term(i)` for the reduction's first pass, over bindings `pred` and `target`. */
export function lossTerm(kind: LossKind): string {
  return `fn term(i: u32) -> f32 {
  let d = pred_ld(i) - target_ld(i);
  return ${termExpr(kind)};
}`;
}

/** grad[i] = params.gradScale · ∂term/∂d; one thread per element. */
export function lossGradShader(kind: LossKind): string {
  return `
fn element(i: u32) {
  let d = pred_ld(i) - target_ld(i);
  grad_st(i, params.gradScale * (${dtermExpr(kind)}));
}
`;
}
