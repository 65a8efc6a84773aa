/**
 * The graph a model is lowered to: NCHW, PyTorch weight layouts, nodes in
 * topological order. Built (and validated) on the CPU before anything touches the GPU.
 *
 * Every loader (TensorFlow.js layers, Anime4K, ncnn, PyTorch checkpoints,
 * ONNX) and `Sequential` lower to this one representation; what each kind
 * means, how it is analysed (channels, resolution, receptive field), run on
 * a backend and exported to ONNX is one row of the node table
 * (src/model/nodes.ts), which must have a row for every kind below.
 *
 * Tensors are [N, C, H, W]. A "vector" tensor is [N, C, 1, 1] (a global pool
 * and what is computed from it); binary ops broadcast it over H and W.
 */
import type { ActivationName } from '../ops/activation.js';
import type { DepthToSpaceMode } from '../ops/depth-to-space.js';

/** A fused activation: the engine's epilogue activations, leakyRelu with its slope. */
export interface FusedActivation {
  activation: ActivationName;
  /** Slope of 'leakyRelu' for negative inputs; default 0.01 (PyTorch). */
  negativeSlope?: number;
}

export interface ConvNode extends FusedActivation {
  kind: 'conv';
  name: string;
  inputs: [string];
  /** PyTorch conv2d layout [Cout, Cin/groups, kH, kW]. */
  weight: Float32Array;
  weightShape: [number, number, number, number];
  bias: Float32Array | null;
  stride: [number, number];
  dilation: [number, number];
  /** Zero padding [h, w] on both sides (asymmetric padding is a 'pad' node before the conv). */
  padding: [number, number];
  /** Default 1. */
  groups?: number;
}

/** PyTorch ConvTranspose2d: weight [Cin, Cout/groups, kH, kW]; out = (in−1)s − 2p + d(k−1) + op + 1. */
export interface ConvTransposeNode extends FusedActivation {
  kind: 'convTranspose';
  name: string;
  inputs: [string];
  weight: Float32Array;
  weightShape: [number, number, number, number];
  bias: Float32Array | null;
  stride: [number, number];
  dilation: [number, number];
  /** Rows/columns cut from both sides of the full output, [h, w] (asymmetric cuts: a 'crop' node after it). */
  padding: [number, number];
  outputPadding: [number, number];
  /** Default 1. */
  groups?: number;
}

export type BinaryOpName = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'pow';
export type PadMode = 'constant' | 'replicate' | 'reflect';
export type UpsampleNodeMode = 'nearest' | 'bilinear' | 'bicubic';

export type GraphNode =
  | { kind: 'input'; name: string; inputs: []; channels: number }
  | ConvNode
  | ConvTransposeNode
  /** An element-wise activation; negativeSlope for 'leakyRelu' (default 0.01). */
  | { kind: 'activation'; name: string; inputs: [string]; fn: ActivationName; negativeSlope?: number }
  /** clamp(x, min, max) (ncnn activation 3, ONNX Clip, ReLU6). */
  | { kind: 'clip'; name: string; inputs: [string]; min: number; max: number }
  /** x·tanh(softplus(x)) (ncnn activation 5). */
  | { kind: 'mish'; name: string; inputs: [string] }
  /** x·clamp(alpha·x + beta, 0, 1) (ncnn activation 6; alpha 1/6, beta 0.5 is PyTorch's hardswish). */
  | { kind: 'hardSwish'; name: string; inputs: [string]; alpha: number; beta: number }
  /** PyTorch prelu: slope has 1 or C elements. */
  | { kind: 'prelu'; name: string; inputs: [string]; slope: Float32Array }
  /** Sum of same-shaped tensors; with coefficients, Σ coefficients[i]·inputs[i] (ncnn Eltwise). */
  | { kind: 'add'; name: string; inputs: string[]; coefficients?: number[] }
  /** a ∘ b with NumPy broadcasting (b a [N, C, 1, 1] vector, a [C]-constant, or a scalar constant). */
  | { kind: 'binary'; name: string; inputs: [string, string]; op: BinaryOpName }
  /** A constant tensor (e.g. ONNX initializers used as operands, ncnn BinaryOp scalars): any rank ≤ 4. */
  | { kind: 'constant'; name: string; inputs: []; data: Float32Array; shape: number[] }
  /** Concatenation on the channel axis. */
  | { kind: 'concat'; name: string; inputs: string[] }
  /**
   * Resampling by a scale factor per axis (size = floor(in·scale)). nearest: src = min(⌊dst/scale⌋, in−1);
   * bilinear and bicubic: half-pixel (PyTorch align_corners=False), clamp-to-edge taps, bicubic a = cubicCoeffA (default −0.75).
   */
  | { kind: 'upsample'; name: string; inputs: [string]; size: [number, number]; mode?: UpsampleNodeMode; cubicCoeffA?: number }
  /** Multiplies by a scalar. */
  | { kind: 'scale'; name: string; inputs: [string]; factor: number }
  /** Channel order of the block: 'DCR' (TensorFlow's depth_to_space, ONNX's default) or 'CRD' (PyTorch's pixel_shuffle). */
  | { kind: 'depthToSpace'; name: string; inputs: [string]; r: number; mode: DepthToSpaceMode }
  /** The inverse blocks: 'CRD' is PyTorch's pixel_unshuffle, 'DCR' ONNX SpaceToDepth. */
  | { kind: 'spaceToDepth'; name: string; inputs: [string]; r: number; mode: DepthToSpaceMode }
  /**
   * Spatial crop. With one input: cut `begin` [top, left] rows/columns from the start and `end` [bottom, right]
   * from the end. With two inputs [x, ref]: a window of ref's size times `refScale` (default 1) at offset
   * `begin` (ncnn's two-input Crop; refScale crops a network's output to scale × its input).
   */
  | { kind: 'crop'; name: string; inputs: [string] | [string, string]; begin: [number, number]; end?: [number, number]; refScale?: number }
  /**
   * Padding [top, bottom, left, right]: 'constant' (value), 'replicate' (edge) or 'reflect' (reflect-101, no
   * edge repeat). With `multiple`, bottom and right are padded further (same mode) until the height and width
   * are multiples of it, as the native programs round their tiles up.
   */
  | {
      kind: 'pad';
      name: string;
      inputs: [string];
      pads: [number, number, number, number];
      mode: PadMode;
      value?: number;
      multiple?: number;
    }
  /** Channels [start, start + count). */
  | { kind: 'sliceChannels'; name: string; inputs: [string]; start: number; count: number }
  /** Mean over H and W: [N, C, H, W] → [N, C, 1, 1]. Needs the whole image: its receptive field is 'global'. */
  | { kind: 'globalAvgPool'; name: string; inputs: [string] };

export type GraphNodeKind = GraphNode['kind'];
/** The node of one kind. */
export type NodeOf<K extends GraphNodeKind> = Extract<GraphNode, { kind: K }>;

export interface ModelGraph {
  nodes: GraphNode[];
  output: string;
}

/** Per-tensor facts derived from the graph: channels, resolution factor, vector/global (the receptive field is `reads`'s). */
export interface TensorInfo {
  channels: number;
  /** Resolution relative to the input (1 at the input, r after a ×r upsampling). */
  factor: number;
  /** A [N, C, 1, 1] vector (a global pool and what is computed from it) rather than an image. */
  vector?: boolean;
  /** Depends on the whole image (through a global pool): tiling must supply the whole-image statistics. */
  global?: boolean;
}
