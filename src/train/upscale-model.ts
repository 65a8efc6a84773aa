/**
 * A Sequential as an UpscaleModel (the contract of src/model/types.ts that
 * upscale() tiles over).
 *
 * Receptive radius, exactly: every layer here is shift-equivariant with its
 * own period (shifting its input by one pixel shifts its output by its scale),
 * so the whole chain is with period S = the model's scale, and output pixel
 * S·J + A depends on the same input pixels, relative to J, for every J. So
 * for each phase A in 0 … S−1 the output interval [A, A] is carried back
 * through each layer's `inputInterval` (the input positions its outputs read,
 * zero padding included) to an input interval [lo, hi]; the radius is the
 * largest of −lo and hi. That is what tiling needs for tiled == untiled.
 */
import { ModelError } from '../model/errors.js';
import type { UpscaleModel } from '../model/types.js';
import { fmt, type Shape } from '../ops/params.js';
import type { Tensor } from '../tensor.js';
import type { LayerBase } from './layer.js';

export interface ToUpscaleModelOptions {
  /** The network's integer scale (checked against its shapes). */
  scale: number;
  /** Value range of the RGB input (and output); default [0, 1]. */
  inputRange?: [number, number];
  /** Default 'sequential-x<scale>'. */
  name?: string;
}

interface Runnable {
  forward(x: Tensor, options?: { training?: boolean }): Tensor;
  readonly isDisposed: boolean;
}

/** Input pixels each side that one output pixel reads, along axis a (see the file comment). */
export function receptiveRadius(chain: readonly LayerBase[], scale: number, a: 0 | 1): number {
  let radius = 0;
  for (let phase = 0; phase < scale; phase++) {
    let [lo, hi] = [phase, phase];
    for (let i = chain.length - 1; i >= 0; i--) [lo, hi] = chain[i].inputInterval(lo, hi, a);
    radius = Math.max(radius, -lo, hi);
  }
  return radius;
}

export function toUpscaleModel(net: Runnable, chain: readonly LayerBase[], options: ToUpscaleModelOptions): UpscaleModel {
  const op = 'toUpscaleModel';
  const scale = options?.scale;
  if (!Number.isInteger(scale) || scale < 1) throw new ModelError(`${op}: scale ${String(scale)} must be an integer >= 1`);
  const inputRange = options.inputRange ?? [0, 1];
  if (!Array.isArray(inputRange) || inputRange.length !== 2 || !(inputRange[0] < inputRange[1])) {
    throw new ModelError(`${op}: inputRange ${JSON.stringify(inputRange)} must be [low, high] with low < high`);
  }
  const name = options.name ?? `sequential-x${scale}`;
  // Shapes for two input sizes (even and odd): each must come out exactly ×scale with 3 channels.
  let peak = 3;
  let maxChannels = 3;
  for (const size of [16, 17]) {
    let shape: Shape = [1, 3, size, size];
    for (const [i, layer] of chain.entries()) {
      try {
        shape = layer.outShape(shape);
      } catch (e) {
        throw new ModelError(`${op}: layer ${i} (${layer.kind}) cannot take ${fmt(shape)} from an RGB input: ${(e as Error).message}`, {
          cause: e,
        });
      }
      peak = Math.max(peak, (shape[1] * shape[2] * shape[3]) / (size * size));
      maxChannels = Math.max(maxChannels, shape[1]);
    }
    const want = [1, 3, size * scale, size * scale];
    if (shape.some((d, i) => d !== want[i])) {
      throw new ModelError(
        `${op}: an input [1, 3, ${size}, ${size}] gives ${fmt(shape)}, not ${fmt(want)}: the network must map RGB to RGB at exactly ×${scale}`,
      );
    }
  }
  const radius = Math.max(receptiveRadius(chain, scale, 0), receptiveRadius(chain, scale, 1));
  return {
    name,
    scale,
    receptiveRadius: radius,
    inputRange: [inputRange[0], inputRange[1]],
    outputRange: [inputRange[0], inputRange[1]],
    peakElementsPerInputPixel: peak,
    maxChannels,
    run(x: Tensor): Tensor {
      if (net.isDisposed) throw new ModelError(`model '${name}': its Sequential was disposed`);
      if (x.shape.length !== 4 || x.shape[1] !== 3) throw new ModelError(`model '${name}' takes [N, 3, H, W], got ${fmt(x.shape)}`);
      return net.forward(x);
    },
    // The weights are the Sequential's (one owner): disposing the model frees nothing; dispose the network.
    dispose() {},
  };
}
