/**
 * Shape rules of the activation gradients (PyTorch's *_backward), and what
 * each one reads:
 *   reluBackward(dy, x)            dx = dy · [x > 0]            (0 at x = 0, as PyTorch)
 *   leakyReluBackward(dy, x, a)    dx = dy · (x > 0 ? 1 : a)    (a at x = 0, as PyTorch)
 *   sigmoidBackward(dy, y)         dx = dy · y · (1 − y)        y = sigmoid(x), the forward OUTPUT
 *   tanhBackward(dy, y)            dx = dy · (1 − y²)           y = tanh(x), the forward OUTPUT
 *   preluBackward(dy, x, slope)    { dx = dy · (x > 0 ? 1 : slope_c),
 *                                    dslope_c = Σ_{n, h, w} dy · min(x, 0) }   (one sum for a shared slope)
 *   creluBackward(dy, x)           dx = dy[:, :C] · [x > 0] − dy[:, C:] · [x < 0]
 * The piecewise-linear ones read the input: their slope is a function of the
 * sign of x, which leakyRelu/prelu outputs do not keep for slopes ≤ 0, and crelu's
 * two halves would have to be read anyway. sigmoid and tanh read the output,
 * as PyTorch does: the derivative is a polynomial in y, so no exp is
 * recomputed, and the forward output is what a training loop keeps.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { planCrelu } from './crelu.js';
import { planSameShape } from './elementwise.js';
import { checkOptions, checkShape, fmt, optionKeys, sameShape, type Shape } from '../core/params.js';
import { planPrelu, type PreluPlan } from './prelu.js';

/** dy and the saved tensor (x or y) have the same shape; that is dx's shape. */
export function planActivationBackward(op: string, dyShape: Shape, savedShape: Shape): Shape {
  planSameShape(op, dyShape, savedShape);
  return dyShape;
}

/** dy [N, 2C, H, W] against x [N, C, H, W]; dx has x's shape. */
export function planCreluBackward(dyShape: Shape, xShape: Shape, op = 'creluBackward'): [number, number, number, number] {
  checkShape(op, 'dy', dyShape, 4);
  const expected = planCrelu(xShape, op);
  if (!sameShape(dyShape, expected)) {
    throw new ShapeError(`${op}: dy ${fmt(dyShape)} must have crelu's output shape ${fmt(expected)} for input ${fmt(xShape)}`);
  }
  return [xShape[0], xShape[1], xShape[2], xShape[3]];
}

/** Which of prelu's gradients to compute; each defaults to true (a skipped one is null). */
export interface PreluBackwardNeeds {
  dx?: boolean;
  dslope?: boolean;
}

export interface PreluBackwardOptions {
  needs?: PreluBackwardNeeds;
}

/** prelu's gradients, null where `needs` left one out. (A type alias, so that it is a record of tensors to the op table.) */
export type PreluGradients<T> = {
  /** ∂L/∂x, x's shape. */
  dx: T | null;
  /** ∂L/∂slope, the slope's shape ([1] or [C]). */
  dslope: T | null;
};

const PRELU_BACKWARD_KEYS = optionKeys<PreluBackwardOptions>({ needs: true });
const PRELU_NEEDS_KEYS = optionKeys<PreluBackwardNeeds>({ dx: true, dslope: true });

export interface PreluBackwardPlan extends PreluPlan {
  needs: Required<PreluBackwardNeeds>;
  /** Output shapes, null where not needed. */
  shapes: PreluGradients<Shape>;
}

/** prelu's plan, after checking that dy has x's shape, and which gradients are wanted. */
export function planPreluBackward(
  dyShape: Shape,
  xShape: Shape,
  slopeShape: Shape,
  options: PreluBackwardOptions = {},
  op = 'preluBackward',
): PreluBackwardPlan {
  const p = planPrelu(xShape, slopeShape, op);
  planSameShape(op, dyShape, xShape);
  const n = checkOptions(op, checkOptions(op, options, PRELU_BACKWARD_KEYS).needs, PRELU_NEEDS_KEYS, 'needs.');
  const flag = (k: keyof PreluBackwardNeeds): boolean => {
    const v = n[k] ?? true;
    if (typeof v !== 'boolean') throw new ArgumentError(`${op}: needs.${k} ${String(v)} must be a boolean`);
    return v;
  };
  const needs = { dx: flag('dx'), dslope: flag('dslope') };
  return { ...p, needs, shapes: { dx: needs.dx ? xShape : null, dslope: needs.dslope ? slopeShape : null } };
}
