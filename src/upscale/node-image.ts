/**
 * `readImage(path)` / `writeImage(path, image)` of `webgpu-upsample/node`: an
 * image file to the RGBA pixels `upscale()` takes, and its result back to a
 * file, with the CLI's own codec code (./image-file.ts: sharp, header checks
 * before decoding, EXIF orientation, sRGB, 16-bit kept, atomic writes).
 *
 *   const image = await readImage('photo.jpg');
 *   const out = await upscale(engine, image, { model });
 *   await writeImage('photo-x2.png', out, { like: image });
 */
import {
  checkWritable,
  DEFAULT_MAX_PIXELS,
  DEFAULT_QUALITY,
  decodeImageFile,
  FileError,
  formatOfPath,
  probeImage,
  writeImageFile,
  type DecodedImage,
  type ImageHeader,
  type OutputFormat,
} from './image-file.js';
import { isOpaque, type AnyRgbaImage } from './image.js';

/** Decoded pixels (RGBA, 8 or 16 bits per sample) and what the file said about them. */
export type ImageFile = DecodedImage & {
  /** The file's header: format, bits, alpha, grayscale, animation frames. */
  readonly header: ImageHeader;
};

export interface ReadImageOptions {
  /** Refuse images over this many pixels, from the header, before decoding (default 8192², the CLI's). */
  maxPixels?: number;
}

/**
 * Reads an image file (PNG 8/16-bit, JPEG, WebP, AVIF, TIFF, GIF) as upright
 * sRGB RGBA: a Uint8ClampedArray, or a Uint16Array for 16-bit PNG/TIFF.
 * Grayscale comes as R = G = B (`header.grayscale`); an animated GIF/WebP
 * gives its first frame (`header.frames` > 1). Throws FileError, naming the
 * file, for a missing, unreadable, corrupt or oversized file. Needs `sharp`
 * (an optional dependency of this package).
 */
export async function readImage(path: string, options: ReadImageOptions = {}): Promise<ImageFile> {
  const limits = { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS, maxOutputPixels: Number.MAX_SAFE_INTEGER };
  const header = await probeImage(path, 1, limits);
  const image = await decodeImageFile(header, limits);
  return Object.assign(image, { header });
}

export interface WriteImageOptions {
  /** png, jpeg, webp, avif or tiff; default: from the file name's extension. */
  format?: OutputFormat;
  /** JPEG/WebP/AVIF quality 1–100 (default 90). */
  quality?: number;
  /** Keep the alpha channel; default: only when some pixel is not opaque. */
  alpha?: boolean;
  /** Write one grey channel; default: `like.header.grayscale`, else false. */
  grayscale?: boolean;
  /** The image this one came from (readImage's result): grayscale and alpha follow it unless given. */
  like?: { header: ImageHeader };
}

/**
 * Writes RGBA pixels (8 or 16 bits per sample; upscale()'s result) to `path`,
 * atomically: a temporary file in the same folder is renamed over `path` once
 * complete, so a failure leaves any previous file as it was. 16-bit pixels
 * stay 16-bit in PNG and TIFF. Throws FileError naming the file.
 */
export async function writeImage(path: string, image: DecodedImage, options: WriteImageOptions = {}): Promise<{ bits: 8 | 16 }> {
  const format = options.format ?? formatOfPath(path);
  if (!format) {
    throw new FileError(path, 'the extension names no format this writes (.png, .jpg, .webp, .avif, .tif); pass { format }');
  }
  checkWritable(path);
  const alpha = options.alpha ?? (options.like ? options.like.header.hasAlpha : !isOpaque(image as AnyRgbaImage));
  const grayscale = options.grayscale ?? options.like?.header.grayscale ?? false;
  return writeImageFile(path, image, { format, quality: options.quality ?? DEFAULT_QUALITY, alpha, grayscale });
}
