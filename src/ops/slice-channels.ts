/**
 * sliceChannels(x, start, count): channels [start, start + count) of x, NCHW:
 * [N, C, H, W] → [N, count, H, W]. It is concat's backward: the gradient of
 * input k of concat([x₀, x₁, …]) is sliceChannels(dy, C₀ + … + C_{k−1}, C_k).
 */
import { ArgumentError } from '../core/errors.js';
import { checkShape, fmt, int, type Shape } from '../core/params.js';

export function planSliceChannels(xShape: Shape, start: unknown, count: unknown, op = 'sliceChannels'): [number, number, number, number] {
  checkShape(op, 'input', xShape, 4);
  const s = int(op, 'start', start, { min: 0 });
  const k = int(op, 'count', count, { min: 1 });
  const [n, c, h, w] = xShape;
  if (s + k > c) throw new ArgumentError(`${op}: start ${s} + count ${k} must be <= ${c}, the channels of input ${fmt(xShape)}`);
  return [n, k, h, w];
}
