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
 * This file sits above src/cpu and src/kernels (it names both implementations) and below the engine;
 * src/ops is the shape rules that both import, src/core what everything stands on.
 *
 * To add an op `foo` (copy an existing one, e.g. upsample; each step says what proves it):
 *   1. src/ops/foo.ts: its options type, option keys (`optionKeys` + `checkOptions` from
 *      src/core/params.ts, so typos are refused) and shape rule (`planFoo`), throwing the typed
 *      errors of src/core/errors.ts;
 *   2. src/cpu/foo.ts: the CPU reference, plain loops, calling `planFoo`;
 *   3. shaders/foo.wgsl.ts: the body only — `fn element(i: u32)` (one thread per output element) or
 *      `fn item(g: u32, t: u32)` (one workgroup per item; a reduction uses shaders/axis-sum.wgsl.ts) —
 *      made from the program's variant alone; the engine writes `main` and the bounds guard;
 *   4. src/kernels/foo.ts: the dispatch (`ctx.check` each tensor, call `planFoo`, then
 *      `ctx.runner.run({ name: 'foo', variant, workgroupSize, entry: 'element', body: fooShader }, …)`);
 *   5. one row below: `foo: defineOp({ name: 'foo', inputs, outShape, cpu, gpu })` with the method's doc
 *      comment on the row (it becomes `engine.foo`'s);
 *   6. one line in src/cpu/index.ts (`foo,` in the destructuring): `npm run typecheck` fails there until
 *      it is (ES modules cannot export computed names);
 *   7. test/foo.test.ts (randomized GPU vs CPU with a derived tolerance, typed errors), a sample call in
 *      test/op-table.test.ts (fails until it is there), and test/known-answers/foo.json (≥ 3 hand-checked
 *      cases; test/known-answers.test.ts fails until it exists, since its op list is this table's
 *      forward rows); a gradient is a `fooBackward` row, checked against float64 finite differences.
 * An op with several outputs returns a record of them from all three columns
 * (`outShape` a record of shapes, null for an output not asked for): see conv2dBackward.
 * For models: a graph node kind that runs it (src/model/nodes.ts, whose header says how); for training:
 * a layer in src/train with forward, backward and `lower()` (its graph nodes).
 */
import * as cpuConvT from '../cpu/conv-transpose2d.js';
import * as cpuConvB from '../cpu/conv-backward.js';
import * as cpuConv from '../cpu/conv2d.js';
import * as cpuCrelu from '../cpu/crelu.js';
import * as cpuD2s from '../cpu/depth-to-space.js';
import * as cpuEw from '../cpu/elementwise.js';
import * as cpuPrelu from '../cpu/prelu.js';
import * as cpuDown from '../cpu/downsample.js';
import * as cpuUp from '../cpu/upsample.js';
import * as cpuLoss from '../cpu/loss.js';
import * as cpuCheckerboard from '../cpu/checkerboard.js';
import * as cpuActB from '../cpu/activation-backward.js';
import * as cpuSlice from '../cpu/slice-channels.js';
import * as cpuUpB from '../cpu/upsample-backward.js';
import * as cpuBlur from '../cpu/gaussian-blur.js';
import * as cpuPad from '../cpu/pad2d.js';
import * as cpuCrop from '../cpu/crop2d.js';
import * as cpuGap from '../cpu/global-avg-pool.js';
import * as cpuBinary from '../cpu/binary.js';
import * as cpuPw from '../cpu/pointwise.js';
import * as conv from '../kernels/conv.js';
import * as convB from '../kernels/conv-backward.js';
import * as crelu from '../kernels/crelu.js';
import * as d2s from '../kernels/depth-to-space.js';
import * as ew from '../kernels/elementwise.js';
import * as prelu from '../kernels/prelu.js';
import * as down from '../kernels/downsample.js';
import * as up from '../kernels/upsample.js';
import * as loss from '../kernels/loss.js';
import * as checkerboard from '../kernels/checkerboard.js';
import * as actB from '../kernels/activation-backward.js';
import * as slice from '../kernels/slice-channels.js';
import * as upB from '../kernels/upsample-backward.js';
import * as blur from '../kernels/gaussian-blur.js';
import * as pad from '../kernels/pad2d.js';
import * as crop from '../kernels/crop2d.js';
import * as gap from '../kernels/global-avg-pool.js';
import * as binary from '../kernels/binary.js';
import * as pw from '../kernels/pointwise.js';
import type { Tensor } from '../core/tensor.js';
import { planConv2d, type Conv2dOptions } from '../ops/conv2d.js';
import { planConvTranspose2d, type ConvTranspose2dOptions } from '../ops/conv-transpose2d.js';
import {
  planConv2dBackward,
  planConvTranspose2dBackward,
  type Conv2dBackwardOptions,
  type ConvGradients,
  type ConvTranspose2dBackwardOptions,
} from '../ops/conv-backward.js';
import { defineOp, type GpuMethod, type Shaped } from './define.js';
import { depthToSpaceMode, planDepthToSpace, planSpaceToDepth, type DepthToSpaceOptions } from '../ops/depth-to-space.js';
import { planCrelu } from '../ops/crelu.js';
import { planConcat, planSameShape } from '../ops/elementwise.js';
import { planEpilogue } from '../ops/epilogue.js';
import { real, type Shape } from '../core/params.js';
import { planLoss, type CharbonnierBackwardOptions, type CharbonnierOptions, type LossBackwardOptions } from '../ops/loss.js';
import { planCheckerboard, type CheckerboardBackwardOptions, type CheckerboardOptions } from '../ops/checkerboard.js';
import { planPrelu } from '../ops/prelu.js';
import { planDownsample, type DownsampleOptions } from '../ops/downsample.js';
import { planUpsample, type BicubicOptions, type UpsampleOptions } from '../ops/upsample.js';
import {
  planActivationBackward,
  planCreluBackward,
  planPreluBackward,
  type PreluBackwardOptions,
  type PreluGradients,
} from '../ops/activation-backward.js';
import { planSliceChannels } from '../ops/slice-channels.js';
import { planUpsampleBackward, type UpsampleBackwardOptions } from '../ops/upsample-backward.js';
import {
  planGaussianBlur,
  planGaussianBlurBackward,
  type GaussianBlurBackwardOptions,
  type GaussianBlurGradients,
  type GaussianBlurOptions,
} from '../ops/gaussian-blur.js';
import { planPad2d, planPad2dBackward, type Pad2dOptions } from '../ops/pad2d.js';
import { planCrop2d, planCrop2dBackward, type Crop2dBackwardOptions, type Crop2dOptions } from '../ops/crop2d.js';
import { planGlobalAvgPool, planGlobalAvgPoolBackward, type GlobalAvgPoolBackwardOptions } from '../ops/global-avg-pool.js';
import { planBinary, type BinaryOptions } from '../ops/binary.js';
import { planBinaryBackward, type BinaryBackwardOptions, type BinaryGradients } from '../ops/binary-backward.js';
import { resolveClip, resolveHardSwish, type ClipOptions, type HardSwishOptions } from '../ops/pointwise.js';

export const OPS = {
  /**
   * Transposed convolution, PyTorch semantics; weight [Cin, Cout/groups, kH, kW].
   * Options also fuse an epilogue: activation (or PReLU: preluSlope), outputScale, residual, depthToSpace store.
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
   * Options also fuse an epilogue: activation (or PReLU: preluSlope), outputScale, residual, depthToSpace store.
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

  /**
   * Gradients of conv2d (bias-free, no epilogue) at input x and weight w, given dy = ∂L/∂output:
   * `{ dx, dw, db }` with db = Σ dy over N, H, W. Options: the forward's stride, padding, dilation,
   * groups, and `needs: { dx, dw, db }` (each default true; a skipped gradient is null).
   * dx runs on convTranspose2d's kernel; dw and db are GPU reductions over N·H·W.
   */
  conv2dBackward: defineOp({
    name: 'conv2dBackward',
    inputs: ['input', 'weight', 'dy'],
    outShape: (x: Shaped, weight: Shaped, dy: Shaped, options: Conv2dBackwardOptions = {}): ConvGradients<Shape> =>
      planConv2dBackward(x.shape, weight.shape, dy.shape, options).shapes,
    cpu: cpuConvB.conv2dBackward,
    gpu: (ctx, x: Tensor, weight: Tensor, dy: Tensor, options?: Conv2dBackwardOptions): ConvGradients<Tensor> =>
      convB.conv2dBackward(ctx, x, weight, dy, options),
  }),

  /**
   * Gradients of convTranspose2d (bias-free, no epilogue) at input x and weight w, given dy = ∂L/∂output:
   * `{ dx, dw, db }` with db = Σ dy over N, H, W. Options: the forward's stride, padding, outputPadding,
   * dilation, groups, and `needs: { dx, dw, db }` (each default true; a skipped gradient is null).
   * dx runs on conv2d's kernel; dw and db are GPU reductions over N·H·W.
   */
  convTranspose2dBackward: defineOp({
    name: 'convTranspose2dBackward',
    inputs: ['input', 'weight', 'dy'],
    outShape: (x: Shaped, weight: Shaped, dy: Shaped, options: ConvTranspose2dBackwardOptions = {}): ConvGradients<Shape> =>
      planConvTranspose2dBackward(x.shape, weight.shape, dy.shape, options).shapes,
    cpu: cpuConvB.convTranspose2dBackward,
    gpu: (ctx, x: Tensor, weight: Tensor, dy: Tensor, options?: ConvTranspose2dBackwardOptions): ConvGradients<Tensor> =>
      convB.convTranspose2dBackward(ctx, x, weight, dy, options),
  }),

  /**
   * Learnable depthwise Gaussian blur (the checkerboard fix after a convT): taps g_t ∝ exp(−t²/(2σ²)),
   * normalised, t = −(k−1)/2 … (k−1)/2, applied as g ⊗ g per channel with ZERO padding (size kept;
   * edges darken). `sigma` is a GPU tensor [1] (shared) or [C]; option `kernel` (odd, default 5).
   * Weights are made on the GPU from sigma (no read-back). See src/ops/gaussian-blur.ts.
   */
  gaussianBlur: defineOp({
    name: 'gaussianBlur',
    inputs: ['input', 'sigma'],
    outShape: (x: Shaped, sigma: Shaped, options?: GaussianBlurOptions): Shape => (
      planGaussianBlur(x.shape, sigma.shape, options),
      x.shape
    ),
    cpu: cpuBlur.gaussianBlur,
    gpu: (ctx, x: Tensor, sigma: Tensor, options?: GaussianBlurOptions): Tensor => blur.gaussianBlur(ctx, x, sigma, options),
  }),

  /**
   * Gradients of gaussianBlur given dy = ∂L/∂y: `{ dx, dsigma }`; dx is the same blur of dy (its own
   * adjoint), dsigma = Σ dy·∂y/∂σ through the normalised weights (per channel, or summed for a shared σ).
   * Options: the forward's `kernel`, and `needs: { dx, dsigma }` (each default true; a skipped one is null).
   */
  gaussianBlurBackward: defineOp({
    name: 'gaussianBlurBackward',
    inputs: ['input', 'sigma', 'dy'],
    outShape: (x: Shaped, sigma: Shaped, dy: Shaped, options?: GaussianBlurBackwardOptions): GaussianBlurGradients<Shape> =>
      planGaussianBlurBackward(x.shape, sigma.shape, dy.shape, options).shapes,
    cpu: cpuBlur.gaussianBlurBackward,
    gpu: (ctx, x: Tensor, sigma: Tensor, dy: Tensor, options?: GaussianBlurBackwardOptions): GaussianBlurGradients<Tensor> =>
      blur.gaussianBlurBackward(ctx, x, sigma, dy, options),
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

  /**
   * PyTorch interpolate with scale_factor, align_corners=False; 'nearest', 'bilinear' or
   * 'bicubic' (ONNX Resize cubic: `cubicCoeffA` default −0.75, `alignCorners` default false).
   */
  upsample: defineOp({
    name: 'upsample',
    inputs: ['input'],
    outShape: (x: Shaped, options: UpsampleOptions & BicubicOptions) => planUpsample(x.shape, options).outShape,
    cpu: cpuUp.upsample,
    gpu: (ctx, x: Tensor, options: UpsampleOptions & BicubicOptions): Tensor => up.upsample(ctx, x, options),
  }),

  /**
   * Shrinks by `factor` ≥ 1 (out = ⌊in / factor⌋) to make low-resolution training inputs:
   * 'area' = PyTorch interpolate(mode='area') (adaptive average pooling), 'bicubic-aa' =
   * PyTorch interpolate(mode='bicubic', antialias=True) = PIL BICUBIC (a = −0.5). See src/ops/downsample.ts.
   */
  downsample: defineOp({
    name: 'downsample',
    inputs: ['input'],
    outShape: (x: Shaped, options: DownsampleOptions) => planDownsample(x.shape, options).outShape,
    cpu: cpuDown.downsample,
    gpu: (ctx, x: Tensor, options: DownsampleOptions): Tensor => down.downsample(ctx, x, options),
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

  // ---- the model zoo's ops (ncnn, ONNX, PyTorch models; definitions in src/ops/{pad2d,crop2d,global-avg-pool,binary,pointwise}.ts) ----

  /**
   * Pads [N, C, H, W] by `pads: [top, bottom, left, right]` (integers ≥ 0): mode 'constant' (default)
   * fills `value` (default 0), 'replicate' repeats the edge pixel, 'reflect' mirrors without repeating
   * the edge (reflect-101: PyTorch 'reflect', OpenCV BORDER_REFLECT_101; each pad < that axis's size).
   */
  pad2d: defineOp({
    name: 'pad2d',
    inputs: ['input'],
    outShape: (x: Shaped, options: Pad2dOptions) => planPad2d(x.shape, options).outShape,
    cpu: cpuPad.pad2d,
    gpu: (ctx, x: Tensor, options: Pad2dOptions): Tensor => pad.pad2d(ctx, x, options),
  }),

  /** The window rows [top, top + height) × columns [left, left + width) of [N, C, H, W]; it must lie inside. */
  crop2d: defineOp({
    name: 'crop2d',
    inputs: ['input'],
    outShape: (x: Shaped, options: Crop2dOptions) => planCrop2d(x.shape, options).outShape,
    cpu: cpuCrop.crop2d,
    gpu: (ctx, x: Tensor, options: Crop2dOptions): Tensor => crop.crop2d(ctx, x, options),
  }),

  /** Mean over H·W of each (n, c) plane: [N, C, H, W] → [N, C, 1, 1] (one GPU workgroup per plane). */
  globalAvgPool: defineOp({
    name: 'globalAvgPool',
    inputs: ['input'],
    outShape: (x: Shaped) => planGlobalAvgPool(x.shape).outShape,
    cpu: cpuGap.globalAvgPool,
    gpu: (ctx, x: Tensor): Tensor => gap.globalAvgPool(ctx, x),
  }),

  /**
   * a ∘ b element-wise, `op` one of 'add', 'sub', 'mul', 'div', 'max', 'min', 'pow', with NumPy
   * broadcasting between ranks 1–4 (aligned on the right; each axis equal or 1 in one of them), e.g.
   * [N, C, H, W] ∘ [N, C, 1, 1], ∘ [1], ∘ [C, 1, 1], or reversed. pow follows Math.pow (a negative
   * base with an integer exponent is allowed).
   */
  binary: defineOp({
    name: 'binary',
    inputs: ['a', 'b'],
    outShape: (a: Shaped, b: Shaped, options: BinaryOptions) => planBinary(a.shape, b.shape, options).outShape,
    cpu: cpuBinary.binary,
    gpu: (ctx, a: Tensor, b: Tensor, options: BinaryOptions): Tensor => binary.binary(ctx, a, b, options),
  }),

  /** min(max(x, min), max), element-wise; min ≤ max, either may be ±Infinity (ONNX Clip, ncnn Clip). */
  clip: defineOp({
    name: 'clip',
    inputs: ['input'],
    outShape: (x: Shaped, options: ClipOptions) => (resolveClip(options), x.shape),
    cpu: cpuPw.clip,
    gpu: (ctx, x: Tensor, options: ClipOptions): Tensor => pw.clip(ctx, x, options),
  }),

  /** x · tanh(softplus(x)), element-wise (softplus(x) = x above 20, log1p(eˣ) otherwise). */
  mish: defineOp({
    name: 'mish',
    inputs: ['input'],
    outShape: (x: Shaped) => x.shape,
    cpu: cpuPw.mish,
    gpu: (ctx, x: Tensor): Tensor => pw.mish(ctx, x),
  }),

  /** x · clamp(alpha·x + beta, 0, 1), element-wise; alpha default 1/6, beta 0.5 (PyTorch; ncnn passes its own). */
  hardSwish: defineOp({
    name: 'hardSwish',
    inputs: ['input'],
    outShape: (x: Shaped, options?: HardSwishOptions) => (resolveHardSwish(options), x.shape),
    cpu: cpuPw.hardSwish,
    gpu: (ctx, x: Tensor, options?: HardSwishOptions): Tensor => pw.hardSwish(ctx, x, options),
  }),

  // ---- losses and the checkerboard regularizer (definitions in src/ops/loss.ts, src/ops/checkerboard.ts) ----
  // Each loss is a [1] tensor that stays on the GPU (a tree reduction); its *Backward
  // returns scale · ∂loss/∂pred (`scale`, default 1, is the upstream gradient).

  /** PyTorch mse_loss, mean reduction: Σ (pred − target)² / N, as a [1] tensor. */
  mseLoss: defineOp({
    name: 'mseLoss',
    inputs: ['pred', 'target'],
    outShape: (pred: Shaped, target: Shaped) => (planLoss('mse', pred.shape, target.shape, undefined, false), [1]),
    cpu: cpuLoss.mseLoss,
    gpu: (ctx, pred: Tensor, target: Tensor): Tensor => loss.loss(ctx, 'mse', pred, target, undefined),
  }),

  /** Gradient of mseLoss: scale · 2 (pred − target) / N. */
  mseLossBackward: defineOp({
    name: 'mseLossBackward',
    inputs: ['pred', 'target'],
    outShape: (pred: Shaped, target: Shaped, options?: LossBackwardOptions) => (
      planLoss('mse', pred.shape, target.shape, options, true),
      pred.shape
    ),
    cpu: cpuLoss.mseLossBackward,
    gpu: (ctx, pred: Tensor, target: Tensor, options?: LossBackwardOptions): Tensor => loss.lossBackward(ctx, 'mse', pred, target, options),
  }),

  /** PyTorch l1_loss, mean reduction: Σ |pred − target| / N, as a [1] tensor. */
  l1Loss: defineOp({
    name: 'l1Loss',
    inputs: ['pred', 'target'],
    outShape: (pred: Shaped, target: Shaped) => (planLoss('l1', pred.shape, target.shape, undefined, false), [1]),
    cpu: cpuLoss.l1Loss,
    gpu: (ctx, pred: Tensor, target: Tensor): Tensor => loss.loss(ctx, 'l1', pred, target, undefined),
  }),

  /** Gradient of l1Loss: scale · sign(pred − target) / N (0 where pred = target, as PyTorch). */
  l1LossBackward: defineOp({
    name: 'l1LossBackward',
    inputs: ['pred', 'target'],
    outShape: (pred: Shaped, target: Shaped, options?: LossBackwardOptions) => (
      planLoss('l1', pred.shape, target.shape, options, true),
      pred.shape
    ),
    cpu: cpuLoss.l1LossBackward,
    gpu: (ctx, pred: Tensor, target: Tensor, options?: LossBackwardOptions): Tensor => loss.lossBackward(ctx, 'l1', pred, target, options),
  }),

  /** Charbonnier loss, mean reduction: Σ √((pred − target)² + ε²) / N (ε default 1e-3), as a [1] tensor. */
  charbonnierLoss: defineOp({
    name: 'charbonnierLoss',
    inputs: ['pred', 'target'],
    outShape: (pred: Shaped, target: Shaped, options?: CharbonnierOptions) => (
      planLoss('charbonnier', pred.shape, target.shape, options, false),
      [1]
    ),
    cpu: cpuLoss.charbonnierLoss,
    gpu: (ctx, pred: Tensor, target: Tensor, options?: CharbonnierOptions): Tensor => loss.loss(ctx, 'charbonnier', pred, target, options),
  }),

  /** Gradient of charbonnierLoss: scale · d / √(d² + ε²) / N, d = pred − target. */
  charbonnierLossBackward: defineOp({
    name: 'charbonnierLossBackward',
    inputs: ['pred', 'target'],
    outShape: (pred: Shaped, target: Shaped, options?: CharbonnierBackwardOptions) => (
      planLoss('charbonnier', pred.shape, target.shape, options, true),
      pred.shape
    ),
    cpu: cpuLoss.charbonnierLossBackward,
    gpu: (ctx, pred: Tensor, target: Tensor, options?: CharbonnierBackwardOptions): Tensor =>
      loss.lossBackward(ctx, 'charbonnier', pred, target, options),
  }),

  /**
   * Checkerboard regularizer of a convT weight [Cin, Cout/groups, kH, kW] for `stride`:
   * Σ over channel pairs and the s² stride phases of (phase sum − mean phase sum)², as a [1] tensor.
   * 0 iff flat inputs give flat outputs (src/ops/checkerboard.ts).
   */
  checkerboardPenalty: defineOp({
    name: 'checkerboardPenalty',
    inputs: ['weight'],
    outShape: (weight: Shaped, options: CheckerboardOptions) => (planCheckerboard(weight.shape, options, false), [1]),
    cpu: cpuCheckerboard.checkerboardPenalty,
    gpu: (ctx, weight: Tensor, options: CheckerboardOptions): Tensor => checkerboard.checkerboardPenalty(ctx, weight, options),
  }),

  /** Gradient of checkerboardPenalty: scale · 2 (S_phase(tap) − mean S), the shape of the weight. */
  checkerboardPenaltyBackward: defineOp({
    name: 'checkerboardPenaltyBackward',
    inputs: ['weight'],
    outShape: (weight: Shaped, options: CheckerboardBackwardOptions) => (planCheckerboard(weight.shape, options, true), weight.shape),
    cpu: cpuCheckerboard.checkerboardPenaltyBackward,
    gpu: (ctx, weight: Tensor, options: CheckerboardBackwardOptions): Tensor =>
      checkerboard.checkerboardPenaltyBackward(ctx, weight, options),
  }),

  // ---- gradients (PyTorch's *_backward; derivatives in src/ops/activation-backward.ts) ----
  // The backward of pixelShuffle, pixelUnshuffle, depthToSpace and spaceToDepth is the
  // named inverse with the same r and mode; of add(a, b) it is dy for both; of mul(x, s)
  // it is mul(dy, s); of concat it is sliceChannels of dy per input.

  /** Channels [start, start + count) of x: [N, C, H, W] → [N, count, H, W] (concat's backward, per input). */
  sliceChannels: defineOp({
    name: 'sliceChannels',
    inputs: ['input'],
    outShape: (x: Shaped, start: number, count: number) => planSliceChannels(x.shape, start, count),
    cpu: cpuSlice.sliceChannels,
    gpu: (ctx, x: Tensor, start: number, count: number): Tensor => slice.sliceChannels(ctx, x, start, count),
  }),

  /** Gradient of upsample: dx [inputShape] from dy (the transpose of the forward's interpolation weights). */
  upsampleBackward: defineOp({
    name: 'upsampleBackward',
    inputs: ['dy'],
    outShape: (dy: Shaped, options: UpsampleBackwardOptions) => planUpsampleBackward(dy.shape, options).dxShape,
    cpu: cpuUpB.upsampleBackward,
    gpu: (ctx, dy: Tensor, options: UpsampleBackwardOptions): Tensor => upB.upsampleBackward(ctx, dy, options),
  }),

  /** Gradient of relu from its input x: dy · [x > 0]. */
  reluBackward: defineOp({
    name: 'reluBackward',
    inputs: ['dy', 'x'],
    outShape: (dy: Shaped, x: Shaped) => planActivationBackward('reluBackward', dy.shape, x.shape),
    cpu: cpuActB.reluBackward,
    gpu: (ctx, dy: Tensor, x: Tensor): Tensor => actB.activationBackward(ctx, 'relu', dy, x),
  }),

  /** Gradient of leakyRelu from its input x: dy · (x > 0 ? 1 : negativeSlope). */
  leakyReluBackward: defineOp({
    name: 'leakyReluBackward',
    inputs: ['dy', 'x'],
    outShape: (dy: Shaped, x: Shaped, negativeSlope = 0.01) => (
      real('leakyReluBackward', 'negativeSlope', negativeSlope),
      planActivationBackward('leakyReluBackward', dy.shape, x.shape)
    ),
    cpu: cpuActB.leakyReluBackward,
    gpu: (ctx, dy: Tensor, x: Tensor, negativeSlope = 0.01): Tensor => actB.activationBackward(ctx, 'leakyRelu', dy, x, negativeSlope),
  }),

  /** Gradient of sigmoid from its OUTPUT y = sigmoid(x): dy · y · (1 − y). */
  sigmoidBackward: defineOp({
    name: 'sigmoidBackward',
    inputs: ['dy', 'y'],
    outShape: (dy: Shaped, y: Shaped) => planActivationBackward('sigmoidBackward', dy.shape, y.shape),
    cpu: cpuActB.sigmoidBackward,
    gpu: (ctx, dy: Tensor, y: Tensor): Tensor => actB.activationBackward(ctx, 'sigmoid', dy, y),
  }),

  /** Gradient of tanh from its OUTPUT y = tanh(x): dy · (1 − y²). */
  tanhBackward: defineOp({
    name: 'tanhBackward',
    inputs: ['dy', 'y'],
    outShape: (dy: Shaped, y: Shaped) => planActivationBackward('tanhBackward', dy.shape, y.shape),
    cpu: cpuActB.tanhBackward,
    gpu: (ctx, dy: Tensor, y: Tensor): Tensor => actB.activationBackward(ctx, 'tanh', dy, y),
  }),

  /**
   * Gradients of prelu: `{ dx, dslope }`, dx = dy · (x > 0 ? 1 : slope_c) and dslope_c = Σ dy · min(x, 0)
   * over N and the spatial axes (over everything for a shared slope). `needs: { dx, dslope }` (each
   * default true) skips one (it is then null). dslope is a GPU tree reduction, one workgroup per slope.
   */
  preluBackward: defineOp({
    name: 'preluBackward',
    inputs: ['dy', 'x', 'slope'],
    outShape: (dy: Shaped, x: Shaped, slope: Shaped, options: PreluBackwardOptions = {}): PreluGradients<Shape> =>
      planPreluBackward(dy.shape, x.shape, slope.shape, options).shapes,
    cpu: cpuActB.preluBackward,
    gpu: (ctx, dy: Tensor, x: Tensor, slope: Tensor, options?: PreluBackwardOptions): PreluGradients<Tensor> =>
      actB.preluBackward(ctx, dy, x, slope, options),
  }),

  /** Gradient of crelu from its input x: dy[:, :C] · [x > 0] − dy[:, C:] · [x < 0]. */
  creluBackward: defineOp({
    name: 'creluBackward',
    inputs: ['dy', 'x'],
    outShape: (dy: Shaped, x: Shaped) => planCreluBackward(dy.shape, x.shape),
    cpu: cpuActB.creluBackward,
    gpu: (ctx, dy: Tensor, x: Tensor): Tensor => actB.creluBackward(ctx, dy, x),
  }),
  /** Gradient of pad2d (the forward's options): dx sums dy over the output pixels that read each input pixel; a crop for 'constant'. */
  pad2dBackward: defineOp({
    name: 'pad2dBackward',
    inputs: ['dy'],
    outShape: (dy: Shaped, options: Pad2dOptions) => planPad2dBackward(dy.shape, options).inShape,
    cpu: cpuPad.pad2dBackward,
    gpu: (ctx, dy: Tensor, options: Pad2dOptions): Tensor => pad.pad2dBackward(ctx, dy, options),
  }),

  /** Gradient of crop2d: zeros of `inputShape` with dy in the window (pad2d with zeros). Options: the forward's window and `inputShape`. */
  crop2dBackward: defineOp({
    name: 'crop2dBackward',
    inputs: ['dy'],
    outShape: (dy: Shaped, options: Crop2dBackwardOptions) => planCrop2dBackward(dy.shape, options).dxShape,
    cpu: cpuCrop.crop2dBackward,
    gpu: (ctx, dy: Tensor, options: Crop2dBackwardOptions): Tensor => crop.crop2dBackward(ctx, dy, options),
  }),

  /**
   * Gradients of binary: `{ da, db }` in a's and b's shapes, dy times each partial derivative summed over the
   * axes that operand was broadcast along (PyTorch's partials; max/min split a tie ½–½). Options: the
   * forward's `op`, and `needs: { da, db }` (each default true; a skipped one is null).
   */
  binaryBackward: defineOp({
    name: 'binaryBackward',
    inputs: ['a', 'b', 'dy'],
    outShape: (a: Shaped, b: Shaped, dy: Shaped, options: BinaryBackwardOptions): BinaryGradients<Shape> =>
      planBinaryBackward(a.shape, b.shape, dy.shape, options).shapes,
    cpu: cpuBinary.binaryBackward,
    gpu: (ctx, a: Tensor, b: Tensor, dy: Tensor, options: BinaryBackwardOptions): BinaryGradients<Tensor> =>
      binary.binaryBackward(ctx, a, b, dy, options),
  }),

  /** Gradient of globalAvgPool: dx [inputShape] = dy[n, c] / (H·W) at every pixel of plane (n, c). */
  globalAvgPoolBackward: defineOp({
    name: 'globalAvgPoolBackward',
    inputs: ['dy'],
    outShape: (dy: Shaped, options: GlobalAvgPoolBackwardOptions) => planGlobalAvgPoolBackward(dy.shape, options).inShape,
    cpu: cpuGap.globalAvgPoolBackward,
    gpu: (ctx, dy: Tensor, options: GlobalAvgPoolBackwardOptions): Tensor => gap.globalAvgPoolBackward(ctx, dy, options),
  }),

  /** Gradient of clip from its input x: dy · [min ≤ x ≤ max]. */
  clipBackward: defineOp({
    name: 'clipBackward',
    inputs: ['dy', 'x'],
    outShape: (dy: Shaped, x: Shaped, options: ClipOptions) => (
      resolveClip(options, 'clipBackward'),
      planActivationBackward('clipBackward', dy.shape, x.shape)
    ),
    cpu: cpuPw.clipBackward,
    gpu: (ctx, dy: Tensor, x: Tensor, options: ClipOptions): Tensor => pw.clipBackward(ctx, dy, x, options),
  }),

  /** Gradient of mish from its input x: dy · (tanh(sp) + x·sigmoid(x)·(1 − tanh²(sp))), sp = softplus(x). */
  mishBackward: defineOp({
    name: 'mishBackward',
    inputs: ['dy', 'x'],
    outShape: (dy: Shaped, x: Shaped) => planActivationBackward('mishBackward', dy.shape, x.shape),
    cpu: cpuPw.mishBackward,
    gpu: (ctx, dy: Tensor, x: Tensor): Tensor => pw.mishBackward(ctx, dy, x),
  }),

  /** Gradient of hardSwish from its input x: dy · (0 below the gate, 2α·x + β inside, 1 above), as PyTorch at the kinks. */
  hardSwishBackward: defineOp({
    name: 'hardSwishBackward',
    inputs: ['dy', 'x'],
    outShape: (dy: Shaped, x: Shaped, options?: HardSwishOptions) => (
      resolveHardSwish(options, 'hardSwishBackward'),
      planActivationBackward('hardSwishBackward', dy.shape, x.shape)
    ),
    cpu: cpuPw.hardSwishBackward,
    gpu: (ctx, dy: Tensor, x: Tensor, options?: HardSwishOptions): Tensor => pw.hardSwishBackward(ctx, dy, x, options),
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
