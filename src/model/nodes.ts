/**
 * The node table: one row per graph node kind (src/model/ir.ts), and the only
 * place a kind's meaning lives. Each row has every column, so a new kind does
 * not typecheck until it has all of them:
 *
 *   - analyse:   the output's facts (channels, resolution factor,
 *                vector/global) from the inputs' facts; throws ModelError for
 *                a graph that cannot run (wrong channel counts, joins of
 *                different resolutions, …), before any GPU work;
 *   - reads:     along one axis, which positions of each input the outputs
 *                lo…hi read (interior positions, padding ignored): the
 *                receptive field, exact, that tiling's overlap comes from
 *                (receptiveRadius in ./graph.ts carries it back to the input);
 *   - constants: the tensors the node needs on a backend (weights, slopes),
 *                made once when the graph is prepared;
 *   - run:       the node on a backend (the engine's ops or the CPU
 *                references: both are GraphOps, the same op table);
 *   - onnx:      its ONNX nodes (exportOnnx, the CPU backend's model);
 *   - fuse:      whether it folds into the epilogue of the conv before it
 *                (activation → outputScale → depth-to-space store → residual).
 *
 * To add a node kind `foo`:
 *   1. its type in the GraphNode union (src/model/ir.ts);
 *   2. a row `foo: { analyse, reads, constants, run, onnx, fuse }` below — `npm run typecheck`
 *      fails until the row exists with all six columns; the ops it runs must be
 *      rows of the op table (src/registry/table.ts) listed in GraphOps;
 *   3. a loader that emits it, and a test that runs a graph with it on the CPU
 *      references and on the engine (test/graph-nodes.test.ts) and through ONNX Runtime.
 */
import type { ActivationName } from '../ops/activation.js';
import type { Conv2dOptions } from '../ops/conv2d.js';
import type { ConvTranspose2dOptions } from '../ops/conv-transpose2d.js';
import type { Shaped } from '../registry/define.js';
import type { DepthToSpaceMode, DepthToSpaceOptions } from '../ops/depth-to-space.js';
import type { Shape } from '../core/params.js';
import type { BicubicOptions, UpsampleOptions } from '../ops/upsample.js';
import type { OnnxAttr, OnnxInt64Tensor, OnnxNode, OnnxTensor } from '../onnx/proto.js';
import { ModelError } from './errors.js';
import type { BinaryOpName, ConvNode, ConvTransposeNode, GraphNodeKind, NodeOf, PadMode, TensorInfo } from './ir.js';

/**
 * The rows of the op table a graph uses, on tensors of type T. An Engine
 * (T = Tensor) and the CPU references (`cpuOps`, T = CpuTensor) both have them,
 * from the same table.
 */
export interface GraphOps<T> {
  conv2d(x: T, weight: T, bias: T | null, options?: Conv2dOptions<T>): T;
  convTranspose2d(x: T, weight: T, bias: T | null, options?: ConvTranspose2dOptions<T>): T;
  relu(x: T): T;
  leakyRelu(x: T, negativeSlope?: number): T;
  sigmoid(x: T): T;
  tanh(x: T): T;
  crelu(x: T): T;
  prelu(x: T, slope: T): T;
  clip(x: T, options: { min: number; max: number }): T;
  mish(x: T): T;
  hardSwish(x: T, options?: { alpha?: number; beta?: number }): T;
  mul(x: T, scalar: number): T;
  add(a: T, b: T): T;
  binary(a: T, b: T, options: { op: BinaryOpName }): T;
  concat(xs: readonly T[]): T;
  depthToSpace(x: T, r: number, options?: DepthToSpaceOptions): T;
  spaceToDepth(x: T, r: number, options?: DepthToSpaceOptions): T;
  upsample(x: T, options: UpsampleOptions & BicubicOptions): T;
  pad2d(x: T, options: { pads: readonly [number, number, number, number]; mode?: PadMode; value?: number }): T;
  crop2d(x: T, options: { top: number; left: number; height: number; width: number }): T;
  sliceChannels(x: T, start: number, count: number): T;
  globalAvgPool(x: T): T;
}

/** A constant a node needs, made once per backend. */
export interface NodeConstant {
  data: Float32Array;
  shape: Shape;
}

/** What a row's run sees besides its inputs: the ops, and its own constants by key. */
export interface RunContext<T> {
  readonly ops: GraphOps<T>;
  constant(key: string): T;
  /** Frees an intermediate the row made itself (e.g. partial sums). */
  dispose(t: T): void;
}

/** Where a row's ONNX nodes go. Initializer names must be unique: prefix them with the node's name. */
export interface OnnxContext {
  readonly nodes: OnnxNode[];
  readonly init: Record<string, OnnxTensor | OnnxInt64Tensor>;
  /** Channels of a tensor of the graph, by name. */
  channels(name: string): number;
}

/** A conv (or transposed conv) with what follows it folded into its epilogue. */
export interface ConvStep {
  kind: 'conv';
  conv: ConvNode | ConvTransposeNode;
  /** Name the step's result is known by (the last node folded in, else the conv). */
  output: string;
  /** A PReLU folded in as the activation; its slopes are its own constant 'slope'. */
  prelu?: NodeOf<'prelu'>;
  scale?: number;
  depthToSpace?: { r: number; mode: DepthToSpaceMode };
  residual?: string;
}

