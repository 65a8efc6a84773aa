/**
 * Ops that move pixels: DepthToSpace, SpaceToDepth, Pad (→ pad, or crop for
 * negative pads), Slice (→ crop or sliceChannels; of constants, folded).
 *
 * The engine runs any tile size, so nothing here may depend on the input's
 * size: a Slice ending at a fixed row or a Pad of the batch is refused (in a
 * fixed-size export, a fixed end is read as a cut of the same size from the end).
 */
import type { Lowerer, OpContext } from './context.js';
import { num, sizeOf, staticNumbers, symText, type Sym, type TensorValue, type Value } from './values.js';

/** Slice's "to the end" markers (INT64_MAX and friends) and anything past any image. */
const BIG = 2 ** 31 - 1;

function blocksize(ctx: OpContext): number {
  const r = ctx.int('blocksize', 0);
  if (!Number.isInteger(r) || r < 1 || r > 64) ctx.fail(`attribute 'blocksize' ${r} must be an integer in [1, 64]`);
  return r;
}

const scaleHw = (t: TensorValue, f: number): [Sym | null, Sym | null] =>
  t.hw.map((s) => s && { k: s.k * f, of: s.of, c: s.c * f }) as [Sym | null, Sym | null];

export const DepthToSpace: Lowerer = (ctx) => {
  ctx.allow('blocksize', 'mode');
  const x = ctx.image(0);
  const r = blocksize(ctx);
  const mode = ctx.string('mode', 'DCR');
  if (mode !== 'DCR' && mode !== 'CRD') ctx.fail(`attribute 'mode' '${mode}' is not DCR or CRD`);
  if (x.channels % (r * r) !== 0) ctx.fail(`${x.channels} channels do not divide by blocksize² ${r * r}`);
  const ir = ctx.emit({ kind: 'depthToSpace', inputs: [x.ir], r, mode: mode as 'DCR' | 'CRD' });
  return ctx.tensorValue(ir, x, { channels: x.channels / (r * r), hw: scaleHw(x, r) });
};

export const SpaceToDepth: Lowerer = (ctx) => {
  ctx.allow('blocksize');
  const x = ctx.image(0);
  const r = blocksize(ctx);
  const ir = ctx.emit({ kind: 'spaceToDepth', inputs: [x.ir], r, mode: 'DCR' });
  return ctx.tensorValue(ir, x, { channels: x.channels * r * r, hw: scaleHw(x, 1 / r) });
};

export const Pad: Lowerer = (ctx) => {
  let pads: number[] | undefined;
  let value = 0;
  let multiple = 1;
  if (ctx.opset < 11) {
    ctx.allow('mode', 'pads', 'value');
    pads = ctx.ints('pads', []);
    value = ctx.float('value', 0);
  } else {
    ctx.allow('mode');
    const rounded = roundedPads(ctx);
    if (rounded) [pads, multiple] = rounded;
    else pads = ctx.numbers(1, 'pads');
    const v = ctx.numbers(2, 'constant_value');
    if (v && v.length !== 1) ctx.fail(`the constant value has ${v.length} values`);
    value = v?.[0] ?? 0;
    const axes = ctx.numbers(3, 'axes');
    if (axes && pads) {
      const full = [0, 0, 0, 0, 0, 0, 0, 0];
      axes.forEach((a, i) => {
        const axis = a < 0 ? a + 4 : a;
        if (!(axis >= 0 && axis < 4)) ctx.fail(`axis ${a} is out of range`);
        full[axis] = pads![i];
        full[axis + 4] = pads![i + axes.length];
      });
      pads = full;
    }
  }
  const x = ctx.image(0);
  if (!pads || pads.length !== 8) ctx.fail(`pads [${(pads ?? []).join(', ')}] must have 8 values for a 4-D tensor`);
  const [nb, cb, t, l, ne, ce, b, r] = pads!;
  if (nb || cb || ne || ce) ctx.fail(`pads [${pads!.join(', ')}] pad the batch or channel axis: only height and width are supported`);
  if (![t, l, b, r].every((p) => Number.isInteger(p) && Math.abs(p) <= 4096))
    ctx.fail(`pads [${pads!.join(', ')}] must be integers within ±4096`);
  const m = ctx.string('mode', 'constant');
  const mode = ({ constant: 'constant', reflect: 'reflect', edge: 'replicate' } as const)[m as 'constant'];
  if (!mode) ctx.fail(`attribute 'mode' '${m}' is not constant, reflect or edge`);
  if (!Number.isFinite(Math.fround(value))) ctx.fail(`constant value ${value} is not finite`);
  let ir = x.ir;
  const pos = (p: number) => Math.max(p, 0);
  const neg = (p: number) => Math.max(-p, 0);
  const grows = [t, b, l, r].some((p) => p > 0);
  const cuts = [t, b, l, r].some((p) => p < 0);
  if (grows || multiple > 1) {
    const extra = { ...(mode === 'constant' ? { value } : {}), ...(multiple > 1 ? { multiple } : {}) };
    ir = ctx.emit({ kind: 'pad', inputs: [ir], pads: [pos(t), pos(b), pos(l), pos(r)], mode, ...extra }, cuts ? 'pad' : undefined);
  }
  if (cuts) ir = ctx.emit({ kind: 'crop', inputs: [ir], begin: [neg(t), neg(l)], end: [neg(b), neg(r)] });
  if (!grows && !cuts && multiple === 1) return x;
  // Rounded up to a multiple, the size is no longer k·H + c.
  const hw = x.hw.map((s, i) => (multiple > 1 ? null : s && { ...s, c: s.c + (i === 0 ? t + b : l + r), ref: undefined })) as [
    Sym | null,
    Sym | null,
  ];
  return ctx.tensorValue(ir, x, { hw });
};

