/**
 * Losses (mean reduction, PyTorch semantics) and their gradients: options and
 * the shape rule shared by the CPU references (src/cpu/loss.ts) and the GPU
 * kernels (src/kernels/loss.ts, shaders/loss.wgsl.ts).
 *
 * With d = pred − target over N elements:
 *   mse:         L = Σ d² / N                      ∂L/∂pred = 2d / N
 *   l1:          L = Σ |d| / N                     ∂L/∂pred = sign(d) / N   (0 at d = 0, as PyTorch)
 *   charbonnier: L = Σ √(d² + ε²) / N  (ε = 1e-3)  ∂L/∂pred = d / √(d² + ε²) / N
 * (Charbonnier is not in PyTorch; this is the LapSRN / "robust L1" form with ε
 * outside the square root squared, so it tends to L1 as ε → 0. Note L ≥ ε.)
 * The loss is a 1-element tensor [1]; the backward returns `scale`·∂L/∂pred,
 * the shape of pred (`scale` is the upstream gradient, default 1).
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkOptions, fmt, optionKeys, real, sameShape, sizeOf, type Shape } from '../core/params.js';

export type LossKind = 'mse' | 'l1' | 'charbonnier';

export interface CharbonnierOptions {
  /** ε in √(d² + ε²); default 1e-3, > 0. */
  eps?: number;
}

export interface LossBackwardOptions {
  /** Multiplies the gradient (the upstream ∂total/∂L); default 1. */
  scale?: number;
}

export type CharbonnierBackwardOptions = CharbonnierOptions & LossBackwardOptions;

const KEYS: Record<LossKind, readonly string[]> = {
  mse: [],
  l1: [],
  charbonnier: optionKeys<CharbonnierOptions>({ eps: true }),
};
const BACKWARD_KEYS = optionKeys<LossBackwardOptions>({ scale: true });

export interface LossPlan {
  kind: LossKind;
  /** Elements summed (N). */
  n: number;
  eps: number;
  /** The backward's multiplier: scale / N (float64; the kernels round it once). */
  gradScale: number;
}

export const lossOpName = (kind: LossKind, backward: boolean): string => `${kind}Loss${backward ? 'Backward' : ''}`;

/** Checks pred/target shapes and the options; `backward` also takes `scale`. */
export function planLoss(kind: LossKind, pred: Shape, target: Shape, options: unknown, backward: boolean): LossPlan {
  const op = lossOpName(kind, backward);
  for (const [name, s] of [
    ['pred', pred],
    ['target', target],
  ] as const) {
    if (!Array.isArray(s) || s.length === 0 || s.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new ShapeError(`${op}: ${name} shape ${JSON.stringify(s)} must be a non-empty array of positive integers`);
    }
  }
  if (!sameShape(pred, target)) throw new ShapeError(`${op}: pred ${fmt(pred)} and target ${fmt(target)} must have equal shapes`);
  const o = checkOptions(op, options, backward ? [...KEYS[kind], ...BACKWARD_KEYS] : KEYS[kind]);
  const eps = o.eps === undefined ? 1e-3 : real(op, 'eps', o.eps);
  if (!(eps > 0)) throw new ArgumentError(`${op}: eps ${eps} must be > 0`);
  const scale = o.scale === undefined ? 1 : real(op, 'scale', o.scale);
  const n = sizeOf(pred);
  return { kind, n, eps, gradScale: scale / n };
}
