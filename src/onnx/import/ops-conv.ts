/**
 * Conv, ConvTranspose, and Gemm/MatMul on a pooled vector (a squeeze-excitation
 * block's fully connected layers, which are 1×1 convs on [N, C, 1, 1]).
 *
 * Asymmetric padding: the engine's conv pads both sides equally, so the common
 * part goes to the conv and the rest to a 'pad' node before it; a transposed
 * conv cuts the common part and a 'crop' node the rest. auto_pad SAME_* is
 * resolved statically where the padding does not depend on the input size:
 * always for ConvTranspose (total = output_padding + d·(k − 1) + 1 − s), for
 * Conv only at stride 1 (total = d·(k − 1)).
 */
import type { OpContext } from './context.js';
import type { Lowerer } from './context.js';
import { num, type Sym, type TensorValue, sizeOf } from './values.js';

function pair(ctx: OpContext, name: string, fallback: number, min: number): [number, number] {
  const v = ctx.ints(name, [fallback, fallback]);
  if (v.length !== 2 || !v.every((x) => Number.isSafeInteger(x) && x >= min && x <= 1024)) {
    ctx.fail(`attribute '${name}' [${v.join(', ')}] must be 2 integers in [${min}, 1024] (only 2-D ${ctx.node.opType} is supported)`);
  }
  return [v[0], v[1]];
}

/** ONNX pads [top, left, bottom, right] from `pads` or `auto_pad`; `same` gives SAME_*'s total per axis, or fails. */
function readPads(ctx: OpContext, same: (axis: 0 | 1) => number): [number, number, number, number] {
  const autoPad = ctx.string('auto_pad', 'NOTSET');
  const explicit = ctx.attr('pads');
  if (autoPad === 'NOTSET' || autoPad === 'VALID') {
    const pads = autoPad === 'VALID' ? [0, 0, 0, 0] : ctx.ints('pads', [0, 0, 0, 0]);
    if (autoPad === 'VALID' && explicit && explicit.ints.some((p) => p !== 0)) ctx.fail(`auto_pad VALID with non-zero pads`);
    if (pads.length !== 4 || !pads.every((p) => Number.isSafeInteger(p) && p >= 0 && p <= 1024)) {
      ctx.fail(`attribute 'pads' [${pads.join(', ')}] must be 4 integers in [0, 1024]`);
    }
    return [pads[0], pads[1], pads[2], pads[3]];
  }
  if (autoPad !== 'SAME_UPPER' && autoPad !== 'SAME_LOWER')
    ctx.fail(`attribute 'auto_pad' '${autoPad}' is not NOTSET, VALID, SAME_UPPER or SAME_LOWER`);
  const out: number[] = [];
  for (const axis of [0, 1] as const) {
    const total = same(axis);
    // SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the start (ONNX Runtime's reading for both ops).
    const head = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
    out.push(head, total - head);
  }
  return [out[0], out[2], out[1], out[3]];
}

/** An optional bias input of `n` values. */
function bias(ctx: OpContext, i: number, n: number): Float32Array | null {
  if (!ctx.input(i)) return null;
  const b = ctx.constant(i, 'bias');
  if (b.data.length !== n || b.dims.length !== 1) ctx.fail(`the bias has shape [${b.dims.join(', ')}], expected [${n}]`);
  return b.data;
}

/** out = ⌊(k·X + t) / s⌋ for a tensor k·X: a multiple of X (k/s) when 0 ≤ t < s, the model's tiles being multiples of s. */
function scaled(hw: Sym | null, t: number, s: number): Sym | null {
  if (hw?.of === null) return num(Math.floor((hw.c + t) / s));
  return hw && hw.c === 0 && t >= 0 && t < s ? { k: hw.k / s, of: hw.of, c: 0 } : null;
}

