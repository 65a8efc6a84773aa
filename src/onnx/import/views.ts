/**
 * Pixel (un)shuffles written as reshapes and transposes (basicsr's
 * pixel_unshuffle, torch.onnx's PixelUnshuffle: Unsqueeze → Reshape →
 * Reshape → Transpose → Reshape → Squeeze, hand-written shuffles).
 *
 * An image seen through such ops is a list of axes, each a sequence of
 * atoms: pieces of the image's own axes N, C, H, W, split major-to-minor as
 * reshapes demand ('h' split by [H/2, 2] is 'h.0' (size H/2), 'h.1' (size 2)).
 * Reshape regroups the atoms (splitting one when a size falls inside it),
 * Transpose permutes axes, (Un)Squeeze drops or adds empty axes. Whenever the
 * view is 4-D again, its atoms spell one of: the image itself, space-to-depth
 * (channel axis c·h.1·w.1 = CRD, h.1·w.1·c = DCR) or depth-to-space (the
 * channel split in three, its minor parts moved beside h and w) — anything
 * else is refused.
 *
 * Sizes are monomials k·N^a·H^b·W^c, so "H/2" and "C·4" are exact whatever
 * the tile's size.
 */
import type { OpContext } from './context.js';
import { dimOf, monoText, num, type Atom, type Mono, type Sym, type TensorValue, type Value, type ViewValue } from './values.js';

const ONE: Mono = { k: 1, n: 0, h: 0, w: 0 };
const mul = (a: Mono, b: Mono): Mono => ({ k: a.k * b.k, n: a.n + b.n, h: a.h + b.h, w: a.w + b.w });
const div = (a: Mono, b: Mono): Mono => ({ k: a.k / b.k, n: a.n - b.n, h: a.h - b.h, w: a.w - b.w });
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const eq = (a: Mono, b: Mono) => close(a.k, b.k) && a.n === b.n && a.h === b.h && a.w === b.w;
const isOne = (m: Mono) => eq(m, ONE);
/** A size some axis can have: a positive integer, or a positive multiple of N, H or W. */
const proper = (m: Mono) =>
  m.n >= 0 && m.h >= 0 && m.w >= 0 && m.k > 0 && (m.n + m.h + m.w > 0 || (Number.isInteger(Math.round(m.k * 1e9) / 1e9) && m.k >= 1));
const product = (atoms: Atom[]) => atoms.reduce((p, a) => mul(p, a.size), ONE);

export function symToMono(s: Sym): Mono | null {
  if (s.of === null) return { k: s.c, n: 0, h: 0, w: 0 };
  if (s.c !== 0 || !Number.isFinite(s.k)) return null;
  return { k: s.k, n: s.of === 'N' ? 1 : 0, h: s.of === 'H' ? 1 : 0, w: s.of === 'W' ? 1 : 0 };
}

function monoToSym(m: Mono): Sym | null {
  const e = m.n + m.h + m.w;
  if (e === 0 && m.n === 0 && m.h === 0 && m.w === 0) return num(m.k);
  if (e !== 1 || m.n < 0 || m.h < 0 || m.w < 0) return null;
  return dimOf(m.k, m.n ? 'N' : m.h ? 'H' : 'W');
}

/** An image as a view, or a failure when its size is no multiple of the input's. */
export function viewOf(ctx: OpContext, t: TensorValue): ViewValue {
  const [H, W] = t.hw.map((s) => (s ? symToMono(s) : null));
  if (!H || !W) ctx.fail(`reshapes '${ctx.node.inputs[0]}', whose size is no fixed multiple of the input's`);
  return {
    kind: 'view',
    src: t,
    axes: [
      [{ label: 'n', size: { ...ONE, n: 1 } }],
      [{ label: 'c', size: { ...ONE, k: t.channels } }],
      [{ label: 'h', size: H! }],
      [{ label: 'w', size: W! }],
    ],
  };
}

/** The sizes of a view's axes, as Shape reports them. */
export function viewShape(ctx: OpContext, v: ViewValue): Sym[] {
  return v.axes.map((axis, i) => {
    const m = product(axis);
    const s = monoToSym(m);
    if (!s) ctx.fail(`axis ${i} of a reshaped image has size ${monoText(m)}, which shape arithmetic cannot follow`);
    return s!;
  });
}

/** Reshape: regroups the atoms into axes of the target sizes (0 copies, −1 infers; NaN marks −1). */
export function reshapeView(ctx: OpContext, v: ViewValue, target: Sym[]): Value {
  const sizes = v.axes.map(product);
  const total = sizes.reduce(mul, ONE);
  const monos = target.map((s, i) => {
    if (Number.isNaN(s.c) && s.of === null) return null;
    const m = symToMono(s);
    if (!m) ctx.fail(`shape element ${i} (${s.of ? `${s.k}·${s.of} + ${s.c}` : s.c}) is not a multiple of the batch, height or width`);
    return m;
  });
  // A fixed-size export writes its batch as 1: the batch whatever it is, when the batch leads.
  const first = v.axes.flat()[0];
  if (first?.label === 'n' && monos[0] && isOne(monos[0])) monos[0] = first.size;
  const known = monos.filter((m): m is Mono => m !== null).reduce(mul, ONE);
  const dims = monos.map((m) => m ?? div(total, known));
  const queue = v.axes.flat().filter((a) => !isOne(a.size));
  const axes: Atom[][] = [];
  for (const t of dims) {
    if (!proper(t) && !isOne(t)) ctx.fail(`reshapes a ${sizes.map(monoText).join('×')} view to a dimension of size ${monoText(t)}`);
    const axis: Atom[] = [];
    let acc = ONE;
    while (!eq(acc, t)) {
      const a = queue.shift();
      if (!a) return ctx.fail(`cannot reshape a ${sizes.map(monoText).join('×')} view to [${dims.map(monoText).join(', ')}]`);
      const whole = mul(acc, a.size);
      if (eq(whole, t) || proper(div(t, whole))) {
        axis.push(a);
        acc = whole;
        continue;
      }
      // The target size ends inside this atom: split it, major part here, minor part next.
      const major = div(t, acc);
      const minor = div(a.size, major);
      if (!proper(major) || !proper(minor)) {
        ctx.fail(
          `cannot reshape a ${sizes.map(monoText).join('×')} view to [${dims.map(monoText).join(', ')}]: ${monoText(t)} does not split ${monoText(a.size)}`,
        );
      }
      axis.push({ label: `${a.label}.0`, size: major });
      queue.unshift({ label: `${a.label}.1`, size: minor });
      acc = t;
    }
    axes.push(axis);
  }
  if (queue.length) ctx.fail(`reshapes a ${sizes.map(monoText).join('×')} view to the smaller [${dims.map(monoText).join(', ')}]`);
  return settle(ctx, { ...v, axes });
}

