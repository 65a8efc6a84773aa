/**
 * conv2dBackward and convTranspose2dBackward: options and shape rule.
 *
 * Given the forward's input x, weight w and the gradient dy of a loss with
 * respect to the forward's output (bias-free, no epilogue: the gradient of an
 * activation or residual belongs to that op), they return
 *   dx = ∂L/∂x (shape of x), dw = ∂L/∂w (shape of w), db = Σ_{n,h,w} dy (one per output channel),
 * for every forward option (stride, padding, outputPadding, dilation, groups, per-axis pairs).
 * `needs: { dx, dw, db }` (each default true) skips gradients nobody wants; a skipped one is null.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { planConv2d, type ConvPlan } from './conv2d.js';
import { planConvTranspose2d, type ConvTranspose2dPlan } from './conv-transpose2d.js';
import { checkOptions, checkShape, fmt, optionKeys, sameShape, type Pair, type Shape } from '../core/params.js';

/** Which gradients to compute; each defaults to true. */
export interface ConvBackwardNeeds {
  dx?: boolean;
  dw?: boolean;
  db?: boolean;
}

export interface Conv2dBackwardOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  needs?: ConvBackwardNeeds;
}

export interface ConvTranspose2dBackwardOptions extends Conv2dBackwardOptions {
  outputPadding?: Pair;
}

/**
 * The gradients of a convolution: null where `needs` left one out. (A type
 * alias, not an interface, so that it is a record of tensors to the op table.)
 */
export type ConvGradients<T> = {
  /** ∂L/∂x, the forward input's shape. */
  dx: T | null;
  /** ∂L/∂w, the weight's shape. */
  dw: T | null;
  /** ∂L/∂b = Σ dy over N, H, W: [Cout]. */
  db: T | null;
};

const CONV2D_BACKWARD_KEYS = optionKeys<Conv2dBackwardOptions>({ stride: true, padding: true, dilation: true, groups: true, needs: true });
const CONV_TRANSPOSE2D_BACKWARD_KEYS = optionKeys<ConvTranspose2dBackwardOptions>({
  stride: true,
  padding: true,
  outputPadding: true,
  dilation: true,
  groups: true,
  needs: true,
});
const NEEDS_KEYS = optionKeys<ConvBackwardNeeds>({ dx: true, dw: true, db: true });

export interface ConvBackwardPlan<P extends ConvPlan> {
  /** The forward's plan (validated shapes and options). */
  forward: P;
  needs: Required<ConvBackwardNeeds>;
  /** Output shapes, null where not needed. */
  shapes: ConvGradients<Shape>;
}

function planNeeds(op: string, needs: unknown): Required<ConvBackwardNeeds> {
  const n = checkOptions(op, needs, NEEDS_KEYS, 'needs.');
  const flag = (k: keyof ConvBackwardNeeds): boolean => {
    const v = n[k] ?? true;
    if (typeof v !== 'boolean') throw new ArgumentError(`${op}: needs.${k} ${String(v)} must be a boolean`);
    return v;
  };
  return { dx: flag('dx'), dw: flag('dw'), db: flag('db') };
}

function finish<P extends ConvPlan>(op: string, p: P, xShape: Shape, wShape: Shape, dyShape: Shape, needs: unknown): ConvBackwardPlan<P> {
  checkShape(op, 'dy', dyShape, 4);
  if (!sameShape(dyShape, p.outShape)) {
    throw new ShapeError(`${op}: dy ${fmt(dyShape)} must have the forward output's shape ${fmt(p.outShape)}`);
  }
  const nd = planNeeds(op, needs);
  return {
    forward: p,
    needs: nd,
    shapes: { dx: nd.dx ? [...xShape] : null, dw: nd.dw ? [...wShape] : null, db: nd.db ? [p.cOut] : null },
  };
}

export function planConv2dBackward(
  xShape: Shape,
  wShape: Shape,
  dyShape: Shape,
  options: Conv2dBackwardOptions = {},
  op = 'conv2dBackward',
): ConvBackwardPlan<ConvPlan> {
  checkOptions(op, options, CONV2D_BACKWARD_KEYS);
  const { needs, ...forward } = options;
  return finish(op, planConv2d(xShape, wShape, null, forward, op), xShape, wShape, dyShape, needs);
}

export function planConvTranspose2dBackward(
  xShape: Shape,
  wShape: Shape,
  dyShape: Shape,
  options: ConvTranspose2dBackwardOptions = {},
  op = 'convTranspose2dBackward',
): ConvBackwardPlan<ConvTranspose2dPlan> {
  checkOptions(op, options, CONV_TRANSPOSE2D_BACKWARD_KEYS);
  const { needs, ...forward } = options;
  return finish(op, planConvTranspose2d(xShape, wShape, null, forward, op), xShape, wShape, dyShape, needs);
}
