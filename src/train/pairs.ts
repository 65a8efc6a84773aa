/**
 * Training pairs for a ×scale upsampler from high-resolution images: each call
 * cuts `batch` random `patch`×`patch` crops (seeded: the same seed gives the
 * same crops), uploads them as the target y [batch, 3, patch, patch], and
 * makes the input x [batch, 3, patch/scale, patch/scale] on the GPU with
 * downsample 'bicubic-aa' (PyTorch interpolate bicubic antialias = PIL
 * BICUBIC, the usual super-resolution degradation).
 */
import { seededRandom } from '../analysis/random.js';
import type { Engine } from '../engine.js';
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkOptions, int, optionKeys } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';

/** An RGB image as planes [3, H, W] (R plane, then G, then B), values in [0, 1]. */
export interface TrainingImage {
  data: Float32Array;
  height: number;
  width: number;
}

export interface TrainingPairOptions {
  /** High-resolution patch size (a multiple of scale, at most each image's smaller side). */
  patch: number;
  scale: number;
  batch: number;
  /** Default 0. */
  seed?: number;
}

const KEYS = optionKeys<TrainingPairOptions>({ patch: true, scale: true, batch: true, seed: true });

/** Returns a batch maker: each call gives new { x (low-res), y (high-res) }; the caller disposes both. */
export function makeTrainingPairs(engine: Engine, images: TrainingImage[], options: TrainingPairOptions): () => { x: Tensor; y: Tensor } {
  const op = 'makeTrainingPairs';
  checkOptions(op, options, KEYS);
  const patch = int(op, 'patch', options.patch, { min: 1 });
  const scale = int(op, 'scale', options.scale, { min: 1 });
  const batch = int(op, 'batch', options.batch, { min: 1 });
  const seed = int(op, 'seed', options.seed ?? 0, { min: 0 });
  if (patch % scale !== 0) throw new ArgumentError(`${op}: patch ${patch} must be a multiple of scale ${scale}`);
  if (!Array.isArray(images) || images.length === 0)
    throw new ArgumentError(`${op}: images must be a non-empty array of { data, height, width }`);
  images.forEach((im, i) => {
    if (!(im?.data instanceof Float32Array) || !Number.isInteger(im.height) || !Number.isInteger(im.width)) {
      throw new ArgumentError(`${op}: images[${i}] must be { data: Float32Array, height, width } (RGB planes [3, H, W])`);
    }
    if (im.data.length !== 3 * im.height * im.width)
      throw new ShapeError(
        `${op}: images[${i}] data has ${im.data.length} values, 3×${im.height}×${im.width} needs ${3 * im.height * im.width}`,
      );
    if (im.height < patch || im.width < patch)
      throw new ShapeError(`${op}: images[${i}] ${im.height}×${im.width} is smaller than patch ${patch}`);
  });
  const random = seededRandom(seed);
  const pick = (n: number): number => Math.min(n - 1, Math.floor(random() * n));
  return () => {
    engine.kernelContext(op);
    const y = new Float32Array(batch * 3 * patch * patch);
    for (let b = 0; b < batch; b++) {
      const im = images[pick(images.length)];
      const top = pick(im.height - patch + 1);
      const left = pick(im.width - patch + 1);
      for (let c = 0; c < 3; c++) {
        for (let r = 0; r < patch; r++) {
          const from = (c * im.height + top + r) * im.width + left;
          y.set(im.data.subarray(from, from + patch), ((b * 3 + c) * patch + r) * patch);
        }
      }
    }
    const yt = engine.tensor(y, [batch, 3, patch, patch]);
    return { x: engine.downsample(yt, { factor: scale, mode: 'bicubic-aa' }), y: yt };
  };
}