export function transposeView(ctx: OpContext, v: ViewValue, perm: number[]): Value {
  const rank = v.axes.length;
  const p = perm.length ? perm : v.axes.map((_, i) => rank - 1 - i);
  if (p.length !== rank || [...p].sort((a, b) => a - b).some((x, i) => x !== i))
    ctx.fail(`perm [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  return settle(ctx, { ...v, axes: p.map((i) => v.axes[i]) });
}

export function unsqueezeView(ctx: OpContext, v: ViewValue, axesToAdd: number[]): Value {
  const rank = v.axes.length + axesToAdd.length;
  const norm = axesToAdd.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  if (norm.some((a) => a < 0 || a >= rank) || new Set(norm).size !== norm.length)
    ctx.fail(`axes [${axesToAdd.join(', ')}] are out of range`);
  const axes = [...v.axes];
  for (const a of norm) axes.splice(a, 0, []);
  return settle(ctx, { ...v, axes });
}

export function squeezeView(ctx: OpContext, v: ViewValue, drop: number[] | undefined): Value {
  const rank = v.axes.length;
  const d = drop ? drop.map((a) => (a < 0 ? a + rank : a)) : v.axes.flatMap((axis, i) => (isOne(product(axis)) ? [i] : []));
  if (d.some((a) => a < 0 || a >= rank || !isOne(product(v.axes[a])))) ctx.fail(`squeezes an axis whose size is not 1`);
  return settle(ctx, { ...v, axes: v.axes.filter((_, i) => !d.includes(i)) });
}

/** A 4-D view as the image, a spaceToDepth or a depthToSpace node; other views stay views (refused where used as a tensor). */
function settle(ctx: OpContext, v: ViewValue): Value {
  if (v.axes.length !== 4) return v;
  const t = v.src;
  const spell = v.axes.map((axis) => axis.filter((a) => !isOne(a.size)).map((a) => a.label));
  const [n, c, h, w] = spell.map((s) => s.join(' '));
  if (n !== 'n') return v;
  if (c === 'c' && h === 'h' && w === 'w') return t;
  const size = (label: string) => v.axes.flat().find((a) => a.label === label)!.size;
  const emit = (kind: 'spaceToDepth' | 'depthToSpace', r: number, mode: 'CRD' | 'DCR'): TensorValue => {
    const f = kind === 'spaceToDepth' ? 1 / r : r;
    const channels = kind === 'spaceToDepth' ? t.channels * r * r : t.channels / (r * r);
    const hw = t.hw.map((s) => s && { k: s.k * f, of: s.of, c: s.c * f }) as [Sym | null, Sym | null];
    return ctx.tensorValue(ctx.emit({ kind, inputs: [t.ir], r, mode }), t, { channels, hw });
  };
  if (h === 'h.0' && w === 'w.0' && (c === 'c h.1 w.1' || c === 'h.1 w.1 c')) {
    const r = size('h.1').k;
    if (!isOne({ ...size('h.1'), k: 1 }) || !eq(size('h.1'), size('w.1')) || !Number.isInteger(r)) {
      ctx.fail(`unshuffles by ${monoText(size('h.1'))} rows and ${monoText(size('w.1'))} columns`);
    }
    return emit('spaceToDepth', r, c === 'c h.1 w.1' ? 'CRD' : 'DCR');
  }
  // The channel atom split in three, major to minor (labels sort that way: c.0 < c.1.0 < c.1.1).
  const leaves = v.axes
    .flat()
    .map((a) => a.label)
    .filter((l) => l.startsWith('c.'))
    .sort();
  if (
    leaves.length === 3 &&
    spell[1].length === 1 &&
    spell[2].length === 2 &&
    spell[3].length === 2 &&
    spell[2][0] === 'h' &&
    spell[3][0] === 'w'
  ) {
    const [l0, l1, l2] = leaves;
    const mode =
      spell[1][0] === l0 && spell[2][1] === l1 && spell[3][1] === l2
        ? 'CRD'
        : spell[1][0] === l2 && spell[2][1] === l0 && spell[3][1] === l1
          ? 'DCR'
          : null;
    if (mode) {
      const [ry, rx] = (mode === 'CRD' ? [l1, l2] : [l0, l1]).map((l) => size(l).k);
      if (ry !== rx || !Number.isInteger(ry)) ctx.fail(`shuffles by ${ry} rows and ${rx} columns`);
      return emit('depthToSpace', ry, mode);
    }
  }
  return v;
}
