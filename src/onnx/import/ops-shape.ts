/**
 * Shape ops: constants and the Shape → Gather → Unsqueeze → Concat chains
 * torch.onnx.export writes around views (folded symbolically, ./fold.ts), the
 * view changes of a squeeze-excitation vector ([N, C, 1, 1] ↔ [N, C]), and a
 * pixel (un)shuffle written as reshape → transpose → reshape (basicsr's
 * pixel_unshuffle), which becomes one spaceToDepth/depthToSpace node.
 */
import type { Lowerer, OpContext } from './context.js';
import type { OnnxTensorData } from './decode.js';
import { num, shapeOf, sizeOf, staticNumbers, symText, type Sym, type Value } from './values.js';
import { reshapeView, squeezeView, transposeView, unsqueezeView, viewOf, viewShape } from './views.js';

/** A decoded tensor (initializer, Constant) as a value. */
export function tensorConstant(t: OnnxTensorData): Value {
  if (t.floats) return { kind: 'const', dims: t.dims, data: t.floats };
  return { kind: 'ints', dims: t.dims, elems: t.ints!.map(num) };
}

export const Constant: Lowerer = (ctx) => {
  ctx.allow('value', 'value_float', 'value_floats', 'value_int', 'value_ints');
  const a = [...ctx.node.attributes.values()];
  if (a.length !== 1) ctx.fail(`needs exactly one value attribute, has ${a.length}`);
  const attr = a[0];
  switch (attr.name) {
    case 'value':
      if (!attr.t) ctx.fail(`attribute 'value' holds no tensor`);
      return tensorConstant(attr.t!);
    case 'value_float':
      return { kind: 'const', dims: [], data: Float32Array.of(ctx.float('value_float', 0)) };
    case 'value_floats': {
      const bad = attr.floats.findIndex((v) => !Number.isFinite(Math.fround(v)));
      if (bad >= 0) ctx.fail(`attribute 'value_floats': value ${attr.floats[bad]} at index ${bad} is not finite as float32`);
      return { kind: 'const', dims: [attr.floats.length], data: Float32Array.from(attr.floats) };
    }
    case 'value_int':
      return { kind: 'ints', dims: [], elems: [num(ctx.int('value_int', 0))] };
    default:
      return { kind: 'ints', dims: [attr.ints.length], elems: attr.ints.map(num) };
  }
};

/** An integer list input (opset ≥ 13 style) or attribute (older), e.g. axes. */
function axesOf(ctx: OpContext, input: number, attr: string): number[] | undefined {
  if (ctx.attr(attr)) return ctx.ints(attr, []);
  return ctx.numbers(input, attr);
}

function normAxis(ctx: OpContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

const asStatic = (v: Value | undefined): v is Extract<Value, { kind: 'const' | 'ints' }> => v?.kind === 'const' || v?.kind === 'ints';

function elems(v: Extract<Value, { kind: 'const' | 'ints' }>): Sym[] {
  return v.kind === 'ints' ? v.elems : Array.from(v.data, num);
}

export const Shape: Lowerer = (ctx) => {
  ctx.allow('start', 'end');
  const v = ctx.input(0);
  let dims: Sym[];
  if (asStatic(v)) dims = v.dims.map(num);
  else if (v?.kind === 'view') dims = viewShape(ctx, v);
  else dims = shapeOf(ctx.tensor(0));
  const rank = dims.length;
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + rank : i, 0), rank);
  const picked = dims.slice(clamp(ctx.int('start', 0)), clamp(ctx.int('end', rank)));
  return { kind: 'ints', dims: [picked.length], elems: picked };
};

export const Gather: Lowerer = (ctx) => {
  ctx.allow('axis');
  const data = ctx.input(0);
  if (!asStatic(data))
    ctx.fail(`gathers from a computed tensor: only constants and shapes (or channels, via Gather axis 1 after SpaceToDepth) are supported`);
  const d = data as Extract<Value, { kind: 'const' | 'ints' }>;
  if (d.dims.length !== 1 || normAxis(ctx, ctx.int('axis', 0), 1) !== 0)
    ctx.fail(`only 1-D constants are gathered, this one has shape [${d.dims.join(', ')}]`);
  const idx = ctx.input(1);
  const indices = staticNumbers(idx);
  if (!indices || !asStatic(idx)) return ctx.fail(`the indices must be constant`);
  const all = elems(d);
  const picked = indices.map((i) => {
    const j = i < 0 ? i + all.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= all.length) ctx.fail(`index ${i} is out of range for ${all.length} values`);
    return all[j];
  });
  if (d.kind === 'const') return { kind: 'const', dims: idx.dims, data: Float32Array.from(picked, (s) => s.c) };
  return { kind: 'ints', dims: idx.dims, elems: picked };
};

