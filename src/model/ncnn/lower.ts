/**
 * lowerNcnn: a parsed ncnn net (./param.ts) and its weights (./weights.ts)
 * as a ModelGraph, layer by layer, with every blob's channels and size
 * checked on the way (./context.ts). The graph is the network alone; the
 * family's pre- and post-processing is added by ./family.ts.
 *
 * This file holds the dispatch and the small layers: Input, Split (aliases),
 * Pooling (global average only), PReLU, PixelShuffle, Interp, Concat. The
 * conv-like layers are in ./lower-conv.ts, the arithmetic in
 * ./lower-binary.ts, Crop in ./lower-crop.ts, activations in ./activation.ts.
 */
import type { ModelGraph, UpsampleNodeMode } from '../ir.js';
import { lowerActivationLayer } from './activation.js';
import { Lowering, sameAffine, showAffine, type BlobInfo, type LayerInput } from './context.js';
import { lowerBinaryOp, lowerEltwise, lowerScale } from './lower-binary.js';
import { lowerConvolution, lowerDeconvolution, lowerInnerProduct } from './lower-conv.js';
import { lowerCrop } from './lower-crop.js';
import { floatParam, intParam, type NcnnLayer } from './param.js';
import { ncnnError } from './where.js';
import type { NcnnLayerWeights } from './weights.js';

export interface LoweredNcnn {
  graph: ModelGraph;
  /** The ncnn blob names of the network's input and output. */
  inputBlob: string;
  outputBlob: string;
  /** What is known of every blob (channels, size as a function of the input size). */
  blobs: ReadonlyMap<string, BlobInfo>;
}

const LOWER: Record<string, (io: LayerInput) => void> = {
  Input: lowerInput,
  Split: lowerSplit,
  Convolution: lowerConvolution,
  ConvolutionDepthWise: lowerConvolution,
  Deconvolution: lowerDeconvolution,
  InnerProduct: lowerInnerProduct,
  Pooling: lowerPooling,
  Scale: lowerScale,
  PReLU: lowerPReLU,
  PixelShuffle: lowerPixelShuffle,
  Interp: lowerInterp,
  BinaryOp: lowerBinaryOp,
  Eltwise: lowerEltwise,
  Concat: lowerConcat,
  Crop: lowerCrop,
  ReLU: lowerActivationLayer,
  Sigmoid: lowerActivationLayer,
  Clip: lowerActivationLayer,
  Mish: lowerActivationLayer,
  HardSwish: lowerActivationLayer,
};

export interface LowerNcnnOptions {
  file?: string;
  /** The output blob when several blobs are read by no layer (default: the only such blob). */
  output?: string;
}

/** Lowers the net. Throws ModelError naming the file, layer and parameter. */
export function lowerNcnn(layers: readonly NcnnLayer[], weights: readonly NcnnLayerWeights[], options: LowerNcnnOptions = {}): LoweredNcnn {
  const file = options.file ?? 'model.param';
  const cx = new Lowering(file);
  const inputs = layers.filter((l) => l.type === 'Input');
  if (inputs.length !== 1)
    throw ncnnError(file, inputs[1] ?? null, `the net must have exactly one Input layer (one RGB image), has ${inputs.length}`);
  layers.forEach((layer, i) => LOWER[layer.type]({ cx, layer, weights: weights[i] ?? {} }));

  const read = new Set(layers.flatMap((l) => l.inputs));
  const unread = layers.flatMap((l) => l.outputs).filter((b) => !read.has(b));
  let outputBlob = options.output;
  if (outputBlob === undefined) {
    if (unread.length !== 1)
      throw ncnnError(
        file,
        null,
        `the net must have one output blob (read by no layer), has ${unread.length}: ${unread.slice(0, 8).join(', ')}`,
      );
    outputBlob = unread[0];
  }
  const out = cx.blobs.get(outputBlob);
  if (!out) throw ncnnError(file, null, `the output blob '${outputBlob}' is not in the net`);
  if (out.vector) throw ncnnError(file, null, `the output blob '${outputBlob}' is a 1-D vector, not an image`);
  // Keep only what the output depends on (e.g. an unread Split branch).
  const needed = new Set<string>([out.node]);
  for (let i = cx.nodes.length - 1; i >= 0; i--) if (needed.has(cx.nodes[i].name)) for (const x of cx.nodes[i].inputs) needed.add(x);
  const nodes = cx.nodes.filter((n) => needed.has(n.name) || n.kind === 'input');
  return { graph: { nodes, output: out.node }, inputBlob: inputs[0].outputs[0], outputBlob, blobs: cx.blobs };
}

function lowerInput({ cx, layer }: LayerInput): void {
  const c = intParam(layer, 2, 3);
  if (c !== 3) throw cx.error(layer, `the input has ${c} channels; these models take RGB (3)`, 2, 'c');
  const name = cx.fresh(layer.outputs[0]);
  cx.emit({ kind: 'input', name, inputs: [], channels: 3 });
  cx.define(layer, { node: name, channels: 3, vector: false, h: { a: 1, b: 0 }, w: { a: 1, b: 0 } });
}

function lowerSplit({ cx, layer }: LayerInput): void {
  const x = cx.input(layer, 0);
  layer.outputs.forEach((_, i) => cx.define(layer, x, i));
}

