/**
 * The contract between a loaded network and the image pipeline (tiling,
 * progress, cancel). UpscaleModelInfo is what tiling needs to know about a
 * network, wherever it runs; an UpscaleModel is one bound to the engine that
 * holds its weights.
 */
import type { Tensor } from '../core/tensor.js';
import type { ModelGraph } from './ir.js';
import type { PoolRequest, RunGraphOptions } from './run-graph.js';

/** A global pool of a network: its node name and the resolution (relative to the input) of the tensor it pools. */
export interface GlobalPool {
  readonly name: string;
  readonly factor: number;
}

export interface UpscaleModelInfo {
  /** e.g. 'esrgan-slim-x4'. */
  readonly name: string;
  /** Integer upscaling factor of the network. */
  readonly scale: number;
  /**
   * How many input pixels of context, on each side, an output pixel depends on,
   * computed from the graph (sum over layers of dilation·(k−1)/2 in input pixels).
   * Tiling uses it as the overlap that makes tiled and untiled runs equal.
   */
  readonly receptiveRadius: number;
  /** Value range the network expects for its RGB input, e.g. [0, 255]. */
  readonly inputRange: readonly [number, number];
  /** Value range of its output. */
  readonly outputRange: readonly [number, number];
  /**
   * Elements of the largest intermediate tensor per input pixel: max over the
   * graph's tensors of channels × (resolution / input resolution)². Tiling uses
   * it to size tiles; when absent it assumes the widest layer at output resolution.
   */
  readonly peakElementsPerInputPixel?: number;
  /**
   * Widest channel count among the graph's tensors. Optional; tiling falls back
   * on it (times scale², as if at output resolution) when
   * peakElementsPerInputPixel is absent, and on 64 when both are.
   */
  readonly maxChannels?: number;
  /**
   * The network as the loader lowered it (NCHW, PyTorch layouts). Models from
   * loadModel/loadModelFromPackage carry it; exportOnnx and the CPU backend
   * read it. Optional: a hand-written model need not have one.
   */
  readonly graph?: ModelGraph;
  /**
   * Tile origins must be multiples of this many input pixels (a stride-2 conv inside the
   * network: 2). Default 1.
   */
  readonly gridAlignment?: number;
  /**
   * The network's global pools (squeeze-excitation), in graph order: an output pixel depends
   * on the whole image through them, so tiling computes their whole-image values first
   * (one pass per pool) and hands them to every tile. Empty or absent: none.
   */
  readonly globalPools?: readonly GlobalPool[];
  /**
   * Smallest height and width the network runs on (a reflect border of p pixels needs more than p):
   * upscale() extends a smaller image by its edge pixels to this size and crops the result. Default 1.
   */
  readonly minInputSize?: number;
  /**
   * Smallest tile, whatever its size's remainder: a reflect border rounded up to a multiple m reads up to
   * m − 1 more pixels (tiling grows thinner tiles inward to this). Default minInputSize.
   */
  readonly minTileSize?: number;
}

export interface UpscaleModel extends UpscaleModelInfo {
  /** Runs on [1, 3, H, W] (RGB, NCHW, values in inputRange); returns [1, 3, H·scale, W·scale]. Does not dispose `x`. */
  run(x: Tensor, options?: RunGraphOptions<Tensor>): Tensor;
  /**
   * The same run, pausing at each global pool not in `options.given` (see PreparedGraph.walk in
   * src/model/run-graph.ts): how tiling supplies whole-image statistics. Graph models have it.
   */
  walk?(x: Tensor, options?: RunGraphOptions<Tensor>): Generator<PoolRequest<Tensor>, Tensor, Tensor | undefined>;
  /** Frees the weights on the GPU. Idempotent. */
  dispose(): void;
}
