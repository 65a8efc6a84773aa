/**
 * binaryBackward(a, b, dy, { op, needs }): the gradients of binary(a, b, { op })
 * given dy = ∂L/∂y, `{ da, db }` with a's and b's shapes. Each is the element-wise
 * partial derivative times dy, summed over the axes its operand was broadcast
 * along (NumPy/PyTorch's "reduce to the operand's shape"):
 *   da[j] = Σ_{i reads a at j} dy[i] · ∂(a ∘ b)/∂a at (a[j], b[i's b index]).
 * Partials (PyTorch's): add 1, 1; sub 1, −1; mul b, a; div 1/b, −a/b²;
 * max/min: 1 to the larger/smaller, ½ each on a tie; pow: b·a^(b−1) (0 where
 * b = 0), a^b·ln a (0 where a = 0 and b ≥ 0).
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { BINARY_OPS, planBinary, type BinaryOp, type BinaryPlan } from './binary.js';
import { checkOptions, fmt, optionKeys, sameShape, sizeOf, type Shape } from '../core/params.js';

export interface BinaryBackwardNeeds {
  da?: boolean;
  db?: boolean;
}

export interface BinaryBackwardOptions {
  op: BinaryOp;
  /** Which gradients to compute; each defaults to true (a skipped one is null). */
  needs?: BinaryBackwardNeeds;
}

/** binary's gradients, null where `needs` left one out. */
export type BinaryGradients<T> = {
  /** ∂L/∂a, a's shape. */
  da: T | null;
  /** ∂L/∂b, b's shape. */
  db: T | null;
};

const KEYS = optionKeys<BinaryBackwardOptions>({ op: true, needs: true });
const NEEDS_KEYS = optionKeys<BinaryBackwardNeeds>({ da: true, db: true });

/** How one operand's gradient gathers: its shape over the output's 4 axes and the broadcast (summed) extents. */
export interface OperandReduction {
  /** The operand's shape left-padded to rank 4. */
  own4: [number, number, number, number];
  /** Per output axis: the output's extent where the operand is broadcast (summed over), else 1. */
  reduced4: [number, number, number, number];
  /** Output elements summed into each gradient element: Π reduced4. */
  m: number;
}

export interface BinaryBackwardPlan extends BinaryPlan {
  needs: { da: boolean; db: boolean };
  a: OperandReduction;
  b: OperandReduction;
  shapes: BinaryGradients<Shape>;
}

function reduction(shape: Shape, out4: readonly number[]): OperandReduction {
  const own4 = [...Array(4 - shape.length).fill(1), ...shape] as [number, number, number, number];
  const reduced4 = own4.map((d, k) => (d === 1 ? out4[k] : 1)) as [number, number, number, number];
  return { own4, reduced4, m: sizeOf(reduced4) };
}

export function planBinaryBackward(
  aShape: Shape,
  bShape: Shape,
  dyShape: Shape,
  options: BinaryBackwardOptions,
  name = 'binaryBackward',
): BinaryBackwardPlan {
  const o = checkOptions(name, options, KEYS);
  if (!BINARY_OPS.includes(o.op as BinaryOp)) {
    throw new ArgumentError(`${name}: op ${JSON.stringify(o.op)} must be one of ${BINARY_OPS.map((k) => `'${k}'`).join(', ')}`);
  }
  const p = planBinary(aShape, bShape, { op: o.op as BinaryOp }, name);
  if (!Array.isArray(dyShape) || !sameShape(dyShape, p.outShape)) {
    throw new ShapeError(
      `${name}: dy ${Array.isArray(dyShape) ? fmt(dyShape) : String(dyShape)} must have the forward's output shape ${fmt(p.outShape)}`,
    );
  }
  const n = checkOptions(name, o.needs, NEEDS_KEYS, 'needs.');
  for (const k of NEEDS_KEYS) {
    if (n[k] !== undefined && typeof n[k] !== 'boolean') throw new ArgumentError(`${name}: needs.${k} ${String(n[k])} must be a boolean`);
  }
  const needs = { da: n.da !== false, db: n.db !== false };
  return {
    ...p,
    needs,
    a: reduction(aShape, p.out4),
    b: reduction(bShape, p.out4),
    shapes: { da: needs.da ? [...aShape] : null, db: needs.db ? [...bShape] : null },
  };
}

/** [∂(u ∘ v)/∂u, ∂(u ∘ v)/∂v] in float64 (PyTorch's conventions at ties and at 0; see the header). */
export function binaryPartials(op: BinaryOp, u: number, v: number): [number, number] {
  switch (op) {
    case 'add':
      return [1, 1];
    case 'sub':
      return [1, -1];
    case 'mul':
      return [v, u];
    case 'div':
      return [1 / v, -u / (v * v)];
    case 'max':
      return u > v ? [1, 0] : u < v ? [0, 1] : [0.5, 0.5];
    case 'min':
      return u < v ? [1, 0] : u > v ? [0, 1] : [0.5, 0.5];
    case 'pow':
      return [v === 0 ? 0 : v * Math.pow(u, v - 1), u === 0 && v >= 0 ? 0 : Math.pow(u, v) * Math.log(u)];
  }
}
