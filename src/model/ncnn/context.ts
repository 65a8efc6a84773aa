/**
 * The state of lowering an ncnn net to a ModelGraph: the IR nodes emitted so
 * far and, for every ncnn blob, the IR tensor that holds it and what is known
 * about it statically (channels, image or vector, spatial size as a function
 * of the input size).
 *
 * ncnn blobs are [C, H, W] images or 1-D [C] vectors (after global pooling
 * and InnerProduct); in the IR a vector is [N, C, 1, 1]. The spatial size of
 * an image is tracked as an affine function a·n + b of the input's size n,
 * per axis, so that layers joining two blobs (Eltwise, BinaryOp, Concat)
 * are checked to join equal sizes for every input, and families can tell a
 * 'valid' net (output scale·n for input n + 2P) from a 'same' one.
 */
import type { GraphNode } from '../ir.js';
import type { NcnnLayer } from './param.js';
import { ncnnError } from './where.js';
import type { NcnnLayerWeights } from './weights.js';

/** Spatial size a·n + b for an input of size n. */
export interface Affine {
  a: number;
  b: number;
}

export interface BlobInfo {
  /** The IR tensor holding the blob. */
  node: string;
  channels: number;
  /** A 1-D ncnn blob ([N, C, 1, 1] in the IR). */
  vector: boolean;
  /** Height and width as functions of the input size (images only). */
  h: Affine;
  w: Affine;
}

export const sameAffine = (x: Affine, y: Affine): boolean => Math.abs(x.a - y.a) < 1e-9 && Math.abs(x.b - y.b) < 1e-9;
export const showAffine = (x: Affine): string => `${+x.a.toFixed(6)}·n ${x.b < 0 ? '−' : '+'} ${Math.abs(+x.b.toFixed(6))}`;

export class Lowering {
  readonly nodes: GraphNode[] = [];
  readonly blobs = new Map<string, BlobInfo>();
  private readonly names = new Set<string>();

  constructor(readonly file: string) {}

  /** A ModelError about `layer` (and its parameter `key`, when given). */
  error(layer: NcnnLayer, message: string, key?: number, keyName?: string): Error {
    return ncnnError(this.file, layer, message, key, keyName);
  }

  /** A node name not used yet, from `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 2; this.names.has(name); i++) name = `${base}~${i}`;
    this.names.add(name);
    return name;
  }

  emit<N extends GraphNode>(node: N): N {
    this.nodes.push(node);
    return node;
  }

  input(layer: NcnnLayer, i: number): BlobInfo {
    return this.blobs.get(layer.inputs[i])!;
  }

  /** Refuses a vector where the layer needs an image. */
  image(layer: NcnnLayer, i: number): BlobInfo {
    const b = this.input(layer, i);
    if (b.vector)
      throw this.error(
        layer,
        `input '${layer.inputs[i]}' is a 1-D vector (from global pooling or InnerProduct); this layer needs an image`,
      );
    return b;
  }

  /** Records the layer's (only) output blob. */
  define(layer: NcnnLayer, info: BlobInfo, index = 0): void {
    this.blobs.set(layer.outputs[index], info);
  }
}

/** Everything a layer's lowering reads. */
export interface LayerInput {
  cx: Lowering;
  layer: NcnnLayer;
  weights: NcnnLayerWeights;
}
