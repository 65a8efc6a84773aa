/**
 * Any output scale with any model: `upscaleBy` runs the model as many times
 * as it takes to reach the requested scale (each pass on the previous pass's
 * rounded result, as waifu2x-ncnn-vulkan's `-s 4` runs its ×2 model twice),
 * then shrinks to the exact size with antialiased bicubic (PIL's BICUBIC,
 * src/cpu/downsample.ts 'bicubic-aa'): ×3 from a ×4 model is ×4 then ×3/4.
 */
import { downsample } from '../cpu/downsample.js';
import { ArgumentError } from '../core/errors.js';
import type { UpscaledImage, UpscaledImage16 } from './upscale.js';

/** Passes of a ×`modelScale` model needed to reach at least ×`scale`, and the shrink factor after them. */
export function scalePlan(modelScale: number, scale: number): { passes: number; shrink: number } {
  if (!(Number.isFinite(scale) && scale > 0)) throw new ArgumentError(`scale ${scale} must be a finite number > 0`);
  let passes = 1;
  while (modelScale ** passes < scale - 1e-9 && passes < 8) passes++;
  if (modelScale ** passes < scale - 1e-9) throw new ArgumentError(`scale ${scale} needs more than 8 passes of a ×${modelScale} model`);
  return { passes, shrink: modelScale ** passes / scale };
}

/** The largest factor f with ⌊n / f⌋ = out (downsample's size rule), so float rounding never loses a row. */
function factorFor(n: number, out: number): number {
  let f = n / out;
  const view = new DataView(new ArrayBuffer(8));
  while (Math.floor(n / f) < out) {
    view.setFloat64(0, f);
    view.setBigUint64(0, view.getBigUint64(0) - 1n);
    f = view.getFloat64(0);
  }
  return Math.max(1, f);
}

/** Resizes RGBA (8 or 16 bits) down to exactly width × height, antialiased bicubic on straight (not premultiplied) channels. */
export function shrinkImage<T extends UpscaledImage | UpscaledImage16>(image: T, width: number, height: number): T {
  if (!(
    Number.isInteger(width) &&
    Number.isInteger(height) &&
    width >= 1 &&
    height >= 1 &&
    width <= image.width &&
    height <= image.height
  )) {
    throw new ArgumentError(`shrinkImage: ${width}×${height} must be a positive size no larger than ${image.width}×${image.height}`);
  }
  if (width === image.width && height === image.height) return image;
  const { width: w, height: h, data } = image;
  const planes = new Float32Array(4 * w * h);
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 4; c++) planes[c * w * h + i] = data[i * 4 + c];
  const out = downsample(
    { data: planes, shape: [1, 4, h, w] },
    { factor: [factorFor(h, height), factorFor(w, width)], mode: 'bicubic-aa' },
  );
  const max = data instanceof Uint16Array ? 65535 : 255;
  const result = data instanceof Uint16Array ? new Uint16Array(4 * width * height) : new Uint8ClampedArray(4 * width * height);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 4; c++) result[i * 4 + c] = Math.min(max, Math.max(0, Math.round(out.data[c * width * height + i])));
  }
  return { data: result, width, height } as T;
}
