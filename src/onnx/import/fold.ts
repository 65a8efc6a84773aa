/**
 * Arithmetic on constants, folded at import: float constants element by
 * element in float32 (as a runtime would), integer and shape values
 * symbolically (2·H stays 2·H whatever the tile's height). Broadcasting is
 * NumPy's, for what such chains use: equal shapes or a one-element operand.
 */
import type { BinaryOpName } from '../../model/ir.js';
import type { OpContext } from './context.js';
import { num, sizeOf, symAdd, symMod, symMul, symSubFrom, symText, type Sym, type Value } from './values.js';

function symsOf(v: Value): Sym[] {
  if (v.kind === 'const') return Array.from(v.data, num);
  if (v.kind === 'ints') return v.elems;
  throw new Error('unreachable');
}

function apply(op: BinaryOpName | 'mod', a: number, b: number, ints: boolean): number {
  switch (op) {
    case 'mod':
      // ONNX Mod with fmod 0: the sign of the divisor (Python's %).
      return ints ? a - b * Math.floor(a / b) : a % b;
    case 'add':
      return a + b;
    case 'sub':
      return a - b;
    case 'mul':
      return a * b;
    case 'div':
      return ints ? Math.trunc(a / b) : a / b;
    case 'max':
      return Math.max(a, b);
    case 'min':
      return Math.min(a, b);
    case 'pow':
      return a ** b;
  }
}

/** a ∘ b for two constants (float or integer/symbolic). */
export function foldBinary(ctx: OpContext, op: BinaryOpName | 'mod', a: Value, b: Value): Value {
  const da = a.kind === 'const' || a.kind === 'ints' ? a.dims : [];
  const db = b.kind === 'const' || b.kind === 'ints' ? b.dims : [];
  const na = sizeOf(da);
  const nb = sizeOf(db);
  if (na !== nb && na !== 1 && nb !== 1)
    ctx.fail(`constants of shapes [${da.join(', ')}] and [${db.join(', ')}]: only equal shapes or a scalar are folded`);
  const dims = na >= nb && da.length >= db.length ? da : nb > na ? db : da.length >= db.length ? da : db;
  const n = Math.max(na, nb);
  if (a.kind === 'const' && b.kind === 'const') {
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = apply(op, a.data[na === 1 ? 0 : i], b.data[nb === 1 ? 0 : i], false);
    return { kind: 'const', dims, data };
  }
  const ints = a.kind === 'ints' && b.kind === 'ints';
  const sa = symsOf(a);
  const sb = symsOf(b);
  const elems: Sym[] = [];
  for (let i = 0; i < n; i++) {
    const x = sa[na === 1 ? 0 : i];
    const y = sb[nb === 1 ? 0 : i];
    let r: Sym | null;
    if (x.of === null && y.of === null) r = num(apply(op, x.c, y.c, ints));
    else if (op === 'add') r = symAdd(x, y);
    else if (op === 'sub') r = x.of === null ? symSubFrom(x.c, y) : y.roundUp ? null : symAdd(x, symMul(y, num(-1))!);
    else if (op === 'mod') r = y.of === null && y.c > 0 && Number.isInteger(y.c) ? symMod(x, y.c) : null;
    else if (op === 'mul') r = symMul(x, y);
    // A size divided by a number: exact when the model's tiles are multiples of it (its own reshapes require that).
    else if (op === 'div' && y.of === null && y.c !== 0) r = symMul(x, num(1 / y.c));
    else r = null;
    if (!r)
      ctx.fail(`cannot fold ${symText(x)} ${op} ${symText(y)}: the result depends on the image size in a way the import cannot follow`);
    elems.push(r!);
  }
  return { kind: 'ints', dims, elems };
}
