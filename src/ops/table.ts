/**
 * The op table: one row per op, and the only list of ops there is.
 *
 *   - `Engine` gets one method per row (src/engine.ts installs them once, each
 *     behind the engine's usability check; their types come from `GpuOps` below);
 *   - `webgpu-upsample/cpu` exports each row's CPU reference (src/cpu/index.ts);
 *   - the graph walker (src/model/run-graph.ts) runs models with these ops on
 *     either backend;
 *   - test/op-table.test.ts checks every row: shape rule == CPU shape == GPU
 *     shape, and that the engine and the CPU module expose exactly these names.
 *
 * This is the one file in src/ops that sits above src/cpu and src/kernels (it
 * names both implementations); everything else in src/ops is shape rules that
 * both import.
 *
 * To add an op `foo` (copy an existing one, e.g. upsample):
 *   1. src/ops/foo.ts: its options type, option keys (`optionKeys` +
 *      `checkOptions`, so typos are refused) and shape rule (`planFoo`),
 *      throwing the typed errors of src/errors.ts;
 *   2. src/cpu/foo.ts: the CPU reference, plain loops, calling `planFoo`;
 *   3. shaders/foo.wgsl.ts and src/kernels/foo.ts: the WGSL and its dispatch
 *      (`ctx.check` each tensor, call `planFoo`, `ctx.runner.run(...)`);
 *   4. one row below: `foo: defineOp({ name: 'foo', inputs, outShape, cpu, gpu })`
 *      with the method's doc comment on the row (it becomes `engine.foo`'s);
 *   5. one line in src/cpu/index.ts (`foo,` in the destructuring), since ES
 *      modules cannot export computed names (test/op-table.test.ts fails until it is there);
 *   6. test/foo.test.ts (GPU vs CPU), a sample call in test/op-table.test.ts, and
 *      known answers in test/known-answers/foo.json.
 * If a model layer should use it, add its IR node (src/model/ir.ts) and a case
 * to the graph walker (src/model/run-graph.ts).
 */
import * as cpuConvT from '../cpu/conv-transpose2d.js';
import * as cpuConv from '../cpu/conv2d.js';
import * as cpuCrelu from '../cpu/crelu.js';
import * as cpuD2s from '../cpu/depth-to-space.js';
import * as cpuEw from '../cpu/elementwise.js';
import * as cpuPrelu from '../cpu/prelu.js';
import * as cpuUp from '../cpu/upsample.js';
import * as conv from '../kernels/conv.js';
import * as crelu from '../kernels/crelu.js';
import * as d2s from '../kernels/depth-to-space.js';
import * as ew from '../kernels/elementwise.js';
import * as prelu from '../kernels/prelu.js';
import * as up from '../kernels/upsample.js';
import type { Tensor } from '../tensor.js';
import { planConv2d, type Conv2dOptions } from './conv2d.js';
import { planConvTranspose2d, type ConvTranspose2dOptions } from './conv-transpose2d.js';
import { defineOp, type GpuMethod, type Shaped } from './define.js';
import { depthToSpaceMode, planDepthToSpace, planSpaceToDepth, type DepthToSpaceOptions } from './depth-to-space.js';
import { planCrelu } from './crelu.js';
import { planConcat, planSameShape } from './elementwise.js';
import { planEpilogue } from './epilogue.js';
import { real } from './params.js';
import { planPrelu } from './prelu.js';
import { planUpsample, type UpsampleOptions } from './upsample.js';

