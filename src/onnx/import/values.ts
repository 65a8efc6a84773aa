/**
 * What an ONNX value is while the graph is lowered: a tensor the model
 * computes (an image [N, C, H, W] or a per-channel vector [N, C, 1, 1] /
 * [N, C]), a float constant, an integer constant that may be symbolic (the
 * Shape → Gather → Mul → Concat chains torch.onnx.export writes for a view or
 * a Resize size: "2·H" is known to be twice the height whatever the tile), or
 * a 6-D view of an image that only a reshape–transpose–reshape pixel
 * (un)shuffle makes sense of.
 */

/**
 * k·X + c, X the batch N or the input's height H or width W; the number c when
 * `of` is null (k is then 0). `ref` names the tensor a size was read from
 * (Shape), kept through "+ constant", for a crop to a reference's size.
 */
export interface Sym {
  k: number;
  of: 'N' | 'H' | 'W' | null;
  c: number;
  ref?: string;
  /** c of the reference's own size when it was read, times refMul (so c − refC is what was added since). */
  refC?: number;
  /** What the reference's size was multiplied by since it was read (a crop to scale × a reference). */
  refMul?: number;
  /**
   * (m − (base mod m)) mod m + c: the padding that rounds `base` up to a multiple of m (with k 0 and
   * `of` base's), as exportOnnx writes a pad to a multiple. `modStep` marks the steps on the way there:
   * 'mod' is base mod m, 'short' is m − base mod m.
   */
  roundUp?: { base: Sym; m: number; step: 'mod' | 'short' | 'extra' };
}

/** A tensor the model computes; `ir` is the graph node holding it. */
export interface TensorValue {
  kind: 'tensor';
  ir: string;
  channels: number;
  /** An image [N, C, H, W], or a vector: rank 2–4, [N, C, 1…] (a global pool and what follows it). */
  form: 'image' | 'vector';
  rank: number;
  /** Height and width as multiples of the input's (null: not a multiple, e.g. after a 'valid' conv). */
  hw: [Sym | null, Sym | null];
  /** A vector Expanded to an image's shape: it is only ever broadcast, so it stays a vector in the graph. */
  expanded?: boolean;
}

/** A float constant (initializer, Constant). */
export interface ConstValue {
  kind: 'const';
  dims: number[];
  data: Float32Array;
}

/** An integer constant (shapes, axes, pads), elements possibly symbolic. */
export interface IntsValue {
  kind: 'ints';
  dims: number[];
  elems: Sym[];
}

/** A monomial size k·N^n·H^h·W^w (./views.ts). */
export interface Mono {
  k: number;
  n: number;
  h: number;
  w: number;
}

/** A piece of one of the image's axes: 'h' split major-to-minor into 'h.0' and 'h.1', and so on. */
export interface Atom {
  label: string;
  size: Mono;
}

/** An image seen through reshapes and transposes (./views.ts): each axis a sequence of atoms. */
export interface ViewValue {
  kind: 'view';
  src: TensorValue;
  axes: Atom[][];
}

/**
 * A piece of a pattern whose whole the graph has one node for: softplus (of
 * x·tanh(softplus(x)), Mish in opset 17), tanh(softplus(x)), and hardSigmoid
 * (of x·HardSigmoid(x), HardSwish with any alpha and beta).
 */
export interface PatternValue {
  kind: 'pattern';
  what: 'softplus' | 'tanhSoftplus' | 'hardSigmoid';
  x: TensorValue;
  alpha: number;
  beta: number;
}

export type Value = TensorValue | ConstValue | IntsValue | ViewValue | PatternValue;

export const num = (c: number): Sym => ({ k: 0, of: null, c });
export const dimOf = (k: number, of: 'N' | 'H' | 'W'): Sym => ({ k, of, c: 0 });

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

export function symEqual(a: Sym, b: Sym): boolean {
  return a.of === b.of && close(a.k, b.k) && close(a.c, b.c);
}

export function symText(s: Sym): string {
  if (s.of === null) return String(s.c);
  if (s.roundUp) return `(round-up of ${symText(s.roundUp.base)} to a multiple of ${s.roundUp.m})`;
  const x = s.k === 1 ? s.of : `${s.k}·${s.of}`;
  return s.c === 0 ? x : `${x} ${s.c < 0 ? '−' : '+'} ${Math.abs(s.c)}`;
}