const FLOAT_TYPES = [1, 10, 11];
const INT_TYPES = [2, 3, 5, 6, 7, 9, 12, 13];

export const Cast: Lowerer = (ctx) => {
  ctx.allow('to', 'saturate');
  const to = ctx.int('to', 0);
  const v = ctx.input(0);
  if (!v) ctx.fail('has no input');
  if (asStatic(v)) {
    if (FLOAT_TYPES.includes(to)) {
      const n = staticNumbers(v);
      return n ? { kind: 'const', dims: v.dims, data: Float32Array.from(n) } : v;
    }
    if (INT_TYPES.includes(to))
      return v.kind === 'ints' ? v : { kind: 'ints', dims: v.dims, elems: Array.from(v.data, (x) => num(Math.trunc(x))) };
    ctx.fail(`cast to data type ${to} is not supported`);
  }
  // Between float types (a float16 model's casts around its float32 islands): the engine computes in float32 throughout.
  if (!FLOAT_TYPES.includes(to)) ctx.fail(`casts a computed tensor to data type ${to}: only float tensors are supported`);
  return ctx.tensor(0);
};

function roundOp(fn: (x: number) => number): Lowerer {
  return (ctx) => {
    ctx.allow();
    const v = ctx.input(0);
    if (!asStatic(v)) return ctx.fail(`only constants and shape arithmetic are supported`);
    if (v.kind === 'const') return { ...v, data: v.data.map(fn) };
    return {
      ...v,
      elems: v.elems.map((s) => {
        if (s.of === null) return num(fn(s.c));
        // k·H + c with integer k and c is already an integer; anything else depends on the size.
        if (!Number.isInteger(s.k) || !Number.isInteger(s.c)) ctx.fail(`rounds ${symText(s)}, which depends on the image size`);
        return s;
      }),
    };
  };
}

export const Floor = roundOp(Math.floor);
export const Ceil = roundOp(Math.ceil);

export const Unsqueeze: Lowerer = (ctx) => {
  ctx.allow('axes');
  const axes = axesOf(ctx, 1, 'axes');
  if (!axes) return ctx.fail('has no axes');
  const v = ctx.input(0);
  if (asStatic(v)) {
    const rank = v.dims.length + axes.length;
    const norm = axes.map((a) => normAxis(ctx, a, rank)).sort((a, b) => a - b);
    const dims = [...v.dims];
    for (const a of norm) dims.splice(a, 0, 1);
    return { ...v, dims };
  }
  if (v?.kind === 'view') return unsqueezeView(ctx, v, axes);
  const t = ctx.tensor(0);
  if (t.form === 'image') return unsqueezeView(ctx, viewOf(ctx, t), axes);
  const rank = t.rank + axes.length;
  if (axes.some((a) => normAxis(ctx, a, rank) < 2) || rank > 4) {
    ctx.fail(`only adds trailing size-1 axes to a [N, C] vector (got axes [${axes.join(', ')}] on a rank-${t.rank} ${t.form})`);
  }
  return { ...t, rank };
};

export const Squeeze: Lowerer = (ctx) => {
  ctx.allow('axes');
  const axes = axesOf(ctx, 1, 'axes');
  const v = ctx.input(0);
  if (asStatic(v)) {
    const drop = axes ? axes.map((a) => normAxis(ctx, a, v.dims.length)) : v.dims.flatMap((d, i) => (d === 1 ? [i] : []));
    if (drop.some((a) => v.dims[a] !== 1)) ctx.fail(`squeezes an axis of size other than 1`);
    return { ...v, dims: v.dims.filter((_, i) => !drop.includes(i)) };
  }
  if (v?.kind === 'view') return squeezeView(ctx, v, axes);
  const t = ctx.tensor(0);
  if (t.form !== 'vector') return squeezeView(ctx, viewOf(ctx, t), axes);
  const drop = axes ? axes.map((a) => normAxis(ctx, a, t.rank)) : Array.from({ length: t.rank - 2 }, (_, i) => i + 2);
  if (drop.some((a) => a < 2)) ctx.fail(`squeezes the batch or channel axis`);
  return { ...t, rank: t.rank - new Set(drop).size };
};