/** Positions lo…hi (inclusive) along one axis of a tensor, in its own pixels. */
export type Interval = readonly [lo: number, hi: number];

/** One row of the node table. */
export interface NodeKind<K extends GraphNodeKind> {
  analyse(node: NodeOf<K>, ins: readonly TensorInfo[]): TensorInfo;
  /**
   * Along `axis` (0 = height, 1 = width): the positions of each input that outputs `out` read, or null for
   * an input whose pixels it does not read by position (a crop's size reference). Vector inputs are skipped
   * by the caller, whatever is returned for them.
   */
  reads(node: NodeOf<K>, out: Interval, axis: 0 | 1): readonly (Interval | null)[];
  constants(node: NodeOf<K>): Record<string, NodeConstant>;
  run<T extends Shaped>(node: NodeOf<K>, ins: readonly T[], ctx: RunContext<T>): T;
  onnx(node: NodeOf<K>, ctx: OnnxContext): void;
  /**
   * Folds `node` (the sole reader of `step.output`) into the step's epilogue and
   * returns true, or returns false. `earlier(name)`: whether tensor `name` exists
   * before the step runs (a residual must).
   */
  fuse(node: NodeOf<K>, step: ConvStep, earlier: (name: string) => boolean): boolean;
}

const never = (): boolean => false;
const none = (): Record<string, NodeConstant> => ({});
const fail = (node: { name: string; kind: string }, what: string): never => {
  throw new ModelError(`layer '${node.name}' (${node.kind}): ${what}`);
};

/** Facts of an image tensor that keeps its input's resolution. */
const same = (ins: readonly TensorInfo[]): TensorInfo => ({ ...ins[0] });
/** An element-wise node: output position p reads position p of every input. */
const pointwise = (node: { inputs: readonly string[] }, out: Interval): Interval[] => node.inputs.map(() => out);
/** A node without inputs. */
const nothing = (): Interval[] => [];

function spatial(node: { name: string; kind: string }, x: TensorInfo, what: string): void {
  if (x.vector) fail(node, `${what} needs an image tensor, got a [N, C, 1, 1] vector`);
}

/** Joins tensors that must share resolution (image with image; vectors broadcast over images). */
function join(node: { name: string; kind: string }, ins: readonly TensorInfo[]): Omit<TensorInfo, 'channels'> {
  const images = ins.filter((i) => !i.vector);
  const factor = images[0]?.factor ?? 1;
  if (images.some((i) => i.factor !== factor)) {
    fail(node, `joins tensors of different resolutions (×${images.map((i) => i.factor).join(', ×')})`);
  }
  return {
    factor,
    ...(images.length === 0 ? { vector: true } : {}),
    ...(ins.some((i) => i.global) ? { global: true } : {}),
  };
}

function convFacts(node: ConvNode | ConvTransposeNode, x: TensorInfo): { cIn: number; cOut: number; groups: number } {
  const groups = node.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) fail(node, `groups ${groups} must be a positive integer`);
  const [a, b] = node.weightShape;
  const cIn = node.kind === 'conv' ? b * groups : a;
  const cOut = node.kind === 'conv' ? a : b * groups;
  if (cIn !== x.channels) fail(node, `weight ${JSON.stringify(node.weightShape)} takes ${cIn} input channels, its input has ${x.channels}`);
  if (cIn % groups !== 0 || cOut % groups !== 0) fail(node, `groups ${groups} must divide ${cIn} input and ${cOut} output channels`);
  if (node.bias && node.bias.length !== cOut) fail(node, `bias has ${node.bias.length} values for ${cOut} output channels`);
  return { cIn, cOut, groups };
}

function activationChannels(fn: ActivationName): number {
  return fn === 'crelu' ? 2 : 1;
}

/** An activation as a table op; the input itself for 'none'. */
function activate<T>(ops: GraphOps<T>, fn: ActivationName, x: T, negativeSlope: number | undefined): T {
  switch (fn) {
    case 'none':
      return x;
    case 'relu':
      return ops.relu(x);
    case 'leakyRelu':
      return ops.leakyRelu(x, negativeSlope);
    case 'sigmoid':
      return ops.sigmoid(x);
    case 'tanh':
      return ops.tanh(x);
    case 'crelu':
      return ops.crelu(x);
    default: {
      const unknown: never = fn;
      throw new ModelError(`activation '${String(unknown)}' has no op in the graph walker`);
    }
  }
}

/** The ONNX nodes of one activation, reading `input` and writing `output`. */
function onnxActivation(fn: Exclude<ActivationName, 'none'>, input: string, output: string, negativeSlope = 0.01): OnnxNode[] {
  switch (fn) {
    case 'relu':
      return [{ op: 'Relu', inputs: [input], outputs: [output] }];
    case 'leakyRelu':
      return [{ op: 'LeakyRelu', inputs: [input], outputs: [output], attrs: { alpha: { f: negativeSlope } } }];
    case 'sigmoid':
      return [{ op: 'Sigmoid', inputs: [input], outputs: [output] }];
    case 'tanh':
      return [{ op: 'Tanh', inputs: [input], outputs: [output] }];
    case 'crelu':
      // Channel co gets relu(v), channel C + co gets relu(−v) (src/ops/activation.ts).
      return [
        { op: 'Relu', inputs: [input], outputs: [`${output}:pos`] },
        { op: 'Neg', inputs: [input], outputs: [`${output}:neg`] },
        { op: 'Relu', inputs: [`${output}:neg`], outputs: [`${output}:negRelu`] },
        { op: 'Concat', inputs: [`${output}:pos`, `${output}:negRelu`], outputs: [output], attrs: { axis: 1 } },
      ];
    default: {
      const unknown: never = fn;
      throw new ModelError(`exportOnnx: activation '${String(unknown)}' has no ONNX form`);
    }
  }
}

