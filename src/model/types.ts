/**
 * The contract between a loaded network and the image pipeline (tiling,
 * progress, cancel). A model is bound to the engine that holds its weights.
 */
import type { Tensor } from '../tensor.js';

export interface UpscaleModel {
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
  /** Runs on [1, 3, H, W] (RGB, NCHW, values in inputRange); returns [1, 3, H·scale, W·scale]. Does not dispose `x`. */
  run(x: Tensor): Tensor;
  /** Frees the weights on the GPU. Idempotent. */
  dispose(): void;
}
