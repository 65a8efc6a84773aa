/**
 * Ops on the channel axis and per-channel statistics: Gather of channels,
 * Split, BatchNormalization (inference), GlobalAveragePool and ReduceMean
 * over height and width (squeeze-excitation's pool).
 */
import type { Lowerer } from './context.js';
import { num } from './values.js';

/**
 * Gather on the channel axis with constant indices: after a DCR SpaceToDepth,
 * the permutation to PyTorch's order (what exportOnnx writes for a CRD
 * spaceToDepth) is that node in CRD mode; any other as slices and a concat.
 */
export const GatherChannels: Lowerer = (ctx) => {
  ctx.allow('axis');
  const x = ctx.image(0);
  const axis = ctx.int('axis', 0);
  if (axis !== 1 && axis !== -3) ctx.fail(`gathers axis ${axis} of an image: only channels (axis 1) are supported`);
  const idx = ctx.numbers(1, 'indices');
  const dims = ctx.input(1)?.kind === 'const' || ctx.input(1)?.kind === 'ints' ? (ctx.input(1) as { dims: number[] }).dims : [];
  if (!idx || dims.length !== 1 || idx.length === 0) return ctx.fail(`the indices must be a non-empty 1-D constant`);
  const order = idx.map((i) => {
    const j = i < 0 ? i + x.channels : i;
    if (!Number.isInteger(j) || j < 0 || j >= x.channels) ctx.fail(`index ${i} is out of range for ${x.channels} channels`);
    return j;
  });
  const p = ctx.producer(x.ir);
  if (p?.kind === 'spaceToDepth' && p.mode === 'DCR' && order.length === x.channels) {
    const c = x.channels / (p.r * p.r);
    const crd = order.every((j, o) => j === (o % (p.r * p.r)) * c + Math.floor(o / (p.r * p.r)));
    if (crd) return ctx.tensorValue(ctx.emit({ kind: 'spaceToDepth', inputs: [p.inputs[0]], r: p.r, mode: 'CRD' }), x);
  }
  const runs: [number, number][] = [];
  for (const j of order) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === j) last[1]++;
    else runs.push([j, 1]);
  }
  if (runs.length === 1 && runs[0][0] === 0 && runs[0][1] === x.channels) return x;
  const parts = runs.map(([start, count], i) =>
    start === 0 && count === x.channels
      ? x.ir
      : ctx.emit({ kind: 'sliceChannels', inputs: [x.ir], start, count }, runs.length === 1 ? undefined : `run${i}`),
  );
  const ir = runs.length === 1 ? parts[0] : ctx.emit({ kind: 'concat', inputs: parts });
  return ctx.tensorValue(ir, x, { channels: order.length });
};

/** Split on channels (torch.chunk / torch.split of a feature map): one sliceChannels per output. */
export const Split: Lowerer = (ctx) => {
  ctx.allow('axis', 'split', 'num_outputs');
  const x = ctx.tensor(0);
  const axis = ctx.int('axis', 0);
  if (axis !== 1 && axis !== -x.rank + 1) ctx.fail(`attribute 'axis' ${axis}: only the channel axis is supported`);
  const n = ctx.node.outputs.length;
  // Without sizes: equal parts, the last one smaller when the channels do not divide (ONNX's rule).
  const part = Math.ceil(x.channels / n);
  const given = ctx.attr('split') ? ctx.ints('split', []) : ctx.numbers(1, 'split');
  const sizes = given ?? Array.from({ length: n }, (_, i) => Math.min(part, x.channels - part * i));
  if (sizes.length !== n || sizes.reduce((a, b) => a + b, 0) !== x.channels || sizes.some((c) => !Number.isInteger(c) || c < 1)) {
    ctx.fail(`splits ${x.channels} channels into [${sizes.join(', ')}] for ${n} outputs`);
  }
  let start = 0;
  return sizes.map((count, i) => {
    const ir = ctx.emit({ kind: 'sliceChannels', inputs: [x.ir], start, count }, `split${i}`);
    start += count;
    return ctx.tensorValue(ir, x, { channels: count });
  });
};

/** BatchNormalization in inference: y = x·a + b per channel, a = scale / √(var + ε), b = B − mean·a. */
export const BatchNormalization: Lowerer = (ctx) => {
  ctx.allow('epsilon', 'momentum', 'spatial', 'training_mode');
  if (ctx.int('training_mode', 0) !== 0) ctx.fail(`attribute 'training_mode' 1: only inference is supported`);
  if (ctx.node.outputs.slice(1).some(Boolean)) ctx.fail(`its running statistics outputs are used (training)`);
  const x = ctx.tensor(0);
  const eps = ctx.float('epsilon', 1e-5);
  const [scale, bias, mean, variance] = ['scale', 'B', 'mean', 'var'].map((what, i) => ctx.constant(i + 1, what).data);
  const c = x.channels;
  if ([scale, bias, mean, variance].some((t) => t.length !== c)) ctx.fail(`its scale, B, mean and var must have ${c} values each`);
  const a = Float32Array.from(scale, (s, i) => s / Math.sqrt(variance[i] + eps));
  const b = Float32Array.from(bias, (v, i) => v - mean[i] * a[i]);
  const bad = [...a, ...b].findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) ctx.fail(`its folded ${bad < c ? 'scale' : 'bias'} at channel ${bad % c} is not finite (var + epsilon ≤ 0?)`);
  const ka = ctx.emit({ kind: 'constant', inputs: [], data: a, shape: [1, c, 1, 1] }, 'a');
  const kb = ctx.emit({ kind: 'constant', inputs: [], data: b, shape: [1, c, 1, 1] }, 'b');
  const ax = ctx.emit({ kind: 'binary', inputs: [x.ir, ka], op: 'mul' }, 'ax');
  return ctx.tensorValue(ctx.emit({ kind: 'binary', inputs: [ax, kb], op: 'add' }), x);
};

export const GlobalAveragePool: Lowerer = (ctx) => {
  ctx.allow();
  const x = ctx.image(0);
  const ir = ctx.emit({ kind: 'globalAvgPool', inputs: [x.ir] });
  return ctx.tensorValue(ir, x, { form: 'vector', rank: 4, hw: [num(1), num(1)] });
};

/** ReduceMean over height and width (x.mean((2, 3), keepdim)): a global average pool. */
export const ReduceMean: Lowerer = (ctx) => {
  ctx.allow('axes', 'keepdims', 'noop_with_empty_axes');
  const x = ctx.image(0);
  const axes = (ctx.attr('axes') ? ctx.ints('axes', []) : ctx.numbers(1, 'axes')) ?? [];
  const norm = axes.map((a) => (a < 0 ? a + 4 : a)).sort();
  if (norm.join() !== '2,3') ctx.fail(`axes [${axes.join(', ')}]: only the mean over height and width (axes [2, 3]) is supported`);
  const keep = ctx.int('keepdims', 1) !== 0;
  const ir = ctx.emit({ kind: 'globalAvgPool', inputs: [x.ir] });
  return ctx.tensorValue(ir, x, { form: 'vector', rank: keep ? 4 : 2, hw: [num(1), num(1)] });
};
