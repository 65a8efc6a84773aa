/**
 * Image formats at the edges of the pipeline: RGBA in and out, 8 bits per
 * channel (ImageData-shaped, so Node buffers and browser ImageData both fit)
 * or 16 (a 16-bit PNG's samples, 0–65535), planar float RGB in the model's
 * value range in between.
 */
import { ArgumentError, ShapeError } from '../errors.js';
import type { Region } from './tiling.js';

/** RGBA pixels, 8 bits per channel, row-major. A browser ImageData has this shape. */
export interface RgbaImage {
  readonly data: Uint8ClampedArray | Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** RGBA pixels, 16 bits per channel (0–65535), row-major: e.g. a decoded 16-bit PNG. */
export interface Rgba16Image {
  readonly data: Uint16Array;
  readonly width: number;
  readonly height: number;
}

/** What `upscale()` accepts at 8 bits: RGBA pixels anywhere; in browsers also a bitmap or a canvas. */
export type ImageInput = RgbaImage | ImageBitmap | HTMLCanvasElement | OffscreenCanvas;

/** RGBA pixels of either depth, as the pipeline reads and writes them. */
export type AnyRgbaImage = RgbaImage | Rgba16Image;

/** The largest sample value of an image's depth: 255 or 65535 (the value of an opaque alpha). */
export function maxSample(image: AnyRgbaImage): 255 | 65535 {
  return image.data instanceof Uint16Array ? 65535 : 255;
}

/** Planar float channels, `data[c·H·W + y·W + x]`. */
export interface Planes {
  readonly data: Float32Array;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/** A value range such as [0, 255] or [0, 1]. */
export type Range = readonly [number, number];

function isRgbaImage(v: unknown): v is AnyRgbaImage {
  if (!v || typeof v !== 'object' || !('data' in v)) return false;
  const d = (v as { data: unknown }).data;
  return d instanceof Uint8ClampedArray || d instanceof Uint8Array || d instanceof Uint16Array;
}

/** Checks an RGBA image's dimensions against its data length; returns it unchanged. */
export function checkRgbaImage<T extends AnyRgbaImage>(op: string, image: T): T {
  const { width, height, data } = image;
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new ShapeError(`${op}: image ${name} ${String(v)} must be a positive integer`);
    }
  }
  if (data.length !== width * height * 4) {
    const unit = data instanceof Uint16Array ? '16-bit values' : 'bytes';
    throw new ShapeError(`${op}: image data has ${data.length} ${unit} but ${width}×${height} RGBA needs ${width * height * 4}`);
  }
  return image;
}

/**
 * Returns RGBA pixels for any accepted input. Bitmaps and canvases are drawn
 * onto an OffscreenCanvas and read back with getImageData (browser only; the
 * typeof guards keep Node from touching DOM globals). Canvas 2D stores
 * premultiplied alpha, so colours of nearly transparent pixels come back
 * quantised: pass ImageData yourself when that matters.
 */
export function toRgbaImage(op: string, input: ImageInput | Rgba16Image): AnyRgbaImage {
  if (isRgbaImage(input)) return checkRgbaImage(op, input);
  const drawable =
    (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) ||
    (typeof HTMLCanvasElement !== 'undefined' && input instanceof HTMLCanvasElement) ||
    (typeof OffscreenCanvas !== 'undefined' && input instanceof OffscreenCanvas);
  const gpuOrVideo =
    (typeof VideoFrame !== 'undefined' && input instanceof VideoFrame) ||
    (typeof HTMLVideoElement !== 'undefined' && input instanceof HTMLVideoElement) ||
    (!!input && typeof (input as { createView?: unknown }).createView === 'function');
  if (gpuOrVideo) {
    throw new ArgumentError(
      `${op}: a ${describe(input)} is read on the GPU: upscaleTexture(engine, source, { model }) takes it and returns the result as ` +
        `a GPUTexture (no CPU round trip); upscale() takes RGBA pixels, an ImageBitmap or a canvas`,
    );
  }
  if (!drawable) {
    throw new ArgumentError(
      `${op}: image must be RGBA pixels { data: Uint8ClampedArray | Uint8Array | Uint16Array, width, height } (e.g. ImageData), ` +
        `an ImageBitmap, an HTMLCanvasElement or an OffscreenCanvas; got ${describe(input)}`,
    );
  }
  if (typeof OffscreenCanvas === 'undefined') {
    throw new ArgumentError(`${op}: reading a bitmap or canvas needs OffscreenCanvas, which this environment lacks; pass ImageData`);
  }
  const { width, height } = input as { width: number; height: number };
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new ArgumentError(`${op}: could not get a 2D context on an OffscreenCanvas to read the image`);
  ctx.drawImage(input as CanvasImageSource, 0, 0);
  return checkRgbaImage(op, ctx.getImageData(0, 0, width, height));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}