export const Conv: Lowerer = (ctx) => {
  ctx.allow('kernel_shape', 'strides', 'dilations', 'group', 'pads', 'auto_pad');
  const x = ctx.tensor(0);
  const w = ctx.constant(1, 'weight');
  if (w.dims.length !== 4)
    ctx.fail(`the weight has shape [${w.dims.join(', ')}]: only 2-D convolutions ([Cout, Cin/group, kH, kW]) are supported`);
  const [cout, cinG, kh, kw] = w.dims;
  const groups = ctx.int('group', 1);
  if (!(groups >= 1 && x.channels === cinG * groups && cout % groups === 0)) {
    ctx.fail(`weight [${w.dims.join(', ')}] with group ${groups} does not fit an input of ${x.channels} channels`);
  }
  const ks = ctx.ints('kernel_shape', [kh, kw]);
  if (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw)
    ctx.fail(`attribute 'kernel_shape' [${ks.join(', ')}] differs from the weight's [${kh}, ${kw}]`);
  const stride = pair(ctx, 'strides', 1, 1);
  const dilation = pair(ctx, 'dilations', 1, 1);
  const [pt, pl, pb, pr] = readPads(ctx, (axis) => {
    if (stride[axis] !== 1) ctx.fail(`attribute 'auto_pad' SAME_* with stride ${stride[axis]}: the padding depends on the input size`);
    return dilation[axis] * ((axis === 0 ? kh : kw) - 1);
  });
  let input = x.ir;
  const ph = Math.min(pt, pb);
  const pw = Math.min(pl, pr);
  if (pt !== pb || pl !== pr) {
    input = ctx.emit({ kind: 'pad', inputs: [x.ir], pads: [pt - ph, pb - ph, pl - pw, pr - pw], mode: 'constant', value: 0 }, 'pad');
  }
  const b = bias(ctx, 2, cout);
  const ir = ctx.emit({
    kind: 'conv',
    inputs: [input],
    weight: w.data,
    weightShape: [cout, cinG, kh, kw],
    bias: b,
    stride,
    dilation,
    padding: [ph, pw],
    ...(groups !== 1 ? { groups } : {}),
    activation: 'none',
  });
  const t = (axis: 0 | 1) => (axis === 0 ? pt + pb - dilation[0] * (kh - 1) : pl + pr - dilation[1] * (kw - 1)) - 1 + stride[axis];
  return ctx.tensorValue(ir, x, {
    channels: cout,
    hw: x.form === 'image' ? [scaled(x.hw[0], t(0), stride[0]), scaled(x.hw[1], t(1), stride[1])] : x.hw,
  });
};

export const ConvTranspose: Lowerer = (ctx) => {
  ctx.allow('kernel_shape', 'strides', 'dilations', 'group', 'pads', 'auto_pad', 'output_padding', 'output_shape');
  const x = ctx.image(0);
  const w = ctx.constant(1, 'weight');
  if (w.dims.length !== 4)
    ctx.fail(`the weight has shape [${w.dims.join(', ')}]: only 2-D transposed convolutions ([Cin, Cout/group, kH, kW])`);
  const [cin, coutG, kh, kw] = w.dims;
  const groups = ctx.int('group', 1);
  if (!(groups >= 1 && cin === x.channels && cin % groups === 0)) {
    ctx.fail(`weight [${w.dims.join(', ')}] with group ${groups} does not fit an input of ${x.channels} channels`);
  }
  const ks = ctx.ints('kernel_shape', [kh, kw]);
  if (ks.length !== 2 || ks[0] !== kh || ks[1] !== kw)
    ctx.fail(`attribute 'kernel_shape' [${ks.join(', ')}] differs from the weight's [${kh}, ${kw}]`);
  const stride = pair(ctx, 'strides', 1, 1);
  const dilation = pair(ctx, 'dilations', 1, 1);
  const outputPadding = pair(ctx, 'output_padding', 0, 0);
  const grow = (axis: 0 | 1) => outputPadding[axis] + dilation[axis] * ((axis === 0 ? kh : kw) - 1) + 1 - stride[axis];
  const outputShape = ctx.attr('output_shape') ? ctx.ints('output_shape', []) : null;
  const [pt, pl, pb, pr] = outputShape
    ? padsForOutputShape(ctx, x, outputShape.slice(-2), grow)
    : readPads(ctx, (axis) => {
        if (grow(axis) < 0) ctx.fail(`attribute 'auto_pad' SAME_*: the output is already smaller than input × stride`);
        return grow(axis);
      });
  const ph = Math.min(pt, pb);
  const pw = Math.min(pl, pr);
  const b = bias(ctx, 2, coutG * groups);
  const asym = pt !== pb || pl !== pr;
  let ir = ctx.emit(
    {
      kind: 'convTranspose',
      inputs: [x.ir],
      weight: w.data,
      weightShape: [cin, coutG, kh, kw],
      bias: b,
      stride,
      dilation,
      padding: [ph, pw],
      outputPadding,
      ...(groups !== 1 ? { groups } : {}),
      activation: 'none',
    },
    asym ? 'full' : undefined,
  );
  if (asym) ir = ctx.emit({ kind: 'crop', inputs: [ir], begin: [pt - ph, pl - pw], end: [pb - ph, pr - pw] });
  // out = s·in + grow − pads: a multiple of the input's size when grow equals the pads.
  const side = (axis: 0 | 1, hw: Sym | null): Sym | null => {
    const extra = grow(axis) - (axis === 0 ? pt + pb : pl + pr);
    if (hw?.of === null) return num(hw.c * stride[axis] + extra);
    return hw && extra === 0 ? { k: hw.k * stride[axis], of: hw.of, c: hw.c * stride[axis] } : null;
  };
  return ctx.tensorValue(ir, x, { channels: coutG * groups, hw: [side(0, x.hw[0]), side(1, x.hw[1])] });
};

