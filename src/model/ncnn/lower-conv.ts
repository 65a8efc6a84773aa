/**
 * Convolution, ConvolutionDepthWise, Deconvolution and InnerProduct as IR
 * conv / convTranspose nodes.
 *
 * Keys: 0 num_output; 1 kernel_w (11 kernel_h); 2 dilation_w (12); 3 stride_w
 * (13); pads 4 left, 14 top, 15 right, 16 bottom (each defaulting to its
 * mirror: top ← left, right ← left, bottom ← top); 18 the pad value
 * (Convolution) or output_pad_right (Deconvolution, 19 bottom); 5 bias;
 * 6 weight count; 7 groups (ConvolutionDepthWise); 9/10 activation.
 *
 * Convolution pads that are asymmetric or not zero become a 'pad' node. −233
 * / −234 (SAME_UPPER / SAME_LOWER) pad dilation·(k−1) in total at stride 1;
 * at larger strides the split depends on the input size and is refused.
 *
 * Deconvolution: ncnn computes the full output (n−1)·s + d(k−1) + 1 +
 * output_pad, then cuts pad_left/top from the start and pad_right/bottom from
 * the end. PyTorch's ConvTranspose2d cuts p from both ends and adds
 * output_padding at the end, so the smaller cut goes in `padding` and the rest
 * is a 'crop' node. ncnn stores Deconvolution weights [out][in][kh][kw];
 * PyTorch's layout is [in][out][kh][kw]: the first two axes are swapped (no
 * kernel flip).
 *
 * InnerProduct reads a 1-D vector (after global pooling) and is a 1×1 conv on
 * the IR's [N, C, 1, 1]; on an image it would flatten C·H·W, which depends on
 * the input size, and is refused.
 */
import { finishActivation, fusedActivation } from './activation.js';
import type { Affine, LayerInput } from './context.js';
import { floatParam, intParam } from './param.js';

const MAX_CHANNELS = 65536;
const MAX_KERNEL = 64;
const MAX_PAD = 4096;

interface Axis {
  kernel: number;
  dilation: number;
  stride: number;
  /** Raw pads from the file (start, end). */
  start: number;
  end: number;
}

function bounded(io: LayerInput, key: number, keyName: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw io.cx.error(io.layer, `must be an integer in ${min}..${max}, got ${value}`, key, keyName);
  }
  return value;
}

/** Kernel, dilation, stride and raw pads of both axes, with ncnn's defaults, bounded. */
function axes(io: LayerInput): { h: Axis; w: Axis } {
  const { layer } = io;
  const k = (key: number, name: string, def: number, min: number, max: number) =>
    bounded(io, key, name, intParam(layer, key, def), min, max);
  const kw = k(1, 'kernel_w', 0, 1, MAX_KERNEL);
  const dw = k(2, 'dilation_w', 1, 1, MAX_KERNEL);
  const sw = k(3, 'stride_w', 1, 1, MAX_KERNEL);
  const pl = k(4, 'pad_left', 0, -234, MAX_PAD);
  const pt = k(14, 'pad_top', pl, -234, MAX_PAD);
  const w: Axis = { kernel: kw, dilation: dw, stride: sw, start: pl, end: k(15, 'pad_right', pl, -234, MAX_PAD) };
  const h: Axis = {
    kernel: k(11, 'kernel_h', kw, 1, MAX_KERNEL),
    dilation: k(12, 'dilation_h', dw, 1, MAX_KERNEL),
    stride: k(13, 'stride_h', sw, 1, MAX_KERNEL),
    start: pt,
    end: k(16, 'pad_bottom', pt, -234, MAX_PAD),
  };
  return { h, w };
}

const extent = (a: Axis): number => a.dilation * (a.kernel - 1) + 1;