/**
 * A rectangle of an RGBA image as planar floats [C, h, w]: RGB mapped from
 * [0, max] (max = 255 or 65535 by depth) onto `range` (C = 3), or alpha as is
 * (C = 1). Tiles are read straight from the samples, so no full-size float
 * copy of the image is made.
 */
export function readRegion(image: AnyRgbaImage, region: Region, what: 'rgb' | 'alpha', range: Range = [0, maxSample(image)]): Float32Array {
  const { data, width } = image;
  const { y, x, height: h, width: w } = region;
  const plane = h * w;
  const [lo, hi] = range;
  const k = (hi - lo) / maxSample(image);
  const out = new Float32Array((what === 'rgb' ? 3 : 1) * plane);
  for (let r = 0; r < h; r++) {
    let src = ((y + r) * width + x) * 4;
    let dst = r * w;
    for (let i = 0; i < w; i++, src += 4, dst++) {
      if (what === 'alpha') {
        out[dst] = data[src + 3];
      } else {
        out[dst] = lo + data[src] * k;
        out[plane + dst] = lo + data[src + 1] * k;
        out[2 * plane + dst] = lo + data[src + 2] * k;
      }
    }
  }
  return out;
}

/** True when every pixel has the largest alpha of its depth (255 or 65535). */
export function isOpaque(image: AnyRgbaImage): boolean {
  const { data } = image;
  const max = maxSample(image);
  for (let i = 3; i < data.length; i += 4) if (data[i] !== max) return false;
  return true;
}

/** Copies a rectangle of planes into a new tightly packed Planes. */
export function cropPlanes(src: Planes, { y, x, height, width }: Region): Planes {
  const { channels, data } = src;
  const out = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++) {
    for (let r = 0; r < height; r++) {
      const from = c * src.height * src.width + (y + r) * src.width + x;
      out.set(data.subarray(from, from + width), (c * height + r) * width);
    }
  }
  return { data: out, channels, height, width };
}

/**
 * Writes planes into RGBA samples at (y, x), channel c of the planes going to
 * sample `firstChannel + c` of each pixel, mapping `range` onto [0, max]
 * (max = 255 for bytes, 65535 for a Uint16Array) with rounding (half up) and
 * clamping.
 */
export function writePlanesToRgba(
  dst: Uint8ClampedArray | Uint16Array,
  dstWidth: number,
  src: Planes,
  y: number,
  x: number,
  firstChannel: number,
  range: Range,
): void {
  const [lo, hi] = range;
  const max = dst instanceof Uint16Array ? 65535 : 255;
  const k = max / (hi - lo);
  const plane = src.height * src.width;
  for (let c = 0; c < src.channels; c++) {
    for (let r = 0; r < src.height; r++) {
      let s = c * plane + r * src.width;
      let d = ((y + r) * dstWidth + x) * 4 + firstChannel + c;
      // Uint8ClampedArray rounds half to even and Uint16Array wraps: round (.5 up) and clamp explicitly.
      for (let i = 0; i < src.width; i++, s++, d += 4) dst[d] = Math.min(max, Math.max(0, Math.round((src.data[s] - lo) * k)));
    }
  }
}
