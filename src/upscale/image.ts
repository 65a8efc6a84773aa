/**
 * Image formats at the edges of the pipeline: RGBA in and out, 8 bits per
 * channel (ImageData-shaped, so Node buffers and browser ImageData both fit)
 * or 16 (a 16-bit PNG's samples, 0–65535), planar float RGB in the model's
 * value range in between.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
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

/**
 * RGB pixels, 3 samples per pixel, row-major: e.g. sharp's default raw output
 * (`{ data, info }` → `{ data, width: info.width, height: info.height }`). Told
 * from RGBA by its length (3·W·H), or by `channels: 3` when given.
 */
export interface RgbImage {
  /** 8-bit here; 16-bit RGB (a Uint16Array of 3·W·H) is accepted as an Rgba16Image is, and comes back 16-bit. */
  readonly data: Uint8ClampedArray | Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels?: 3;
}

/**
 * What `upscale()` accepts: RGBA or RGB pixels anywhere (8-bit, or 16-bit in a
 * Uint16Array); in browsers also an ImageBitmap, a canvas, a loaded
 * HTMLImageElement, and, decoded first (asynchronously), a Blob/File or a URL.
 */
export type ImageInput = RgbaImage | RgbImage | ImageBitmap | HTMLCanvasElement | OffscreenCanvas | HTMLImageElement | BrowserImageFile;

/** A Blob or File (an image file's bytes) or the URL of an image: decoded with createImageBitmap (browsers). */
export type BrowserImageFile = Blob | URL | string;

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
  return checkPixels(op, image, 4) as T;
}

/**
 * RGB (3 samples per pixel: the length is 3·W·H, or `channels: 3`) widened to
 * opaque RGBA of the same depth; RGBA checked and returned unchanged.
 */
function checkPixels(op: string, image: AnyRgbaImage & { channels?: unknown }, channels?: 3 | 4): AnyRgbaImage {
  const { width, height, data } = image;
  const rgb = channels === undefined && (image.channels === 3 || (image.channels === undefined && data.length === width * height * 3));
  if (rgb) {
    checkSize(op, width, height);
    const out = data instanceof Uint16Array ? new Uint16Array(width * height * 4) : new Uint8ClampedArray(width * height * 4);
    const max = data instanceof Uint16Array ? 65535 : 255;
    for (let i = 0, o = 0; i < data.length; i += 3, o += 4) {
      out[o] = data[i];
      out[o + 1] = data[i + 1];
      out[o + 2] = data[i + 2];
      out[o + 3] = max;
    }
    return { data: out, width, height } as AnyRgbaImage;
  }
  if (image.channels !== undefined && image.channels !== 4 && image.channels !== 3) {
    throw new ShapeError(`${op}: image channels ${String(image.channels)} must be 3 (RGB) or 4 (RGBA)`);
  }
  return checkRgba(op, image);
}

function checkSize(op: string, width: unknown, height: unknown): void {
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new ShapeError(`${op}: image ${name} ${String(v)} must be a positive integer`);
    }
  }
}

function checkRgba<T extends AnyRgbaImage>(op: string, image: T): T {
  const { width, height, data } = image;
  checkSize(op, width, height);
  if (data.length !== width * height * 4) {
    const unit = data instanceof Uint16Array ? '16-bit values' : 'bytes';
    throw new ShapeError(
      `${op}: image data has ${data.length} ${unit} but ${width}×${height} needs ${width * height * 4} (RGBA) or ${width * height * 3} (RGB)`,
    );
  }
  return image;
}

/**
 * Returns RGBA pixels for any input accepted synchronously: RGBA or RGB
 * pixels (RGB is widened to opaque RGBA), or, in browsers, an ImageBitmap, a
 * canvas or a loaded HTMLImageElement, drawn onto an OffscreenCanvas and read
 * back with getImageData (the typeof guards keep Node from touching DOM
 * globals). Canvas 2D stores premultiplied alpha, so colours of nearly
 * transparent pixels come back quantised: pass ImageData yourself when that
 * matters. A Blob or URL needs decoding first: toRgbaImageAsync.
 */