/** Convolution pads [start, end] per axis, with SAME_UPPER/SAME_LOWER resolved where that is size-independent. */
function convPads(io: LayerInput, h: Axis, w: Axis): { h: [number, number]; w: [number, number] } {
  const raw = [w.start, h.start, w.end, h.end];
  const same = raw.find((p) => p === -233 || p === -234);
  const bad = raw.find((p) => p < 0 && p !== -233 && p !== -234);
  if (bad !== undefined) throw io.cx.error(io.layer, `pad ${bad} is negative (only −233 / −234, SAME_UPPER / SAME_LOWER, are)`, 4, 'pads');
  if (same === undefined) return { h: [h.start, h.end], w: [w.start, w.end] };
  if (raw.some((p) => p > 0)) throw io.cx.error(io.layer, `mixes explicit pads with ${same} (SAME padding)`, 4, 'pads');
  if (h.stride !== 1 || w.stride !== 1) {
    throw io.cx.error(
      io.layer,
      `SAME padding (${same}) at stride ${h.stride}×${w.stride} splits the padding by the input size; only stride 1 is supported`,
      4,
      'pads',
    );
  }
  // ncnn: total = extent − 1; SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the start.
  const split = (a: Axis): [number, number] => {
    const total = extent(a) - 1;
    const small = Math.floor(total / 2);
    return same === -233 ? [small, total - small] : [total - small, small];
  };
  return { h: split(h), w: split(w) };
}

function outputs(io: LayerInput): number {
  return bounded(io, 0, 'num_output', intParam(io.layer, 0, 0), 1, MAX_CHANNELS);
}

function checkWeightCount(io: LayerInput, key: number, expected: number, shape: string): void {
  const given = intParam(io.layer, key, 0);
  if (given !== expected) {
    throw io.cx.error(io.layer, `weight count ${given} does not match ${shape} = ${expected}`, key, 'weight_data_size');
  }
}

export function lowerConvolution(io: LayerInput): void {
  const { cx, layer, weights } = io;
  const x = cx.image(layer, 0);
  const cout = outputs(io);
  const groups = layer.type === 'ConvolutionDepthWise' ? bounded(io, 7, 'group', intParam(layer, 7, 1), 1, MAX_CHANNELS) : 1;
  if (x.channels % groups !== 0 || cout % groups !== 0) {
    throw cx.error(layer, `${groups} groups do not divide ${x.channels} input and ${cout} output channels`, 7, 'group');
  }
  const { h, w } = axes(io);
  const cin = x.channels / groups;
  checkWeightCount(io, 6, cout * cin * h.kernel * w.kernel, `${cout}·${cin}·${h.kernel}·${w.kernel} ([out][in/groups][kh][kw])`);
  const pads = convPads(io, h, w);
  const padValue = floatParam(layer, 18, 0);
  const act = fusedActivation(io);

  let input = x.node;
  let padding: [number, number] = [pads.h[0], pads.w[0]];
  const symmetric = pads.h[0] === pads.h[1] && pads.w[0] === pads.w[1];
  if (!symmetric || (padValue !== 0 && pads.h.concat(pads.w).some((p) => p > 0))) {
    input = cx.emit({
      kind: 'pad',
      name: cx.fresh(`${layer.outputs[0]}:pad`),
      inputs: [x.node],
      pads: [pads.h[0], pads.h[1], pads.w[0], pads.w[1]],
      mode: 'constant',
      value: padValue,
    }).name;
    padding = [0, 0];
  }
  const conv = cx.emit({
    kind: 'conv',
    name: cx.fresh(act.node ? `${layer.outputs[0]}:conv` : layer.outputs[0]),
    inputs: [input],
    weight: weights.weight!,
    weightShape: [cout, cin, h.kernel, w.kernel],
    bias: biasOf(io, cout),
    stride: [h.stride, w.stride],
    dilation: [h.dilation, w.dilation],
    padding,
    ...(groups > 1 ? { groups } : {}),
    ...act.fused,
  });
  const size = (s: Affine, a: Axis, p: [number, number]): Affine => ({
    a: s.a / a.stride,
    b: (s.b + p[0] + p[1] - extent(a)) / a.stride + 1,
  });
  finishActivation(io, act, conv.name, { channels: cout, vector: false, h: size(x.h, h, pads.h), w: size(x.w, w, pads.w) });
}

function biasOf({ cx, layer, weights }: LayerInput, count: number): Float32Array | null {
  if (!weights.bias) return null;
  if (weights.bias.length !== count) throw cx.error(layer, `bias has ${weights.bias.length} values for ${count} outputs`, 0, 'num_output');
  return weights.bias;
}

/** ncnn [out][in][kh][kw] → PyTorch ConvTranspose2d [in][out][kh][kw]. */
function swapOutIn(w: Float32Array, cout: number, cin: number, k: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < cin; i++) out.set(w.subarray((o * cin + i) * k, (o * cin + i + 1) * k), (i * cout + o) * k);
  return out;
}