/** A conv's ONNX nodes: the conv, then its activation (if any) writing the node's name. */
function onnxConv(node: ConvNode | ConvTransposeNode, ctx: OnnxContext): void {
  ctx.init[`${node.name}:W`] = { data: node.weight, shape: [...node.weightShape] };
  if (node.bias) ctx.init[`${node.name}:B`] = { data: node.bias, shape: [node.bias.length] };
  const [pH, pW] = node.padding;
  const out = node.activation === 'none' ? node.name : `${node.name}:pre`;
  const attrs: Record<string, OnnxAttr> = {
    kernel_shape: node.weightShape.slice(2),
    strides: node.stride,
    dilations: node.dilation,
    pads: [pH, pW, pH, pW],
    group: node.groups ?? 1,
  };
  if (node.kind === 'convTranspose') attrs.output_padding = node.outputPadding;
  ctx.nodes.push({
    op: node.kind === 'conv' ? 'Conv' : 'ConvTranspose',
    inputs: [node.inputs[0], `${node.name}:W`, ...(node.bias ? [`${node.name}:B`] : [])],
    outputs: [out],
    attrs,
  });
  if (node.activation !== 'none') ctx.nodes.push(...onnxActivation(node.activation, out, node.name, node.negativeSlope));
}

/** An int64 initializer (shapes, pads, slice bounds). */
function int64(ctx: OnnxContext, name: string, values: readonly number[]): string {
  ctx.init[name] = { int64: [...values], shape: [values.length] };
  return name;
}

function scalar(ctx: OnnxContext, name: string, v: number): string {
  ctx.init[name] = { data: Float32Array.of(v), shape: [] };
  return name;
}

const ONNX_BINARY: Record<BinaryOpName, string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', max: 'Max', min: 'Min', pow: 'Pow' };

/** Resolution-changing facts of a kernel-k, stride-s, dilation-d conv over x. */
function convFactsOf(node: ConvNode, x: TensorInfo): TensorInfo {
  if (node.stride[0] !== node.stride[1]) fail(node, `stride ${JSON.stringify(node.stride)} differs between height and width`);
  const { cOut } = convFacts(node, x);
  if (x.vector) {
    if (node.weightShape[2] !== 1 || node.weightShape[3] !== 1 || node.padding.some((p) => p !== 0)) {
      fail(node, `a ${node.weightShape[2]}×${node.weightShape[3]} conv cannot run on a [N, C, 1, 1] vector (only 1×1, unpadded)`);
    }
    return { ...x, channels: cOut * activationChannels(node.activation) };
  }
  return { ...x, channels: cOut * activationChannels(node.activation), factor: x.factor / node.stride[0] };
}

/** Output o of a conv reads inputs o·s − p + kk·d, kk = 0 … k−1. */
function convReads(node: ConvNode, [lo, hi]: Interval, a: 0 | 1): Interval[] {
  const [s, p, d, k] = [node.stride[a], node.padding[a], node.dilation[a], node.weightShape[2 + a]];
  return [[lo * s - p, hi * s - p + d * (k - 1)]];
}

/** Output j of a transposed conv gathers inputs i with i·s − p + kk·d = j, kk = 0 … k−1. */
function convTransposeReads(node: ConvTransposeNode, [lo, hi]: Interval, a: 0 | 1): Interval[] {
  const [s, p, d, k] = [node.stride[a], node.padding[a], node.dilation[a], node.weightShape[2 + a]];
  return [[Math.ceil((lo + p - d * (k - 1)) / s), Math.floor((hi + p) / s)]];
}

/**
 * Resampling by s: nearest reads ⌊o/s⌋; bilinear and bicubic (half-pixel) read around src = (o + ½)/s − ½,
 * ⌊src⌋ … ⌊src⌋ + 1 and ⌊src⌋ − 1 … ⌊src⌋ + 2 (src/core/resample.ts). Both ways of rounding 1/s are
 * covered, so a tie that float arithmetic puts on either side is inside.
 */
function upsampleReads(node: NodeOf<'upsample'>, [lo, hi]: Interval, a: 0 | 1): Interval[] {
  const s = node.size[a];
  const mode = node.mode ?? 'nearest';
  const src = (o: number): number[] =>
    mode === 'nearest'
      ? [Math.floor(o / s), Math.floor(o * (1 / s))]
      : [Math.floor((o + 0.5) / s - 0.5), Math.floor((o + 0.5) * (1 / s) - 0.5)];
  const [before, after] = mode === 'bicubic' ? [1, 2] : mode === 'bilinear' ? [0, 1] : [0, 0];
  return [[Math.min(...src(lo)) - before, Math.max(...src(hi)) + after]];
}