/**
 * Pads whose bottom and right grow the padded size to a multiple of m, as exportOnnx writes a pad node's
 * `multiple` (Shape → Add → Mod → Sub → Mod): [pads, m], or undefined when the pads are plain numbers.
 */
function roundedPads(ctx: OpContext): [number[], number] | undefined {
  const v = ctx.input(1);
  if (v?.kind !== 'ints' || v.elems.every((e) => e.of === null)) return undefined;
  const e = v.elems;
  const x = ctx.image(0);
  const fail = () =>
    ctx.fail(`the pads [${e.map(symText).join(', ')}] depend on the image size other than by rounding it up to a multiple`);
  if (e.length !== 8 || e.slice(0, 6).some((s) => s.of !== null)) fail();
  const [, , t, l] = e.map((s) => s.c);
  const m = e[6].roundUp?.m;
  [6, 7].forEach((i) => {
    const r = e[i].roundUp;
    const fixed = i === 6 ? t + e[6].c : l + e[7].c;
    // The rounded size must be this tensor's own, plus the fixed pads on its axis.
    if (r?.step !== 'extra' || r.m !== m || r.base.ref !== x.ir || r.base.c - (r.base.refC ?? 0) !== fixed || (r.base.refMul ?? 1) !== 1)
      fail();
  });
  return [e.map((s) => s.c), m!];
}