export function lowerDeconvolution(io: LayerInput): void {
  const { cx, layer, weights } = io;
  const x = cx.image(layer, 0);
  const cout = outputs(io);
  const cin = x.channels;
  const { h, w } = axes(io);
  checkWeightCount(io, 6, cout * cin * h.kernel * w.kernel, `${cout}·${cin}·${h.kernel}·${w.kernel} ([out][in][kh][kw])`);
  const raw = [w.start, h.start, w.end, h.end];
  if (raw.some((p) => p < 0)) {
    throw cx.error(
      layer,
      `negative pads (${raw.join(', ')}; −233/−234 = SAME with an output size) depend on the input size and are not supported`,
      4,
      'pads',
    );
  }
  const opw = bounded(io, 18, 'output_pad_right', intParam(layer, 18, 0), 0, MAX_KERNEL);
  const oph = bounded(io, 19, 'output_pad_bottom', intParam(layer, 19, opw), 0, MAX_KERNEL);
  // ncnn uses output_w/h (20/21) only when no pad is positive; then they fix the size whatever the input.
  if ((intParam(layer, 20, 0) !== 0 || intParam(layer, 21, 0) !== 0) && raw.every((p) => p === 0)) {
    throw cx.error(layer, 'a fixed output size depends on the input size and is not supported', 20, 'output_w');
  }
  const act = fusedActivation(io);

  // Per axis: PyTorch padding p (both ends), output padding, and the crop left over.
  const plan = (a: Axis, op: number, key: number) => {
    const cutEnd = a.end - op;
    if (cutEnd >= 0) {
      const p = Math.min(a.start, cutEnd);
      return { p, op: 0, begin: a.start - p, end: cutEnd - p };
    }
    if (-cutEnd >= Math.max(a.stride, a.dilation)) {
      throw cx.error(
        layer,
        `output padding ${op} beyond pad ${a.end} must be < max(stride ${a.stride}, dilation ${a.dilation})`,
        key,
        key === 18 ? 'output_pad_right' : 'output_pad_bottom',
      );
    }
    return { p: 0, op: -cutEnd, begin: a.start, end: 0 };
  };
  const ph = plan(h, oph, 19);
  const pw = plan(w, opw, 18);
  const cropped = ph.begin + ph.end + pw.begin + pw.end > 0;
  const deconv = cx.emit({
    kind: 'convTranspose',
    name: cx.fresh(cropped || act.node ? `${layer.outputs[0]}:deconv` : layer.outputs[0]),
    inputs: [x.node],
    weight: swapOutIn(weights.weight!, cout, cin, h.kernel * w.kernel),
    weightShape: [cin, cout, h.kernel, w.kernel],
    bias: biasOf(io, cout),
    stride: [h.stride, w.stride],
    dilation: [h.dilation, w.dilation],
    padding: [ph.p, pw.p],
    outputPadding: [ph.op, pw.op],
    ...act.fused,
  });
  let node = deconv.name;
  if (cropped) {
    node = cx.emit({
      kind: 'crop',
      name: cx.fresh(act.node ? `${layer.outputs[0]}:crop` : layer.outputs[0]),
      inputs: [node],
      begin: [ph.begin, pw.begin],
      end: [ph.end, pw.end],
    }).name;
  }
  const size = (s: Affine, a: Axis, op: number): Affine => ({
    a: s.a * a.stride,
    b: (s.b - 1) * a.stride + extent(a) + op - a.start - a.end,
  });
  finishActivation(io, act, node, { channels: cout, vector: false, h: size(x.h, h, oph), w: size(x.w, w, opw) });
}

export function lowerInnerProduct(io: LayerInput): void {
  const { cx, layer, weights } = io;
  const x = cx.input(layer, 0);
  if (!x.vector) {
    throw cx.error(
      layer,
      `reads an image ('${layer.inputs[0]}'): InnerProduct flattens C·H·W, which depends on the input size; only a pooled vector is supported`,
    );
  }
  const cout = outputs(io);
  checkWeightCount(io, 2, cout * x.channels, `${cout}·${x.channels} ([out][in])`);
  const act = fusedActivation(io);
  const conv = cx.emit({
    kind: 'conv',
    name: cx.fresh(act.node ? `${layer.outputs[0]}:fc` : layer.outputs[0]),
    inputs: [x.node],
    weight: weights.weight!,
    weightShape: [cout, x.channels, 1, 1],
    bias: biasOf(io, cout),
    stride: [1, 1],
    dilation: [1, 1],
    padding: [0, 0],
    ...act.fused,
  });
  finishActivation(io, act, conv.name, { ...x, channels: cout });
}