export function toRgbaImage(op: string, input: ImageInput | Rgba16Image): AnyRgbaImage {
  if (isRgbaImage(input)) return checkPixels(op, input);
  if (isImageFile(input)) {
    throw new ArgumentError(
      `${op}: a ${describe(input)} must be decoded first (asynchronously): await loadImage(source), or pass it to upscale()`,
    );
  }
  const element = typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement;
  const drawable =
    element ||
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
        `a GPUTexture (no CPU round trip); upscale() takes pixels, an image, a bitmap, a canvas, a Blob or a URL`,
    );
  }
  if (!drawable) {
    throw new ArgumentError(
      `${op}: image must be RGBA or RGB pixels { data: Uint8ClampedArray | Uint8Array | Uint16Array, width, height } (e.g. ImageData), ` +
        `or in a browser an ImageBitmap, a canvas, an HTMLImageElement, a Blob/File or a URL; got ${describe(input)}`,
    );
  }
  if (typeof OffscreenCanvas === 'undefined') {
    throw new ArgumentError(`${op}: reading a bitmap or canvas needs OffscreenCanvas, which this environment lacks; pass ImageData`);
  }
  const { width, height } = element
    ? { width: input.naturalWidth, height: input.naturalHeight }
    : (input as { width: number; height: number });
  if (element && (!input.complete || width === 0)) {
    throw new ArgumentError(`${op}: the HTMLImageElement (${input.src.slice(0, 80)}) has not loaded yet: await img.decode() first`);
  }
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new ArgumentError(`${op}: could not get a 2D context on an OffscreenCanvas to read the image`);
  ctx.drawImage(input as CanvasImageSource, 0, 0);
  return checkRgbaImage(op, ctx.getImageData(0, 0, width, height));
}

function isImageFile(v: unknown): v is BrowserImageFile {
  return typeof v === 'string' || v instanceof URL || (typeof Blob !== 'undefined' && v instanceof Blob);
}

/**
 * toRgbaImage, and also a Blob/File or the URL of an image (browsers): the URL
 * is fetched, and the bytes decoded with createImageBitmap without colour
 * conversion or premultiplication, so the pixels are the file's. In Node a
 * path or URL is refused with a pointer to readImage (webgpu-upsample/node).
 */
export async function toRgbaImageAsync(op: string, input: ImageInput | Rgba16Image): Promise<AnyRgbaImage> {
  if (!isImageFile(input)) return toRgbaImage(op, input);
  if (typeof createImageBitmap === 'undefined' || typeof OffscreenCanvas === 'undefined') {
    throw new ArgumentError(
      `${op}: a ${describe(input)} is decoded with createImageBitmap, which this environment lacks; ` +
        `in Node read files with readImage(path) from 'webgpu-upsample/node'`,
    );
  }
  let blob: Blob;
  if (input instanceof Blob) {
    blob = input;
  } else {
    const res = await fetch(input);
    if (!res.ok) throw new ArgumentError(`${op}: could not fetch ${String(input)}: HTTP ${res.status}`);
    blob = await res.blob();
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch (e) {
    throw new ArgumentError(
      `${op}: could not decode the image (${blob.type || 'unknown type'}, ${blob.size} bytes): ${(e as Error).message}`,
    );
  }
  try {
    return toRgbaImage(op, bitmap);
  } finally {
    bitmap.close();
  }
}

/**
 * The RGBA pixels of anything upscale() takes (RGB, an image element, a
 * bitmap, a canvas, a Blob/File, a URL), decoded once: e.g. to show the
 * original next to the result, or to upscale it with several models.
 */
export function loadImage(source: ImageInput | Rgba16Image): Promise<AnyRgbaImage> {
  return toRgbaImageAsync('loadImage', source);
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