export const Flatten: Lowerer = (ctx) => {
  ctx.allow('axis');
  const t = ctx.tensor(0);
  const axis = normAxis(ctx, ctx.int('axis', 1), t.rank + 1);
  if (t.form !== 'vector' || axis !== 1) ctx.fail(`only a [N, C, 1, 1] vector flattened at axis 1 is supported`);
  return { ...t, rank: 2 };
};

export const Concat: Lowerer = (ctx) => {
  ctx.allow('axis');
  const ins = ctx.node.inputs.map((_, i) => ctx.input(i));
  if (ins.length === 0) ctx.fail('has no inputs');
  if (ins.every(asStatic)) {
    const vs = ins as Extract<Value, { kind: 'const' | 'ints' }>[];
    if (vs.some((v) => v.dims.length !== 1)) ctx.fail(`only 1-D constants are concatenated`);
    const all = vs.flatMap(elems);
    if (vs.every((v) => v.kind === 'const')) return { kind: 'const', dims: [all.length], data: Float32Array.from(all, (s) => s.c) };
    return { kind: 'ints', dims: [all.length], elems: all };
  }
  const xs = ins.map((_, i) => ctx.tensor(i));
  const rank = xs[0].rank;
  const axis = normAxis(ctx, ctx.int('axis', 1), rank);
  if (axis !== 1) ctx.fail(`attribute 'axis' ${ctx.int('axis', 1)}: only the channel axis (1 or ${-rank + 1}) is supported`);
  if (xs.some((x) => x.form !== xs[0].form || x.rank !== rank)) ctx.fail(`concatenates images with vectors`);
  if (xs.length === 1) return xs[0];
  const channels = xs.reduce((c, x) => c + x.channels, 0);
  return ctx.tensorValue(ctx.emit({ kind: 'concat', inputs: xs.map((x) => x.ir) }), xs[0], { channels });
};

export const Expand: Lowerer = (ctx) => {
  ctx.allow();
  const t = ctx.tensor(0);
  const shape = ctx.input(1);
  if (shape?.kind !== 'ints' && shape?.kind !== 'const') return ctx.fail(`the shape must be a constant or a tensor's Shape`);
  const target = elems(shape);
  if (target.every((s) => s.of === null && s.c === 1)) return t;
  if (
    t.form !== 'vector' ||
    t.rank !== 4 ||
    target.length !== 4 ||
    !(target[1].of === null && (target[1].c === t.channels || target[1].c === 1))
  ) {
    ctx.fail(`only a [N, C, 1, 1] vector expanded to an image's [N, C, H, W] is supported`);
  }
  // It is only broadcast against that image afterwards: the vector itself stands for it.
  return { ...t, expanded: true };
};

/** The sizes a reshape asks for, with 0 (copy) resolved; -1 left as NaN. */
function targetDims(ctx: OpContext, input: Sym[]): Sym[] {
  const v = ctx.input(1);
  if (!asStatic(v) || v.dims.length !== 1) return ctx.fail(`the shape must be a 1-D constant or built from Shape`);
  const allowZero = ctx.int('allowzero', 0) !== 0;
  const out = elems(v).map((s, i) => {
    if (s.of !== null) return s;
    if (s.c === 0 && !allowZero) {
      if (i >= input.length) ctx.fail(`shape element ${i} is 0 (copy) past the input's rank ${input.length}`);
      return input[i];
    }
    if (s.c === -1) return num(NaN);
    if (!Number.isInteger(s.c) || s.c < 1) ctx.fail(`shape element ${i} is ${s.c}`);
    return s;
  });
  if (out.filter((s) => Number.isNaN(s.c)).length > 1) ctx.fail(`the shape has more than one -1`);
  return out;
}

const isBatch = (s: Sym) => (s.of === 'N' && s.k === 1 && s.c === 0) || Number.isNaN(s.c) || (s.of === null && s.c === 1);

