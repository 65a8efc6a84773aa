/**
 * CPU references of the losses and their gradients (definitions in
 * src/ops/loss.ts): plain loops accumulating in float64, whose rounding error
 * (≤ N·2⁻⁵³ relative) is negligible next to the GPU's float32 tree sum. Given
 * Float64Array data they also return float64 (for finite-difference tests).
 */
import {
  planLoss,
  type CharbonnierBackwardOptions,
  type CharbonnierOptions,
  type LossBackwardOptions,
  type LossKind,
} from '../ops/loss.js';
import { zerosLike, type CpuTensor } from './tensor.js';

/** The summed term of one element, as a function of d = pred − target. */
function term(kind: LossKind, d: number, eps: number): number {
  if (kind === 'mse') return d * d;
  if (kind === 'l1') return Math.abs(d);
  return Math.sqrt(d * d + eps * eps);
}

/** ∂term/∂d. */
function dterm(kind: LossKind, d: number, eps: number): number {
  if (kind === 'mse') return 2 * d;
  if (kind === 'l1') return Math.sign(d); // 0 at d = 0, as PyTorch's sign-based subgradient
  return d / Math.sqrt(d * d + eps * eps);
}

function loss(kind: LossKind, pred: CpuTensor, target: CpuTensor, options: unknown): CpuTensor {
  const plan = planLoss(kind, pred.shape, target.shape, options, false);
  let sum = 0;
  for (let i = 0; i < plan.n; i++) sum += term(kind, pred.data[i] - target.data[i], plan.eps);
  const out = zerosLike(pred, [1]);
  out.data[0] = sum / plan.n;
  return out;
}

function lossBackward(kind: LossKind, pred: CpuTensor, target: CpuTensor, options: unknown): CpuTensor {
  const plan = planLoss(kind, pred.shape, target.shape, options, true);
  const out = zerosLike(pred, pred.shape);
  for (let i = 0; i < plan.n; i++) out.data[i] = dterm(kind, pred.data[i] - target.data[i], plan.eps) * plan.gradScale;
  return out;
}

export const mseLoss = (pred: CpuTensor, target: CpuTensor): CpuTensor => loss('mse', pred, target, undefined);
export const l1Loss = (pred: CpuTensor, target: CpuTensor): CpuTensor => loss('l1', pred, target, undefined);
export const charbonnierLoss = (pred: CpuTensor, target: CpuTensor, options?: CharbonnierOptions): CpuTensor =>
  loss('charbonnier', pred, target, options);

export const mseLossBackward = (pred: CpuTensor, target: CpuTensor, options?: LossBackwardOptions): CpuTensor =>
  lossBackward('mse', pred, target, options);
export const l1LossBackward = (pred: CpuTensor, target: CpuTensor, options?: LossBackwardOptions): CpuTensor =>
  lossBackward('l1', pred, target, options);
export const charbonnierLossBackward = (pred: CpuTensor, target: CpuTensor, options?: CharbonnierBackwardOptions): CpuTensor =>
  lossBackward('charbonnier', pred, target, options);
