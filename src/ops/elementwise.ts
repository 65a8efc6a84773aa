/** Shape rules of the element-wise ops and channel concatenation. */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkShape, fmt, sameShape, type Shape } from '../core/params.js';

export function planSameShape(op: string, a: Shape, b: Shape): void {
  if (!sameShape(a, b)) throw new ShapeError(`${op}: shapes ${fmt(a)} and ${fmt(b)} must be equal`);
}

export function planConcat(shapes: readonly Shape[], op = 'concat'): [number, number, number, number] {
  if (!Array.isArray(shapes) || shapes.length === 0) throw new ArgumentError(`${op}: needs a non-empty array of tensors`);
  shapes.forEach((s, i) => checkShape(op, `input ${i}`, s, 4));
  const [n, , h, w] = shapes[0];
  let c = 0;
  shapes.forEach((s, i) => {
    if (s[0] !== n || s[2] !== h || s[3] !== w) {
      throw new ShapeError(`${op}: input ${i} ${fmt(s)} must match input 0 ${fmt(shapes[0])} except in channels (axis 1)`);
    }
    c += s[1];
  });
  return [n, c, h, w];
}