export const Reshape: Lowerer = (ctx) => {
  ctx.allow('allowzero');
  const v = ctx.input(0);
  if (asStatic(v)) {
    const n = staticNumbers(ctx.input(1));
    if (!n) return ctx.fail(`the shape of a reshaped constant must be constant`);
    const size = sizeOf(v.dims);
    const known = n.map((d, i) => (d === 0 ? v.dims[i] : d));
    const rest = sizeOf(known.filter((d) => d !== -1));
    const dims = known.map((d) => (d === -1 ? size / rest : d));
    if (sizeOf(dims) !== size || !dims.every((d) => Number.isInteger(d) && d >= 0))
      ctx.fail(`cannot reshape [${v.dims.join(', ')}] to [${n.join(', ')}]`);
    return { ...v, dims };
  }
  if (v?.kind === 'view') return reshapeView(ctx, v, targetDims(ctx, viewShape(ctx, v)));
  const t = ctx.tensor(0);
  const target = targetDims(ctx, shapeOf(t));
  if (t.form === 'vector') {
    // [N, C, 1…] ↔ [N, C]: the batch first, then C (or -1) and only 1s.
    const rest = target.slice(1);
    const c = rest.findIndex((s) => !(s.of === null && s.c === 1));
    const ok =
      target.length >= 2 &&
      target.length <= 4 &&
      isBatch(target[0]) &&
      (c === -1 ? t.channels === 1 : c === 0 && (Number.isNaN(rest[0].c) || (rest[0].of === null && rest[0].c === t.channels))) &&
      rest.slice(1).every((s) => s.of === null && s.c === 1);
    if (!ok)
      ctx.fail(
        `reshapes a [N, ${t.channels}] vector to [${target.map(symText).join(', ')}]: only [N, C] ↔ [N, C, 1, 1] forms are supported`,
      );
    return { ...t, rank: target.length, expanded: undefined };
  }
  return reshapeView(ctx, viewOf(ctx, t), target);
};

export const Transpose: Lowerer = (ctx) => {
  ctx.allow('perm');
  const v = ctx.input(0);
  const perm = ctx.ints('perm', []);
  if (v?.kind === 'view') return transposeView(ctx, v, perm);
  if (asStatic(v)) return transposeStatic(ctx, v, perm);
  const t = ctx.tensor(0);
  if (perm.length && perm.every((p, i) => p === i)) return t;
  if (t.form === 'vector') ctx.fail(`transposes a per-channel vector`);
  return transposeView(ctx, viewOf(ctx, t), perm);
};

/** A constant transposed (torch writes one when it computes Pad's pads). */
function transposeStatic(ctx: OpContext, v: Extract<Value, { kind: 'const' | 'ints' }>, perm: number[]): Value {
  const rank = v.dims.length;
  const p = perm.length ? perm : v.dims.map((_, i) => rank - 1 - i);
  if (p.length !== rank || [...p].sort((a, b) => a - b).some((x, i) => x !== i))
    ctx.fail(`perm [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  const dims = p.map((i) => v.dims[i]);
  const strides = v.dims.map((_, i) => sizeOf(v.dims.slice(i + 1)));
  const n = sizeOf(dims);
  const from = new Array<number>(n);
  for (let o = 0; o < n; o++) {
    let rest = o;
    let src = 0;
    for (let a = rank - 1; a >= 0; a--) {
      const idx = rest % dims[a];
      rest = Math.floor(rest / dims[a]);
      src += idx * strides[p[a]];
    }
    from[o] = src;
  }
  if (v.kind === 'const') return { kind: 'const', dims, data: Float32Array.from(from, (i) => v.data[i]) };
  return { kind: 'ints', dims, elems: from.map((i) => v.elems[i]) };
}

export const ConstantOfShape: Lowerer = (ctx) => {
  ctx.allow('value');
  const shape = ctx.numbers(0, 'shape');
  if (!shape || !shape.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(shape) > 4096) {
    return ctx.fail(`the shape must be a constant of at most 4096 elements`);
  }
  const t = ctx.attr('value')?.t;
  const fill = t ? (t.floats ? t.floats[0] : t.ints![0]) : 0;
  if (t?.floats || !t) return { kind: 'const', dims: shape, data: new Float32Array(sizeOf(shape)).fill(fill) };
  return { kind: 'ints', dims: shape, elems: Array.from({ length: sizeOf(shape) }, () => num(fill)) };
};