function lowerPooling({ cx, layer }: LayerInput): void {
  const x = cx.image(layer, 0);
  if (intParam(layer, 0, 0) !== 1) throw cx.error(layer, 'only global average pooling (0=1 4=1) is supported', 0, 'pooling_type');
  if (intParam(layer, 4, 0) !== 1) throw cx.error(layer, 'only global average pooling (0=1 4=1) is supported', 4, 'global_pooling');
  if (intParam(layer, 7, 0) !== 0) throw cx.error(layer, 'adaptive pooling is not supported', 7, 'adaptive_pooling');
  const name = cx.fresh(layer.outputs[0]);
  cx.emit({ kind: 'globalAvgPool', name, inputs: [x.node] });
  cx.define(layer, { node: name, channels: x.channels, vector: true, h: { a: 0, b: 1 }, w: { a: 0, b: 1 } });
}

function lowerPReLU({ cx, layer, weights }: LayerInput): void {
  const x = cx.input(layer, 0);
  const slope = weights.slope!;
  if (slope.length !== 1 && slope.length !== x.channels) {
    throw cx.error(layer, `${slope.length} slopes for ${x.channels} channels (one shared slope or one per channel)`, 0, 'num_slope');
  }
  const name = cx.fresh(layer.outputs[0]);
  cx.emit({ kind: 'prelu', name, inputs: [x.node], slope });
  cx.define(layer, { ...x, node: name });
}

function lowerPixelShuffle({ cx, layer }: LayerInput): void {
  const x = cx.image(layer, 0);
  const r = intParam(layer, 0, 1);
  if (r < 1 || r > 16 || x.channels % (r * r) !== 0) {
    throw cx.error(layer, `factor ${r} must be in 1..16 with r² dividing the ${x.channels} input channels`, 0, 'upscale_factor');
  }
  const modeKey = intParam(layer, 1, 0);
  if (modeKey !== 0 && modeKey !== 1) throw cx.error(layer, `mode ${modeKey} is not 0 (PyTorch, CRD) or 1 (DCR)`, 1, 'mode');
  const name = cx.fresh(layer.outputs[0]);
  cx.emit({ kind: 'depthToSpace', name, inputs: [x.node], r, mode: modeKey === 0 ? 'CRD' : 'DCR' });
  cx.define(layer, {
    ...x,
    node: name,
    channels: x.channels / (r * r),
    h: { a: x.h.a * r, b: x.h.b * r },
    w: { a: x.w.a * r, b: x.w.b * r },
  });
}

const INTERP_MODES: Record<number, UpsampleNodeMode> = { 1: 'nearest', 2: 'bilinear', 3: 'bicubic' };

function lowerInterp({ cx, layer }: LayerInput): void {
  const x = cx.image(layer, 0);
  const type = intParam(layer, 0, 0);
  const mode = INTERP_MODES[type];
  if (!mode) throw cx.error(layer, `resize type ${type} is not 1 (nearest), 2 (bilinear) or 3 (bicubic)`, 0, 'resize_type');
  for (const [k, name] of [
    [3, 'output_height'],
    [4, 'output_width'],
    [5, 'dynamic_target_size'],
  ] as const) {
    if (intParam(layer, k, 0) !== 0)
      throw cx.error(layer, 'an output size (rather than a scale) depends on the input size and is not supported', k, name);
  }
  if (intParam(layer, 6, 0) !== 0) throw cx.error(layer, 'align_corner=1 is not supported', 6, 'align_corner');
  // Key 1 is the HEIGHT scale, key 2 the width scale.
  const sh = floatParam(layer, 1, 1);
  const sw = floatParam(layer, 2, 1);
  for (const [k, name, s] of [
    [1, 'height_scale', sh],
    [2, 'width_scale', sw],
  ] as const) {
    if (!(s > 0 && s <= 64)) throw cx.error(layer, `scale ${s} must be in (0, 64]`, k, name);
    // ncnn's bicubic weights at the first/last output pixels differ from clamp-to-edge when enlarging.
    if (mode === 'bicubic' && s > 1)
      throw cx.error(layer, `bicubic enlarging (scale ${s}) treats the border unlike clamp-to-edge and is not supported`, k, name);
  }
  const name = cx.fresh(layer.outputs[0]);
  cx.emit({ kind: 'upsample', name, inputs: [x.node], size: [sh, sw], mode, ...(mode === 'bicubic' ? { cubicCoeffA: -0.75 } : {}) });
  cx.define(layer, { ...x, node: name, h: { a: x.h.a * sh, b: x.h.b * sh }, w: { a: x.w.a * sw, b: x.w.b * sw } });
}

function lowerConcat({ cx, layer }: LayerInput): void {
  const xs = layer.inputs.map((_, i) => cx.input(layer, i));
  const axis = intParam(layer, 0, 0);
  if (axis !== 0) throw cx.error(layer, `axis ${axis}: only the channel axis (0) is supported`, 0, 'axis');
  for (let i = 1; i < xs.length; i++) {
    if (xs[i].vector !== xs[0].vector) throw cx.error(layer, `mixes a vector and an image ('${layer.inputs[0]}', '${layer.inputs[i]}')`);
    if (!sameAffine(xs[i].h, xs[0].h) || !sameAffine(xs[i].w, xs[0].w)) {
      throw cx.error(
        layer,
        `joins '${layer.inputs[0]}' (${showAffine(xs[0].h)}) and '${layer.inputs[i]}' (${showAffine(xs[i].h)}): the sizes differ`,
      );
    }
  }
  const channels = xs.reduce((c, x) => c + x.channels, 0);
  if (xs.length === 1) {
    cx.define(layer, xs[0]);
    return;
  }
  const name = cx.fresh(layer.outputs[0]);
  cx.emit({ kind: 'concat', name, inputs: xs.map((x) => x.node) });
  cx.define(layer, { ...xs[0], node: name, channels });
}
