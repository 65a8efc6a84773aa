/**
 * The graph a model is lowered to: NCHW, PyTorch weight layouts, nodes in
 * topological order. Built (and validated) on the CPU before anything touches the GPU.
 */
import type { ActivationName } from '../ops/activation.js';
import type { DepthToSpaceMode } from '../ops/depth-to-space.js';

export interface ConvNode {
  kind: 'conv';
  name: string;
  inputs: [string];
  /** PyTorch conv2d layout [Cout, Cin, kH, kW]. */
  weight: Float32Array;
  weightShape: [number, number, number, number];
  bias: Float32Array | null;
  stride: [number, number];
  dilation: [number, number];
  padding: [number, number];
  activation: ActivationName;
}

export type GraphNode =
  | { kind: 'input'; name: string; inputs: []; channels: number }
  | ConvNode
  | { kind: 'activation'; name: string; inputs: [string]; fn: ActivationName }
  | { kind: 'add'; name: string; inputs: string[] }
  | { kind: 'concat'; name: string; inputs: string[] }
  /** mode: 'nearest' (default) or 'bilinear' (half-pixel, PyTorch align_corners=False; Anime4K's residual). */
  | { kind: 'upsample'; name: string; inputs: [string]; size: [number, number]; mode?: 'nearest' | 'bilinear' }
  | { kind: 'scale'; name: string; inputs: [string]; factor: number }
  /** Channel order of the block: 'DCR' (TensorFlow's depth_to_space, ONNX's default) or 'CRD' (PyTorch's pixel_shuffle). */
  | { kind: 'depthToSpace'; name: string; inputs: [string]; r: number; mode: DepthToSpaceMode };

export interface ModelGraph {
  nodes: GraphNode[];
  output: string;
}

/** Per-tensor facts derived from the graph: channels, resolution factor, receptive radius. */
export interface TensorInfo {
  channels: number;
  /** Resolution relative to the input (1 at the input, r after a ×r upsampling). */
  factor: number;
  /** Input pixels of context, on each side, that one value of this tensor depends on. */
  radius: number;
}