export const OPS = {
  /**
   * Transposed convolution, PyTorch semantics; weight [Cin, Cout/groups, kH, kW].
   * Options also fuse an epilogue: activation, outputScale, residual, depthToSpace store.
   */
  convTranspose2d: defineOp({
    name: 'convTranspose2d',
    inputs: ['input', 'weight', 'bias?'],
    outShape: (x: Shaped, weight: Shaped, bias: Shaped | null, options: ConvTranspose2dOptions<Shaped> = {}) =>
      planEpilogue('convTranspose2d', planConvTranspose2d(x.shape, weight.shape, bias?.shape ?? null, options).outShape, options).outShape,
    cpu: cpuConvT.convTranspose2d,
    gpu: (ctx, x: Tensor, weight: Tensor, bias: Tensor | null, options?: ConvTranspose2dOptions<Tensor>): Tensor =>
      conv.convTranspose2d(ctx, x, weight, bias ?? null, options),
  }),

  /**
   * Convolution, PyTorch semantics; weight [Cout, Cin/groups, kH, kW].
   * Options also fuse an epilogue: activation, outputScale, residual, depthToSpace store.
   */
  conv2d: defineOp({
    name: 'conv2d',
    inputs: ['input', 'weight', 'bias?'],
    outShape: (x: Shaped, weight: Shaped, bias: Shaped | null, options: Conv2dOptions<Shaped> = {}) =>
      planEpilogue('conv2d', planConv2d(x.shape, weight.shape, bias?.shape ?? null, options).outShape, options).outShape,
    cpu: cpuConv.conv2d,
    gpu: (ctx, x: Tensor, weight: Tensor, bias: Tensor | null, options?: Conv2dOptions<Tensor>): Tensor =>
      conv.conv2d(ctx, x, weight, bias ?? null, options),
  }),

  /** PyTorch pixel_shuffle: [N, C·r², H, W] → [N, C, H·r, W·r], CRD order. */
  pixelShuffle: defineOp({
    name: 'pixelShuffle',
    inputs: ['input'],
    outShape: (x: Shaped, r: number) => planDepthToSpace(x.shape, r, 'CRD', 'pixelShuffle').outShape,
    cpu: cpuD2s.pixelShuffle,
    gpu: (ctx, x: Tensor, r: number): Tensor => d2s.depthToSpace(ctx, x, r, 'CRD', 'pixelShuffle'),
  }),

  /** PyTorch pixel_unshuffle, the inverse of pixelShuffle. */
  pixelUnshuffle: defineOp({
    name: 'pixelUnshuffle',
    inputs: ['input'],
    outShape: (x: Shaped, r: number) => planSpaceToDepth(x.shape, r, 'CRD', 'pixelUnshuffle').outShape,
    cpu: cpuD2s.pixelUnshuffle,
    gpu: (ctx, x: Tensor, r: number): Tensor => d2s.spaceToDepth(ctx, x, r, 'CRD', 'pixelUnshuffle'),
  }),

  /** ONNX DepthToSpace (NCHW); mode 'DCR' (default, as ONNX and TensorFlow) or 'CRD'. */
  depthToSpace: defineOp({
    name: 'depthToSpace',
    inputs: ['input'],
    outShape: (x: Shaped, r: number, options: DepthToSpaceOptions = {}) =>
      planDepthToSpace(x.shape, r, depthToSpaceMode('depthToSpace', options)).outShape,
    cpu: cpuD2s.depthToSpace,
    gpu: (ctx, x: Tensor, r: number, options: DepthToSpaceOptions = {}): Tensor =>
      d2s.depthToSpace(ctx, x, r, depthToSpaceMode('depthToSpace', options)),
  }),

  /** ONNX SpaceToDepth (NCHW, DCR order); mode 'CRD' gives pixelUnshuffle's order. */
  spaceToDepth: defineOp({
    name: 'spaceToDepth',
    inputs: ['input'],
    outShape: (x: Shaped, r: number, options: DepthToSpaceOptions = {}) =>
      planSpaceToDepth(x.shape, r, depthToSpaceMode('spaceToDepth', options)).outShape,
    cpu: cpuD2s.spaceToDepth,
    gpu: (ctx, x: Tensor, r: number, options: DepthToSpaceOptions = {}): Tensor =>
      d2s.spaceToDepth(ctx, x, r, depthToSpaceMode('spaceToDepth', options)),
  }),

  /** PyTorch interpolate with scale_factor, align_corners=False; 'nearest' or 'bilinear'. */
  upsample: defineOp({
    name: 'upsample',
    inputs: ['input'],
    outShape: (x: Shaped, options: UpsampleOptions) => planUpsample(x.shape, options).outShape,
    cpu: cpuUp.upsample,
    gpu: (ctx, x: Tensor, options: UpsampleOptions): Tensor => up.upsample(ctx, x, options),
  }),

  /** max(x, 0), element-wise. */
  relu: defineOp({
    name: 'relu',
    inputs: ['input'],
    outShape: (x: Shaped) => x.shape,
    cpu: cpuEw.relu,
    gpu: (ctx, x: Tensor): Tensor => ew.unary(ctx, 'relu', x),
  }),

  /** x for x ≥ 0, negativeSlope·x below (default 0.01, PyTorch's). */
  leakyRelu: defineOp({
    name: 'leakyRelu',
    inputs: ['input'],
    outShape: (x: Shaped, negativeSlope = 0.01) => (real('leakyRelu', 'negativeSlope', negativeSlope), x.shape),
    cpu: cpuEw.leakyRelu,
    gpu: (ctx, x: Tensor, negativeSlope = 0.01): Tensor => ew.unary(ctx, 'leakyRelu', x, negativeSlope),
  }),

  /** Logistic sigmoid 1/(1 + e^−x), element-wise. */
  sigmoid: defineOp({
    name: 'sigmoid',
    inputs: ['input'],
    outShape: (x: Shaped) => x.shape,
    cpu: cpuEw.sigmoid,
    gpu: (ctx, x: Tensor): Tensor => ew.sigmoid(ctx, x),
  }),

  /** Hyperbolic tangent, element-wise. */
  tanh: defineOp({
    name: 'tanh',
    inputs: ['input'],
    outShape: (x: Shaped) => x.shape,
    cpu: cpuEw.tanh,
    gpu: (ctx, x: Tensor): Tensor => ew.tanh(ctx, x),
  }),

  /** PyTorch prelu: max(0, x) + slope · min(0, x); `slope` is 1-D with 1 or C (= x.shape[1]) elements. */
  prelu: defineOp({
    name: 'prelu',
    inputs: ['input', 'slope'],
    outShape: (x: Shaped, slope: Shaped) => (planPrelu(x.shape, slope.shape), x.shape),
    cpu: cpuPrelu.prelu,
    gpu: (ctx, x: Tensor, slope: Tensor): Tensor => prelu.prelu(ctx, x, slope),
  }),

  /** Concatenated ReLU: concat(relu(x), relu(−x)) on the channel axis, [N, C, H, W] → [N, 2C, H, W]. */
  crelu: defineOp({
    name: 'crelu',
    inputs: ['input'],
    outShape: (x: Shaped) => planCrelu(x.shape),
    cpu: cpuCrelu.crelu,
    gpu: (ctx, x: Tensor): Tensor => crelu.crelu(ctx, x),
  }),

  /** Multiplies every element by a scalar. */
  mul: defineOp({
    name: 'mul',
    inputs: ['input'],
    outShape: (x: Shaped, scalar: number) => (real('mul', 'scalar', scalar), x.shape),
    cpu: cpuEw.mul,
    gpu: (ctx, x: Tensor, scalar: number): Tensor => ew.unary(ctx, 'mul', x, scalar),
  }),

  /** a + b, element-wise; the shapes must be equal. */
  add: defineOp({
    name: 'add',
    inputs: ['a', 'b'],
    outShape: (a: Shaped, b: Shaped) => (planSameShape('add', a.shape, b.shape), a.shape),
    cpu: cpuEw.add,
    gpu: (ctx, a: Tensor, b: Tensor): Tensor => ew.add(ctx, a, b),
  }),

  /** Concatenates along the channel axis (NCHW axis 1). */
  concat: defineOp({
    name: 'concat',
    inputs: ['inputs[]'],
    outShape: (xs: readonly Shaped[]) => planConcat(Array.isArray(xs) ? xs.map((x) => x.shape) : (xs as never)),
    cpu: cpuEw.concat,
    gpu: (ctx, xs: readonly Tensor[]): Tensor => ew.concat(ctx, xs),
  }),
};

export type OpName = keyof typeof OPS;

/** The engine's op methods, one per row, with each row's GPU signature (minus the kernel context) and doc comment. */
export type GpuOps = { [K in OpName]: GpuMethod<(typeof OPS)[K]> };

/** The CPU reference of every row, by name: what `webgpu-upsample/cpu` exports. */
export type CpuOps = { [K in OpName]: (typeof OPS)[K]['cpu'] };

export const cpuOps: CpuOps = Object.fromEntries(Object.values(OPS).map((d) => [d.name, d.cpu])) as CpuOps;

/** Compile-time check: every row's `name` is its key (the engine installs methods by `name`). */
type NamesMatchKeys<T extends { [K in OpName]: { name: K } }> = T;
export type _OpNamesMatchKeys = NamesMatchKeys<typeof OPS>;