/** a + b, or null when both are symbolic in different dimensions. */
export function symAdd(a: Sym, b: Sym): Sym | null {
  if (a.of === null) return b.of === null ? num(a.c + b.c) : b.roundUp && b.roundUp.step !== 'extra' ? null : { ...b, c: a.c + b.c };
  if (b.of === null) return a.roundUp && a.roundUp.step !== 'extra' ? null : { ...a, c: a.c + b.c };
  if (a.of !== b.of || a.roundUp || b.roundUp) return null;
  return { k: a.k + b.k, of: a.of, c: a.c + b.c };
}

/** m − s for the number m: the step from "base mod m" to "m − base mod m". */
export function symSubFrom(m: number, s: Sym): Sym | null {
  if (s.roundUp?.step === 'mod' && s.roundUp.m === m && s.c === 0) return { ...s, roundUp: { ...s.roundUp, step: 'short' } };
  if (s.roundUp) return null;
  const neg = symMul(s, num(-1));
  return neg && symAdd(num(m), neg);
}

/** s mod m for the number m: the first and last steps of a round-up (anything else depends on the size). */
export function symMod(s: Sym, m: number): Sym | null {
  if (s.of === null) return num(((s.c % m) + m) % m);
  if (!s.roundUp && (Number.isNaN(s.k) || Number.isInteger(s.k)) && Number.isInteger(s.c))
    return { k: 0, of: s.of, c: 0, roundUp: { base: s, m, step: 'mod' } };
  if (s.roundUp?.step === 'short' && s.roundUp.m === m && s.c === 0) return { ...s, roundUp: { ...s.roundUp, step: 'extra' } };
  return null;
}

/** a · b with b a number (either side), or null when both are symbolic. */
export function symMul(a: Sym, b: Sym): Sym | null {
  if (a.of !== null && b.of !== null) return null;
  const [s, f] = a.of === null ? [b, a.c] : [a, b.c];
  if (s.of === null) return num(s.c * f);
  if (s.roundUp) return f === 1 ? s : null;
  // A reference's size keeps its reference through scaling (a crop to scale × the reference).
  const ref = s.ref === undefined ? {} : { ref: s.ref, refC: (s.refC ?? 0) * f, refMul: (s.refMul ?? 1) * f };
  return { k: s.k * f, of: s.of, c: s.c * f, ...ref };
}

/** The values of an integer or float constant when none is symbolic, else null. */
export function staticNumbers(v: Value | undefined): number[] | null {
  if (!v) return null;
  if (v.kind === 'const') return Array.from(v.data);
  if (v.kind === 'ints') return v.elems.every((e) => e.of === null) ? v.elems.map((e) => e.c) : null;
  return null;
}

/** The symbolic shape of a tensor, as Shape returns it. */
export function shapeOf(t: TensorValue): Sym[] {
  const n = dimOf(1, 'N');
  if (t.form === 'vector') return [n, num(t.channels), ...Array.from({ length: t.rank - 2 }, () => num(1))];
  // A size that is no multiple of the input's (k NaN) still names its tensor, for a crop to its size.
  return [
    n,
    num(t.channels),
    ...t.hw.map((s, i) => ({ ...(s ?? { k: NaN, of: i === 0 ? ('H' as const) : ('W' as const), c: 0 }), ref: t.ir, refC: s?.c ?? 0 })),
  ];
}

/** Element count of a shape. */
export function sizeOf(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** A size as text: 3, 0.5·H, 12·N. */
export function monoText(m: Mono): string {
  const parts = [Number.isInteger(m.k) ? String(m.k) : m.k.toPrecision(4)];
  for (const [x, e] of [
    ['N', m.n],
    ['H', m.h],
    ['W', m.w],
  ] as const)
    if (e) parts.push(e === 1 ? x : `${x}^${e}`);
  return parts.filter((p, i) => !(i === 0 && p === '1' && parts.length > 1)).join('·');
}

/** How a view that is used as a tensor reads, for the error. */
export function viewText(v: ViewValue): string {
  return `(${v.axes.map((axis) => `[${axis.map((a) => `${a.label}:${monoText(a.size)}`).join(' ')}]`).join(', ')})`;
}
