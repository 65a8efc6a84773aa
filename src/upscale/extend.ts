/**
 * Images smaller than a network's smallest input (UpscaleModelInfo.minInputSize: Real-ESRGAN and
 * Real-CUGAN mirror 10–19 pixels at the border, which a 1-pixel-wide image does not have) are extended
 * by repeating their last row and column to that size, upscaled, and cropped back to scale × their size.
 */
import type { AnyRgbaImage, Planes } from './image.js';

/** The image extended at the bottom and right, by its edge pixels, to at least height × width. */
export function extendRgba<T extends AnyRgbaImage>(image: T, height: number, width: number): T {
  const h = Math.max(height, image.height);
  const w = Math.max(width, image.width);
  const data = new (image.data.constructor as { new (n: number): T['data'] })(4 * h * w);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(y, image.height - 1);
    for (let x = 0; x < w; x++) {
      const src = 4 * (sy * image.width + Math.min(x, image.width - 1));
      for (let c = 0; c < 4; c++) data[4 * (y * w + x) + c] = image.data[src + c];
    }
  }
  return { ...image, data, width: w, height: h };
}

/** The top-left height × width of an RGBA image. */
export function cropRgba<T extends { data: Uint8ClampedArray<ArrayBuffer> | Uint16Array<ArrayBuffer>; width: number; height: number }>(
  image: T,
  height: number,
  width: number,
): T {
  const data = new (image.data.constructor as { new (n: number): T['data'] })(4 * height * width);
  for (let y = 0; y < height; y++) data.set(image.data.subarray(4 * y * image.width, 4 * (y * image.width + width)), 4 * y * width);
  return { ...image, data, width, height };
}

/** Planes extended at the bottom and right by their edge values. */
export function extendPlanes(p: Planes, height: number, width: number): Planes {
  const h = Math.max(height, p.height);
  const w = Math.max(width, p.width);
  const data = new Float32Array(p.channels * h * w);
  for (let c = 0; c < p.channels; c++) {
    for (let y = 0; y < h; y++) {
      const row = (c * p.height + Math.min(y, p.height - 1)) * p.width;
      for (let x = 0; x < w; x++) data[(c * h + y) * w + x] = p.data[row + Math.min(x, p.width - 1)];
    }
  }
  return { data, channels: p.channels, height: h, width: w };
}

/** The top-left height × width of planes. */
export function cropTopLeft(p: Planes, height: number, width: number): Planes {
  const data = new Float32Array(p.channels * height * width);
  for (let c = 0; c < p.channels; c++) {
    for (let y = 0; y < height; y++)
      data.set(p.data.subarray((c * p.height + y) * p.width, (c * p.height + y) * p.width + width), (c * height + y) * width);
  }
  return { data, channels: p.channels, height, width };
}
