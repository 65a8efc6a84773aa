/**
 * prelu (PyTorch `prelu`): y = max(0, x) + slope · min(0, x), with a learned
 * slope per channel (axis 1) or one slope for all. Shape rule:
 * slope is 1-D with 1 or C elements, C = x.shape[1] (1 when x has rank 1, as PyTorch).
 */
import { ShapeError } from '../core/errors.js';
import { checkShape, fmt, sizeOf, type Shape } from '../core/params.js';

export interface PreluPlan {
  /** Channels of x (axis 1). */
  channels: number;
  /** Elements per channel plane: the product of the axes after 1. */
  inner: number;
  /** Slopes given: 1 (shared) or `channels`. */
  slopes: number;
}

export function planPrelu(xShape: Shape, slopeShape: Shape, op = 'prelu'): PreluPlan {
  if (!Array.isArray(xShape) || xShape.length < 1)
    throw new ShapeError(`${op}: input shape ${String(xShape && fmt(xShape))} must have rank ≥ 1`);
  checkShape(op, 'input', xShape, xShape.length);
  checkShape(op, 'slope', slopeShape, 1);
  const channels = xShape.length >= 2 ? xShape[1] : 1;
  const slopes = slopeShape[0];
  if (slopes !== 1 && slopes !== channels) {
    throw new ShapeError(
      `${op}: slope ${fmt(slopeShape)} must have 1 or ${channels} elements (one per input channel, axis 1 of input ${fmt(xShape)})`,
    );
  }
  return { channels, inner: sizeOf(xShape.slice(2)), slopes };
}