/**
 * ConvTranspose's output_shape, resolved to pads when the input's size is known (a fixed-size export):
 * total = s·(in − 1) + grow + s − out, split as auto_pad says (NOTSET: the odd pixel at the start, ONNX's rule).
 * A symbolic size cannot be resolved: the output size would vary with the tile.
 */
function padsForOutputShape(
  ctx: OpContext,
  x: TensorValue,
  out: number[],
  grow: (axis: 0 | 1) => number,
): [number, number, number, number] {
  const upper = ctx.string('auto_pad', 'NOTSET') === 'SAME_UPPER';
  const p: number[] = [];
  for (const axis of [0, 1] as const) {
    const size = x.hw[axis];
    if (out.length !== 2 || size?.of !== null) {
      ctx.fail(
        `attribute 'output_shape' [${out.join(', ')}] fixes the output size, which varies with the tile: give pads/output_padding instead`,
      );
    }
    const stride = ctx.ints('strides', [1, 1])[axis];
    const total = stride * (size!.c - 1) + grow(axis) + stride - out[axis];
    if (total < 0) ctx.fail(`attribute 'output_shape' [${out.join(', ')}] is larger than the transposed convolution makes`);
    const half = Math.floor(total / 2);
    p.push(upper ? half : total - half, upper ? total - half : half);
  }
  return [p[0], p[2], p[1], p[3]];
}

/** A fully connected layer on a [N, K] vector: a 1×1 conv with weight[m][k]. */
function dense(ctx: OpContext, x: TensorValue, weight: Float32Array, m: number, b: Float32Array | null): TensorValue {
  const ir = ctx.emit({
    kind: 'conv',
    inputs: [x.ir],
    weight,
    weightShape: [m, x.channels, 1, 1],
    bias: b,
    stride: [1, 1],
    dilation: [1, 1],
    padding: [0, 0],
    activation: 'none',
  });
  return ctx.tensorValue(ir, x, { channels: m });
}

function flatVector(ctx: OpContext): TensorValue {
  const x = ctx.tensor(0);
  if (x.form !== 'vector' || x.rank !== 2) {
    ctx.fail(
      `input 0 must be a [N, C] vector (a pooled tensor, flattened), not ${x.form === 'image' ? 'an image' : `a rank-${x.rank} vector`}`,
    );
  }
  return x;
}

export const Gemm: Lowerer = (ctx) => {
  ctx.allow('alpha', 'beta', 'transA', 'transB');
  const x = flatVector(ctx);
  if (ctx.int('transA', 0) !== 0) ctx.fail(`attribute 'transA' 1 is not supported (A is the [N, C] vector)`);
  const transB = ctx.int('transB', 0) !== 0;
  const alpha = ctx.float('alpha', 1);
  const beta = ctx.float('beta', 1);
  const B = ctx.constant(1, 'B matrix');
  const k = x.channels;
  if (B.dims.length !== 2 || B.dims[transB ? 1 : 0] !== k) {
    ctx.fail(`B has shape [${B.dims.join(', ')}]${transB ? ' (transposed)' : ''}, which does not take ${k} inputs`);
  }
  const m = B.dims[transB ? 0 : 1];
  const weight = new Float32Array(m * k);
  for (let o = 0; o < m; o++) for (let i = 0; i < k; i++) weight[o * k + i] = alpha * B.data[transB ? o * k + i : i * m + o];
  let b: Float32Array | null = null;
  if (ctx.input(2)) {
    const C = ctx.constant(2, 'C bias');
    const n = sizeOf(C.dims);
    if (C.dims.length > 2 || (n !== m && n !== 1) || (C.dims.length === 2 && C.dims[0] !== 1)) {
      ctx.fail(`C has shape [${C.dims.join(', ')}], which does not broadcast to [N, ${m}]`);
    }
    b = Float32Array.from({ length: m }, (_, o) => beta * C.data[n === 1 ? 0 : o]);
  }
  return dense(ctx, x, weight, m, b);
};

export const MatMul: Lowerer = (ctx) => {
  ctx.allow();
  const x = flatVector(ctx);
  const B = ctx.constant(1, 'B matrix');
  const k = x.channels;
  if (B.dims.length !== 2 || B.dims[0] !== k) ctx.fail(`B has shape [${B.dims.join(', ')}], which does not take ${k} inputs`);
  const m = B.dims[1];
  const weight = new Float32Array(m * k);
  for (let o = 0; o < m; o++) for (let i = 0; i < k; i++) weight[o * k + i] = B.data[i * m + o];
  return dense(ctx, x, weight, m, null);
};