/** Epilogue stages in the order the kernel applies them; a node folds only into a later stage than those used. */
function fuseActivation(fn: ActivationName, negativeSlope: number | undefined, step: ConvStep): boolean {
  if (step.conv.activation !== 'none' || step.prelu || step.scale !== undefined || step.depthToSpace || step.residual) return false;
  step.conv = { ...step.conv, activation: fn, ...(negativeSlope === undefined ? {} : { negativeSlope }) };
  return true;
}

type Table = { [K in GraphNodeKind]: NodeKind<K> };

export const NODES: Table = {
  input: {
    analyse: (n) => {
      if (!Number.isInteger(n.channels) || n.channels < 1) fail(n, `channels ${n.channels} must be a positive integer`);
      return { channels: n.channels, factor: 1 };
    },
    reads: nothing,
    constants: none,
    // The walker feeds the graph's input; a row never runs for it.
    run: (n) => fail(n, 'the input is fed by the caller'),
    onnx: () => {},
    fuse: never,
  },

  conv: {
    analyse: (n, [x]) => convFactsOf(n, x),
    reads: convReads,
    constants: (n) => ({ w: { data: n.weight, shape: n.weightShape }, ...(n.bias ? { b: { data: n.bias, shape: [n.bias.length] } } : {}) }),
    run: (n, [x], ctx) =>
      ctx.ops.conv2d(x, ctx.constant('w'), n.bias ? ctx.constant('b') : null, {
        stride: n.stride,
        padding: n.padding,
        dilation: n.dilation,
        groups: n.groups ?? 1,
        activation: n.activation,
        ...(n.negativeSlope === undefined ? {} : { negativeSlope: n.negativeSlope }),
      }),
    onnx: onnxConv,
    fuse: never,
  },

  convTranspose: {
    analyse: (n, [x]) => {
      spatial(n, x, 'a transposed convolution');
      const { cOut } = convFacts(n, x);
      if (n.stride[0] !== n.stride[1]) fail(n, `stride ${JSON.stringify(n.stride)} differs between height and width`);
      return { ...x, channels: cOut * activationChannels(n.activation), factor: x.factor * n.stride[0] };
    },
    reads: convTransposeReads,
    constants: (n) => ({ w: { data: n.weight, shape: n.weightShape }, ...(n.bias ? { b: { data: n.bias, shape: [n.bias.length] } } : {}) }),
    run: (n, [x], ctx) =>
      ctx.ops.convTranspose2d(x, ctx.constant('w'), n.bias ? ctx.constant('b') : null, {
        stride: n.stride,
        padding: n.padding,
        outputPadding: n.outputPadding,
        dilation: n.dilation,
        groups: n.groups ?? 1,
        activation: n.activation,
        ...(n.negativeSlope === undefined ? {} : { negativeSlope: n.negativeSlope }),
      }),
    onnx: onnxConv,
    fuse: never,
  },

  activation: {
    // crelu concatenates relu(x) and relu(−x): twice the channels.
    analyse: (n, [x]) => ({ ...x, channels: x.channels * activationChannels(n.fn) }),
    reads: pointwise,
    constants: none,
    run: (n, [x], ctx) => activate(ctx.ops, n.fn, x, n.negativeSlope),
    onnx: (n, ctx) =>
      ctx.nodes.push(
        ...(n.fn === 'none'
          ? [{ op: 'Identity', inputs: n.inputs, outputs: [n.name] }]
          : onnxActivation(n.fn, n.inputs[0], n.name, n.negativeSlope)),
      ),
    fuse: (n, step) => fuseActivation(n.fn, n.negativeSlope, step),
  },

  clip: {
    analyse: (n, ins) => {
      if (!(n.min <= n.max)) fail(n, `min ${n.min} must be ≤ max ${n.max}`);
      return same(ins);
    },
    reads: pointwise,
    constants: none,
    run: (n, [x], ctx) => ctx.ops.clip(x, { min: n.min, max: n.max }),
    onnx: (n, ctx) =>
      ctx.nodes.push({
        op: 'Clip',
        inputs: [n.inputs[0], scalar(ctx, `${n.name}:min`, n.min), scalar(ctx, `${n.name}:max`, n.max)],
        outputs: [n.name],
      }),
    fuse: never,
  },

  mish: {
    analyse: (_, ins) => same(ins),
    reads: pointwise,
    constants: none,
    run: (_, [x], ctx) => ctx.ops.mish(x),
    // Mish is opset 18; x·tanh(softplus(x)) is the same function in opset 17.
    onnx: (n, ctx) =>
      ctx.nodes.push(
        { op: 'Softplus', inputs: [n.inputs[0]], outputs: [`${n.name}:sp`] },
        { op: 'Tanh', inputs: [`${n.name}:sp`], outputs: [`${n.name}:t`] },
        { op: 'Mul', inputs: [n.inputs[0], `${n.name}:t`], outputs: [n.name] },
      ),
    fuse: never,
  },

  hardSwish: {
    analyse: (_, ins) => same(ins),
    reads: pointwise,
    constants: none,
    run: (n, [x], ctx) => ctx.ops.hardSwish(x, { alpha: n.alpha, beta: n.beta }),
    // HardSigmoid(alpha, beta) = clamp(alpha·x + beta, 0, 1): any alpha and beta, unlike HardSwish's fixed 1/6, 1/2.
    onnx: (n, ctx) =>
      ctx.nodes.push(
        { op: 'HardSigmoid', inputs: [n.inputs[0]], outputs: [`${n.name}:g`], attrs: { alpha: { f: n.alpha }, beta: { f: n.beta } } },
        { op: 'Mul', inputs: [n.inputs[0], `${n.name}:g`], outputs: [n.name] },
      ),
    fuse: never,
  },

  prelu: {
    analyse: (n, ins) => {
      if (n.slope.length !== 1 && n.slope.length !== ins[0].channels) {
        fail(n, `${n.slope.length} slopes for ${ins[0].channels} channels (1 or one per channel)`);
      }
      return same(ins);
    },
    reads: pointwise,
    constants: (n) => ({ slope: { data: n.slope, shape: [n.slope.length] } }),
    run: (_, [x], ctx) => ctx.ops.prelu(x, ctx.constant('slope')),
    onnx: (n, ctx) => {
      // ONNX broadcasts the slope NumPy-style: [C, 1, 1] is per channel.
      ctx.init[`${n.name}:slope`] = { data: n.slope, shape: n.slope.length === 1 ? [1] : [n.slope.length, 1, 1] };
      ctx.nodes.push({ op: 'PRelu', inputs: [n.inputs[0], `${n.name}:slope`], outputs: [n.name] });
    },
    fuse: (n, step) => {
      if (step.conv.activation !== 'none' || step.prelu || step.scale !== undefined || step.depthToSpace || step.residual) return false;
      step.prelu = n;
      return true;
    },
  },

  add: {
    analyse: (n, ins) => {
      if (n.inputs.length < 2) fail(n, `needs ≥ 2 inputs, has ${n.inputs.length}`);
      if (n.coefficients && n.coefficients.length !== n.inputs.length) {
        fail(n, `${n.coefficients.length} coefficients for ${n.inputs.length} inputs`);
      }
      if (n.coefficients?.some((c) => !Number.isFinite(Math.fround(c))))
        fail(n, `coefficients ${JSON.stringify(n.coefficients)} must be finite`);
      if (ins.some((i) => i.channels !== ins[0].channels)) fail(n, `adds tensors of ${ins.map((i) => i.channels).join(', ')} channels`);
      if (ins.some((i) => !!i.vector !== !!ins[0].vector))
        fail(n, `adds an image and a [N, C, 1, 1] vector (use a broadcasting binary node)`);
      return { channels: ins[0].channels, ...join(n, ins) };
    },
    reads: pointwise,
    constants: none,
    run: (n, ins, ctx) => {
      const c = n.coefficients;
      const terms = ins.map((x, i) => (c && c[i] !== 1 ? ctx.ops.mul(x, c[i]) : x));
      let sum = ctx.ops.add(terms[0], terms[1]);
      for (let i = 2; i < terms.length; i++) {
        const next = ctx.ops.add(sum, terms[i]);
        ctx.dispose(sum);
        sum = next;
      }
      terms.forEach((t, i) => t !== ins[i] && ctx.dispose(t));
      return sum;
    },
    onnx: (n, ctx) => {
      const c = n.coefficients;
      const terms = n.inputs.map((x, i) => {
        if (!c || c[i] === 1) return x;
        ctx.nodes.push({ op: 'Mul', inputs: [x, scalar(ctx, `${n.name}:c${i}`, c[i])], outputs: [`${n.name}:t${i}`] });
        return `${n.name}:t${i}`;
      });
      ctx.nodes.push({ op: terms.length === 2 ? 'Add' : 'Sum', inputs: terms, outputs: [n.name] });
    },
    // x·c + other, with other's coefficient 1: outputScale c, then the residual.
    fuse: (n, step, earlier) => {
      if (n.inputs.length !== 2 || step.residual) return false;
      const self = n.inputs[0] === step.output ? 0 : 1;
      const other = n.inputs[1 - self];
      if (other === step.output || !earlier(other)) return false;
      const c = n.coefficients ?? [1, 1];
      if (c[1 - self] !== 1) return false;
      if (c[self] !== 1) {
        if (step.scale !== undefined) return false;
        step.scale = c[self];
      }
      step.residual = other;
      return true;
    },
  },

  binary: {
    analyse: (n, ins) => {
      const [a, b] = ins;
      if (a.channels !== b.channels && a.channels !== 1 && b.channels !== 1) {
        fail(n, `channels ${a.channels} and ${b.channels} do not broadcast`);
      }
      return { channels: Math.max(a.channels, b.channels), ...join(n, ins) };
    },
    reads: pointwise,
    constants: none,
    run: (n, [a, b], ctx) => ctx.ops.binary(a, b, { op: n.op }),
    onnx: (n, ctx) => ctx.nodes.push({ op: ONNX_BINARY[n.op], inputs: n.inputs, outputs: [n.name] }),
    fuse: never,
  },

  constant: {
    analyse: (n) => {
      const { shape, data } = n;
      if (!Array.isArray(shape) || shape.length > 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
        fail(n, `shape ${JSON.stringify(shape)} must have rank ≤ 4 and positive sizes`);
      }
      if (data.length !== shape.reduce((p, d) => p * d, 1)) fail(n, `${data.length} values for shape ${JSON.stringify(shape)}`);
      const bad = data.findIndex((v) => !Number.isFinite(Math.fround(v)));
      if (bad >= 0) fail(n, `value ${data[bad]} at index ${bad} is not finite as float32`);
      // A size-independent model broadcasts constants over the image: only the channel axis (rank 3 or 4) may exceed 1.
      const c = shape.length >= 3 ? shape[shape.length - 3] : 1;
      const rest = shape.filter((_, i) => i !== shape.length - 3);
      if (rest.some((d) => d !== 1)) {
        fail(
          n,
          `shape ${JSON.stringify(shape)} would broadcast along batch, height or width; only [C, 1, 1] / [1, C, 1, 1] or a scalar is size-independent`,
        );
      }
      return { channels: c, factor: 1, vector: true };
    },
    reads: nothing,
    constants: (n) => ({ value: { data: n.data, shape: n.shape } }),
    run: (_, __, ctx) => ctx.constant('value'),
    onnx: (n, ctx) => {
      ctx.init[n.name] = { data: n.data, shape: [...n.shape] };
    },
    fuse: never,
  },

  concat: {
    analyse: (n, ins) => {
      if (ins.some((i) => !!i.vector !== !!ins[0].vector)) fail(n, `concatenates images with [N, C, 1, 1] vectors`);
      return { channels: ins.reduce((c, i) => c + i.channels, 0), ...join(n, ins) };
    },
    reads: pointwise,
    constants: none,
    run: (_, ins, ctx) => ctx.ops.concat(ins),
    onnx: (n, ctx) => ctx.nodes.push({ op: 'Concat', inputs: n.inputs, outputs: [n.name], attrs: { axis: 1 } }),
    fuse: never,
  },

  upsample: {
    analyse: (n, [x]) => {
      spatial(n, x, 'resampling');
      const [sh, sw] = n.size;
      if (!(sh > 0 && sw > 0 && Number.isFinite(sh) && Number.isFinite(sw)))
        fail(n, `scale ${JSON.stringify(n.size)} must be finite and > 0`);
      if (sh !== sw) fail(n, `scale ${JSON.stringify(n.size)} differs between height and width`);
      const mode = n.mode ?? 'nearest';
      if (n.cubicCoeffA !== undefined && mode !== 'bicubic') fail(n, `cubicCoeffA applies to bicubic only, not ${mode}`);
      return { ...x, factor: x.factor * sh };
    },
    reads: upsampleReads,
    constants: none,
    run: (n, [x], ctx) =>
      ctx.ops.upsample(x, {
        scale: n.size,
        mode: n.mode ?? 'nearest',
        ...(n.mode === 'bicubic' && n.cubicCoeffA !== undefined ? { cubicCoeffA: n.cubicCoeffA } : {}),
      }),
    onnx: (n, ctx) => {
      ctx.init[`${n.name}:scales`] = { data: Float32Array.of(1, 1, n.size[0], n.size[1]), shape: [4] };
      const mode = n.mode ?? 'nearest';
      ctx.nodes.push({
        op: 'Resize',
        inputs: [n.inputs[0], '', `${n.name}:scales`],
        outputs: [n.name],
        attrs:
          mode === 'nearest'
            ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
            : mode === 'bilinear'
              ? { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }
              : {
                  mode: 'cubic',
                  coordinate_transformation_mode: 'half_pixel',
                  cubic_coeff_a: { f: n.cubicCoeffA ?? -0.75 },
                  exclude_outside: 0,
                },
      });
    },
    fuse: never,
  },

  scale: {
    analyse: (n, ins) => {
      if (!Number.isFinite(Math.fround(n.factor))) fail(n, `factor ${n.factor} is not finite as float32`);
      return same(ins);
    },
    reads: pointwise,
    constants: none,
    run: (n, [x], ctx) => ctx.ops.mul(x, n.factor),
    onnx: (n, ctx) => ctx.nodes.push({ op: 'Mul', inputs: [n.inputs[0], scalar(ctx, `${n.name}:k`, n.factor)], outputs: [n.name] }),
    fuse: (n, step) => {
      if (step.scale !== undefined || step.depthToSpace || step.residual) return false;
      step.scale = n.factor;
      return true;
    },
  },

  depthToSpace: {
    analyse: (n, [x]) => {
      spatial(n, x, 'depth-to-space');
      if (!Number.isInteger(n.r) || n.r < 1 || x.channels % (n.r * n.r) !== 0)
        fail(n, `block ${n.r} must divide ${x.channels} channels by r²`);
      return { ...x, channels: x.channels / (n.r * n.r), factor: x.factor * n.r };
    },
    reads: (n, [lo, hi]) => [[Math.floor(lo / n.r), Math.floor(hi / n.r)]],
    constants: none,
    run: (n, [x], ctx) => ctx.ops.depthToSpace(x, n.r, { mode: n.mode }),
    // The IR's mode field is newer than some graphs built by hand: DCR (TensorFlow's order) when absent.
    onnx: (n, ctx) =>
      ctx.nodes.push({ op: 'DepthToSpace', inputs: n.inputs, outputs: [n.name], attrs: { blocksize: n.r, mode: n.mode ?? 'DCR' } }),
    fuse: (n, step) => {
      if (step.depthToSpace || step.residual) return false;
      step.depthToSpace = { r: n.r, mode: n.mode };
      return true;
    },
  },

  spaceToDepth: {
    analyse: (n, [x]) => {
      spatial(n, x, 'space-to-depth');
      if (!Number.isInteger(n.r) || n.r < 1) fail(n, `block ${n.r} must be a positive integer`);
      return { ...x, channels: x.channels * n.r * n.r, factor: x.factor / n.r };
    },
    reads: (n, [lo, hi]) => [[lo * n.r, hi * n.r + n.r - 1]],
    constants: none,
    run: (n, [x], ctx) => ctx.ops.spaceToDepth(x, n.r, { mode: n.mode }),
    onnx: (n, ctx) => {
      if (n.mode === 'DCR') {
        ctx.nodes.push({ op: 'SpaceToDepth', inputs: n.inputs, outputs: [n.name], attrs: { blocksize: n.r } });
        return;
      }
      // ONNX SpaceToDepth has DCR order only (channel k·C + c); PyTorch's pixel_unshuffle (CRD) reads
      // c·r² + k: the same values, channels permuted by a Gather, which moves values exactly.
      const c = ctx.channels(n.inputs[0]);
      const r2 = n.r * n.r;
      const order: number[] = [];
      for (let ch = 0; ch < c; ch++) for (let k = 0; k < r2; k++) order.push(k * c + ch);
      ctx.nodes.push(
        { op: 'SpaceToDepth', inputs: n.inputs, outputs: [`${n.name}:dcr`], attrs: { blocksize: n.r } },
        { op: 'Gather', inputs: [`${n.name}:dcr`, int64(ctx, `${n.name}:order`, order)], outputs: [n.name], attrs: { axis: 1 } },
      );
    },
    fuse: never,
  },

  crop: {
    analyse: (n, ins) => {
      spatial(n, ins[0], 'a crop');
      if (ins.length === 1 && !Array.isArray(n.end)) fail(n, `a one-input crop needs end [bottom, right]`);
      if (![...n.begin, ...(n.end ?? [])].every((v) => Number.isInteger(v) && v >= 0)) {
        fail(n, `begin ${JSON.stringify(n.begin)} and end ${JSON.stringify(n.end)} must be integers ≥ 0`);
      }
      const refScale = n.refScale ?? 1;
      if (ins.length === 2) {
        spatial(n, ins[1], 'a crop reference');
        if (!Number.isInteger(refScale) || refScale < 1) fail(n, `refScale ${refScale} must be a positive integer`);
        if (ins[1].factor * refScale !== ins[0].factor) {
          fail(n, `crops a ×${ins[0].factor} tensor to ${refScale} × a ×${ins[1].factor} reference`);
        }
      } else if (n.refScale !== undefined) fail(n, `refScale needs a reference input`);
      return { ...ins[0] };
    },
    // The window starts `begin` in: a shift. The reference input gives only its size.
    reads: (n, [lo, hi], a) => [[lo + n.begin[a], hi + n.begin[a]], ...(n.inputs.length === 2 ? [null] : [])],
    constants: none,
    run: (n, ins, ctx) => {
      const [, , h, w] = ins[0].shape;
      const [top, left] = n.begin;
      const [bottom, right] = n.end ?? [0, 0];
      const k = n.refScale ?? 1;
      const [height, width] = ins.length === 2 ? [ins[1].shape[2] * k, ins[1].shape[3] * k] : [h - top - bottom, w - left - right];
      if (height < 1 || width < 1 || top + height > h || left + width > w) {
        throw new ModelError(`layer '${n.name}' (crop): a ${height}×${width} window at (${top}, ${left}) does not fit its ${h}×${w} input`);
      }
      return ctx.ops.crop2d(ins[0], { top, left, height, width });
    },
    onnx: (n, ctx) => {
      const starts = int64(ctx, `${n.name}:starts`, n.begin);
      const axes = int64(ctx, `${n.name}:axes`, [2, 3]);
      let ends: string;
      if (n.inputs.length === 2) {
        // ends = begin + refScale × the reference's [H, W], read at run time.
        ctx.nodes.push(
          { op: 'Shape', inputs: [n.inputs[1]], outputs: [`${n.name}:refShape`], attrs: { start: 2, end: 4 } },
          { op: 'Mul', inputs: [`${n.name}:refShape`, int64(ctx, `${n.name}:refScale`, [n.refScale ?? 1])], outputs: [`${n.name}:size`] },
          { op: 'Add', inputs: [`${n.name}:size`, starts], outputs: [`${n.name}:ends`] },
        );
        ends = `${n.name}:ends`;
      } else {
        // A margin of 0 at the end is "to the end": INT64_MAX clamps to the size (Slice's rule).
        ends = int64(
          ctx,
          `${n.name}:ends`,
          (n.end ?? [0, 0]).map((e) => (e === 0 ? Number.MAX_SAFE_INTEGER : -e)),
        );
      }
      ctx.nodes.push({ op: 'Slice', inputs: [n.inputs[0], starts, ends, axes], outputs: [n.name] });
    },
    fuse: never,
  },

  pad: {
    analyse: (n, [x]) => {
      spatial(n, x, 'padding');
      if (n.pads.length !== 4 || !n.pads.every((p) => Number.isInteger(p) && p >= 0))
        fail(n, `pads ${JSON.stringify(n.pads)} must be 4 integers ≥ 0`);
      if (!['constant', 'replicate', 'reflect'].includes(n.mode))
        fail(n, `mode '${String(n.mode)}' must be constant, replicate or reflect`);
      if (n.value !== undefined && !Number.isFinite(Math.fround(n.value))) fail(n, `value ${n.value} is not finite`);
      if (n.multiple !== undefined && !(Number.isInteger(n.multiple) && n.multiple >= 1 && n.multiple <= 64)) {
        fail(n, `multiple ${n.multiple} must be an integer in [1, 64]`);
      }
      return { ...x };
    },
    // Padding is at the edges only: interior position p reads p − before. (A tile's own padding is border context.)
    reads: (n, [lo, hi], a) => [[lo - n.pads[2 * a], hi - n.pads[2 * a]]],
    constants: none,
    run: (n, [x], ctx) => {
      const [t, b, l, r] = n.pads;
      const m = n.multiple ?? 1;
      const extra = (size: number) => (m - (size % m)) % m;
      const pads = [t, b + extra(x.shape[2] + t + b), l, r + extra(x.shape[3] + l + r)] as const;
      return ctx.ops.pad2d(x, { pads, mode: n.mode, ...(n.value === undefined ? {} : { value: n.value }) });
    },
    onnx: (n, ctx) => {
      const [t, b, l, r] = n.pads;
      const mode = ({ constant: 'constant', replicate: 'edge', reflect: 'reflect' } as const)[n.mode];
      let pads = int64(ctx, `${n.name}:pads`, [0, 0, t, l, 0, 0, b, r]);
      const m = n.multiple ?? 1;
      if (m > 1) {
        // The extra bottom/right padding, (m − (size + fixed) mod m) mod m per axis, read at run time.
        const at = (suffix: string) => `${n.name}:${suffix}`;
        // Pad's order is [0, 0, t, l, 0, 0, b, r]: the extras land on the last two.
        ctx.nodes.push(
          { op: 'Shape', inputs: [n.inputs[0]], outputs: [at('hw')], attrs: { start: 2, end: 4 } },
          { op: 'Add', inputs: [at('hw'), int64(ctx, at('fixed'), [t + b, l + r])], outputs: [at('sized')] },
          { op: 'Mod', inputs: [at('sized'), int64(ctx, at('m'), [m, m])], outputs: [at('rem')] },
          { op: 'Sub', inputs: [at('m'), at('rem')], outputs: [at('short')] },
          { op: 'Mod', inputs: [at('short'), at('m')], outputs: [at('extra')] },
          { op: 'Concat', inputs: [int64(ctx, at('zeros'), [0, 0, 0, 0, 0, 0]), at('extra')], outputs: [at('extra8')], attrs: { axis: 0 } },
          { op: 'Add', inputs: [pads, at('extra8')], outputs: [at('padsAll')] },
        );
        pads = at('padsAll');
      }
      const inputs = [n.inputs[0], pads];
      if (n.mode === 'constant') inputs.push(scalar(ctx, `${n.name}:value`, n.value ?? 0));
      ctx.nodes.push({ op: 'Pad', inputs, outputs: [n.name], attrs: { mode } });
    },
    fuse: never,
  },

  sliceChannels: {
    analyse: (n, [x]) => {
      if (!Number.isInteger(n.start) || !Number.isInteger(n.count) || n.start < 0 || n.count < 1 || n.start + n.count > x.channels) {
        fail(n, `channels [${n.start}, ${n.start + n.count}) are not within its input's ${x.channels}`);
      }
      return { ...x, channels: n.count };
    },
    reads: pointwise,
    constants: none,
    run: (n, [x], ctx) => ctx.ops.sliceChannels(x, n.start, n.count),
    onnx: (n, ctx) =>
      ctx.nodes.push({
        op: 'Slice',
        inputs: [
          n.inputs[0],
          int64(ctx, `${n.name}:s`, [n.start]),
          int64(ctx, `${n.name}:e`, [n.start + n.count]),
          int64(ctx, `${n.name}:a`, [1]),
        ],
        outputs: [n.name],
      }),
    fuse: never,
  },

  globalAvgPool: {
    analyse: (n, [x]) => {
      spatial(n, x, 'a global pool');
      return { channels: x.channels, factor: x.factor, vector: true, global: true };
    },
    // Its output is a [N, C, 1, 1] vector, which no interval reaches: its input is a receptive-field sink of its own.
    reads: () => [null],
    constants: none,
    run: (_, [x], ctx) => ctx.ops.globalAvgPool(x),
    onnx: (n, ctx) => ctx.nodes.push({ op: 'GlobalAveragePool', inputs: n.inputs, outputs: [n.name] }),
    fuse: never,
  },
};

/** The row of a node's kind, typed for that node. */
export function nodeKind<K extends GraphNodeKind>(node: NodeOf<K>): NodeKind<K> {
  const row = (NODES as unknown as Record<string, NodeKind<K> | undefined>)[node.kind];
  if (!row) throw new ModelError(`layer '${node.name}': unknown node kind '${String(node.kind)}'`);
  return row;
}
