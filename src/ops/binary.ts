/**
 * binary(a, b, { op }): element-wise a ∘ b with NumPy broadcasting, for
 * tensors of rank 1 to 4. The shapes are aligned on the right; on each axis
 * the sizes must be equal or one of them 1, and the output takes the larger.
 * Common uses: [N, C, H, W] ∘ [N, C, 1, 1] (a per-channel gate), ∘ [1] (a
 * scalar), ∘ [C, 1, 1] (a per-channel constant), and the same reversed.
 *
 * Both kernels index through broadcast strides: each operand's strides over
 * the output's 4 axes (left-padded with size-1 axes), 0 on a broadcast axis,
 * so element (i0, i1, i2, i3) of the output reads a at Σ i_k·aStride_k.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkOptions, checkShape, fmt, optionKeys, type Shape } from '../core/params.js';

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow';

export const BINARY_OPS: readonly BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow'];

export interface BinaryOptions {
  op: BinaryOp;
}

const BINARY_KEYS = optionKeys<BinaryOptions>({ op: true });

export interface BinaryPlan {
  op: BinaryOp;
  /** The broadcast shape (rank = the larger rank). */
  outShape: number[];
  /** The output shape left-padded to rank 4. */
  out4: [number, number, number, number];
  /** a's and b's strides over out4's axes; 0 where the operand is broadcast. */
  aStrides: [number, number, number, number];
  bStrides: [number, number, number, number];
}

/** Strides of `shape` over 4 axes aligned on the right, 0 on size-1 (broadcast) and missing axes. */
function broadcastStrides(shape: Shape): [number, number, number, number] {
  const s: [number, number, number, number] = [0, 0, 0, 0];
  let stride = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    const axis = 4 - shape.length + k;
    s[axis] = shape[k] === 1 ? 0 : stride;
    stride *= shape[k];
  }
  return s;
}

/** The broadcast shape of two shapes, or a ShapeError naming both and the axis that disagrees. */
export function broadcastShapes(a: Shape, b: Shape, op = 'binary'): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let k = 0; k < rank; k++) {
    const da = a[a.length - rank + k] ?? 1;
    const db = b[b.length - rank + k] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${fmt(a)} and ${fmt(b)} do not broadcast: axis ${k - rank} (from the right) has sizes ${da} and ${db}; each axis must be equal or 1 in one of them`,
      );
    }
    out.push(Math.max(da, db));
  }
  return out;
}

export function planBinary(aShape: Shape, bShape: Shape, options: BinaryOptions, name = 'binary'): BinaryPlan {
  const o = checkOptions(name, options, BINARY_KEYS);
  const op = o.op as BinaryOp;
  if (!BINARY_OPS.includes(op)) {
    throw new ArgumentError(`${name}: op ${JSON.stringify(o.op)} must be one of ${BINARY_OPS.map((k) => `'${k}'`).join(', ')}`);
  }
  for (const [which, s] of [
    ['a', aShape],
    ['b', bShape],
  ] as const) {
    if (!Array.isArray(s) || s.length < 1 || s.length > 4) {
      throw new ShapeError(`${name}: ${which} shape ${Array.isArray(s) ? fmt(s) : String(s)} must have rank 1 to 4`);
    }
    checkShape(name, which, s, s.length);
  }
  const outShape = broadcastShapes(aShape, bShape, name);
  const out4 = [...Array(4 - outShape.length).fill(1), ...outShape] as [number, number, number, number];
  return { op, outShape, out4, aStrides: broadcastStrides(aShape), bStrides: broadcastStrides(bShape) };
}

/** The scalar operation in float64: the CPU reference's definition (NumPy's, and Math.pow's for pow). */
export function applyBinary(op: BinaryOp, x: number, y: number): number {
  switch (op) {
    case 'add':
      return x + y;
    case 'sub':
      return x - y;
    case 'mul':
      return x * y;
    case 'div':
      return x / y;
    case 'max':
      return Math.max(x, y);
    case 'min':
      return Math.min(x, y);
    case 'pow':
      return Math.pow(x, y);
  }
}