export const Slice: Lowerer = (ctx) => {
  const old = ctx.opset < 10;
  if (old) ctx.allow('starts', 'ends', 'axes');
  else ctx.allow();
  const data = ctx.input(0);
  const starts = old ? ctx.ints('starts', []) : ctx.numbers(1, 'starts');
  const endsValue = old ? undefined : ctx.input(2);
  const ends: Sym[] = old
    ? ctx.ints('ends', []).map(num)
    : endsValue?.kind === 'ints'
      ? endsValue.elems
      : (staticNumbers(endsValue) ?? ctx.fail(`the ends must be constant`)).map(num);
  if (!starts || starts.length !== ends.length) return ctx.fail(`${starts?.length ?? 0} starts for ${ends.length} ends`);
  const axes = (old ? (ctx.attr('axes') ? ctx.ints('axes', []) : undefined) : ctx.numbers(3, 'axes')) ?? starts.map((_, i) => i);
  const steps = old ? undefined : ctx.numbers(4, 'steps');
  if (axes.length !== starts.length) ctx.fail(`${axes.length} axes for ${starts.length} starts`);

  if (data?.kind === 'const' || data?.kind === 'ints') return sliceStatic(ctx, data, starts, ends, axes, steps);
  if (steps && steps.some((s) => s !== 1)) ctx.fail(`steps [${steps.join(', ')}]: only step 1 is supported on a tensor`);
  const x = ctx.tensor(0);
  const rank = x.rank;
  const begin = [0, 0];
  const end = [0, 0];
  let ref: string | undefined;
  let refScale = 1;
  let channels = null as [number, number] | null;
  axes.forEach((a, i) => {
    const axis = a < 0 ? a + rank : a;
    const st = starts[i];
    const en = ends[i];
    if (axis === 0) {
      if (st !== 0 || !(en.of === 'N' || en.c >= BIG)) ctx.fail(`slices the batch axis`);
    } else if (axis === 1) {
      if (en.of !== null) ctx.fail(`a channel slice with a size-dependent end`);
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + x.channels : v, 0), x.channels);
      channels = [clamp(st), clamp(en.c)];
    } else if ((axis === 2 || axis === 3) && x.form === 'image') {
      const k = axis - 2;
      if (!(Number.isInteger(st) && st >= 0)) ctx.fail(`start ${st} on axis ${axis}: only starts ≥ 0 are size-independent`);
      begin[k] = st;
      const size = x.hw[k];
      if (en.of === null) {
        if (en.c >= BIG) end[k] = 0;
        else if (en.c < 0) end[k] = -en.c;
        // A fixed-size export: a fixed end is read as a cut of the same size from the end.
        else if (size?.of === null && en.c <= size.c) end[k] = size.c - en.c;
        else
          ctx.fail(
            `end ${en.c} on axis ${axis} is a fixed row or column: the engine's tiles vary in size, so only negative or "to the end" ends are supported`,
          );
      } else if (
        en.ref &&
        en.refC !== undefined &&
        en.c - en.refC === st &&
        (ref === undefined || (ref === en.ref && refScale === (en.refMul ?? 1)))
      ) {
        // ends = k × a reference's size + starts: a window of k × the reference's size (a crop to another tensor).
        ref = en.ref;
        refScale = en.refMul ?? 1;
      } else if (size && size.of === en.of && size.k === en.k && size.c - en.c >= 0) {
        end[k] = size.c - en.c;
      } else ctx.fail(`end ${symText(en)} on axis ${axis} does not follow the size of its input`);
    } else ctx.fail(`slices axis ${a} of a rank-${rank} ${x.form}`);
  });
  let out = x;
  if (channels) {
    const [s, e] = channels;
    if (e <= s) ctx.fail(`the channel slice [${s}, ${e}) is empty`);
    if (s !== 0 || e !== x.channels) {
      const ir = ctx.emit(
        { kind: 'sliceChannels', inputs: [out.ir], start: s, count: e - s },
        begin.some(Boolean) || end.some(Boolean) || ref ? 'channels' : undefined,
      );
      out = ctx.tensorValue(ir, out, { channels: e - s });
    }
  }
  if (ref !== undefined) {
    if (axes.filter((a) => a % 4 === 2 || a % 4 === 3 || a === -1 || a === -2).length !== 2)
      ctx.fail(`a crop to a reference's size must slice both height and width`);
    if (!Number.isInteger(refScale) || refScale < 1) ctx.fail(`crops to ${refScale} × a reference's size`);
    const ir = ctx.emit({ kind: 'crop', inputs: [out.ir, ref], begin: [begin[0], begin[1]], ...(refScale !== 1 ? { refScale } : {}) });
    return ctx.tensorValue(ir, out, { hw: [null, null] });
  }
  if (begin.some(Boolean) || end.some(Boolean)) {
    const ir = ctx.emit({ kind: 'crop', inputs: [out.ir], begin: [begin[0], begin[1]], end: [end[0], end[1]] });
    const hw = out.hw.map((s, i) => s && { ...s, c: s.c - begin[i] - end[i], ref: undefined }) as [Sym | null, Sym | null];
    return ctx.tensorValue(ir, out, { hw });
  }
  return out;
};

/** Slice of a constant, any axes and steps (torch reverses its pads with a step −1). */
function sliceStatic(
  ctx: OpContext,
  data: Extract<Value, { kind: 'const' | 'ints' }>,
  starts: number[],
  ends: Sym[],
  axes: number[],
  steps: number[] | undefined,
): Value {
  const rank = data.dims.length;
  const picks = data.dims.map((d) => Array.from({ length: d }, (_, i) => i));
  axes.forEach((a, j) => {
    const axis = a < 0 ? a + rank : a;
    if (!(axis >= 0 && axis < rank)) ctx.fail(`axis ${a} is out of range for rank ${rank}`);
    const d = data.dims[axis];
    const step = steps?.[j] ?? 1;
    if (!Number.isInteger(step) || step === 0) ctx.fail(`step ${step} must be a non-zero integer`);
    if (ends[j].of !== null) ctx.fail(`a constant sliced to a size-dependent end`);
    let st = starts[j] < 0 ? starts[j] + d : starts[j];
    let en = ends[j].c < 0 ? ends[j].c + d : ends[j].c;
    st = step > 0 ? Math.min(Math.max(st, 0), d) : Math.min(Math.max(st, 0), d - 1);
    en = step > 0 ? Math.min(Math.max(en, 0), d) : Math.min(Math.max(en, -1), d - 1);
    const idx: number[] = [];
    for (let i = st; step > 0 ? i < en : i > en; i += step) idx.push(i);
    picks[axis] = idx;
  });
  const dims = picks.map((p) => p.length);
  const strides = data.dims.map((_, i) => sizeOf(data.dims.slice(i + 1)));
  const from: number[] = [];
  const walk = (axis: number, offset: number) => {
    if (axis === rank) from.push(offset);
    else for (const i of picks[axis]) walk(axis + 1, offset + i * strides[axis]);
  };
  walk(0, 0);
  if (data.kind === 'const') return { kind: 'const', dims, data: Float32Array.from(from, (i) => data.data[i]) };
  return { kind: 'ints', dims, elems: from.map((i) => data.elems[i]) };
}
