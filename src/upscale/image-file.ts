/**
 * Image files in Node, through sharp (libvips): JPEG, PNG (8 and 16 bit),
 * WebP, AVIF, TIFF and GIF in; JPEG, PNG, WebP, AVIF and TIFF out. The CLI
 * and `webgpu-upsample/node`'s `readImage(path)` / `writeImage(path, image)`
 * share this code.
 *
 * Hostile files are refused from their header, before any pixel is decoded:
 * `probeImage` reads only the header (sharp's metadata()) and checks the size
 * against the limits, and the decoder itself is capped by the same limit
 * (`limitInputPixels`), so a 167-byte PNG that claims 30000×30000 costs
 * milliseconds, not gigabytes. Every error names the file and says what is
 * wrong (FileError), never a decoder's internal message alone.
 *
 * Colour: EXIF orientation is applied (the pixels are turned upright and the
 * tag dropped), embedded ICC profiles are converted to sRGB — the space the
 * models were trained in — and the output is sRGB. 16-bit PNG/TIFF stay 16-bit
 * end to end; formats without 16-bit samples (JPEG, WebP, AVIF) get 8.
 * Grayscale stays grayscale: it is decoded as RGB (R = G = B, what the
 * networks take) and written back as one channel (`grayscale: true`).
 * Animated GIF/WebP: the first frame only (`frames` says how many there are).
 *
 * Writing never destroys data: the image is encoded to a temporary file in the
 * output's folder and renamed over the output only once complete, so a full
 * disk or a crash leaves the previous file as it was.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Sharp } from 'sharp';

/** Default limits and quality of the CLI and of readImage/writeImage. */
export const DEFAULT_MAX_PIXELS = 8192 * 8192;
export const DEFAULT_MAX_OUTPUT_PIXELS = 16384 * 16384;
export const DEFAULT_QUALITY = 90;

/** Output formats, by the name `--format` takes. */
export const OUTPUT_FORMATS = ['png', 'jpeg', 'webp', 'avif', 'tiff'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
/** Formats that can carry 16-bit samples. */
const DEEP_FORMATS: readonly OutputFormat[] = ['png', 'tiff'];
/** Input formats, as sharp's metadata() names them. AVIF is 'heif' there. */
const INPUT_FORMATS = new Set(['png', 'jpeg', 'webp', 'heif', 'tiff', 'gif']);
/** File name extensions a folder scan picks up. */
export const INPUT_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff', '.gif'];

const EXTENSION_FORMAT: Record<string, OutputFormat> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
  '.avif': 'avif',
  '.tif': 'tiff',
  '.tiff': 'tiff',
};

export const FORMAT_EXTENSION: Record<OutputFormat, string> = { png: '.png', jpeg: '.jpg', webp: '.webp', avif: '.avif', tiff: '.tif' };

/** An input or output file that cannot be used; the message starts with the file's path. */
export class FileError extends Error {
  override readonly name = 'FileError';
  constructor(
    readonly file: string,
    message: string,
    /** 'no-folder': the output's folder does not exist (the CLI calls that bad usage, exit 2). */
    readonly code?: 'no-folder',
  ) {
    super(`${file}: ${message}`);
  }
}

export interface ImageLimits {
  /** Largest input, in pixels (width × height). */
  maxPixels: number;
  /** Largest output, in pixels, at the model's scale. */
  maxOutputPixels: number;
}

export interface ImageHeader {
  file: string;
  /** sharp's name for the format: png, jpeg, webp, heif (AVIF), tiff, gif. */
  format: string;
  /** Upright size (EXIF orientation applied). */
  width: number;
  height: number;
  /** 16 for 16-bit PNG/TIFF, else 8. */
  bits: 8 | 16;
  hasAlpha: boolean;
  /** One colour channel (grey, or grey + alpha): decoded as R = G = B, written back as grey. */
  grayscale: boolean;
  /** Frames of an animated GIF/WebP (1 for a still image); only the first is decoded. */
  frames: number;
}

/** RGBA pixels, 8 or 16 bits per sample (a union of the two, so upscale()'s overloads accept either). */
export type DecodedImage =
  | { data: Uint8ClampedArray<ArrayBuffer>; width: number; height: number }
  | { data: Uint16Array<ArrayBuffer>; width: number; height: number };

type SharpModule = (input?: string | Buffer | Uint8Array | Uint16Array, options?: object) => Sharp;
let sharpModule: Promise<SharpModule> | null = null;

/**
 * sharp is an optional dependency (a browser-only install leaves it out): load it on first use. Not exported, so
 * no published .d.ts names sharp's types (which need @types/node): `webgpu-upsample/node` type-checks without them.
 */
function loadSharp(): Promise<SharpModule> {
  sharpModule ??= import('sharp').then(
    (m) => (m.default ?? m) as unknown as SharpModule,
    (e: unknown) => {
      sharpModule = null;
      throw new Error(
        `the image codec 'sharp' could not be loaded (${(e as Error).message.split('\n')[0]}); ` + 'install it with: npm install sharp',
      );
    },
  );
  return sharpModule;
}

/** The first line of a codec's message, without libvips's trailing noise. */
function reason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg
    .split('\n')[0]
    .replace(/^Input (file|buffer) /, '')
    .trim();
}

const megapixels = (n: number): string => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MP`;

/**
 * Reads the header only and checks format and size. Throws FileError for a
 * missing or unreadable file, a file that is not an image, an unsupported
 * format, or a size over the limits (naming the size and the option that
 * raises the limit).
 */
export async function probeImage(file: string, scale: number, limits: ImageLimits): Promise<ImageHeader> {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(file, code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? reason(e)})`);
  }
  if (st.isDirectory()) throw new FileError(file, 'is a folder, not an image');
  if (st.size === 0) throw new FileError(file, 'is empty (0 bytes)');
  const sharp = await loadSharp();
  let meta;
  try {
    // limitInputPixels: false here — the header is all that is read, and the size check below says more than sharp would.
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new FileError(file, `not an image that can be read (${reason(e)})`);
  }
  if (!meta.format || !INPUT_FORMATS.has(meta.format)) {
    throw new FileError(file, `${meta.format ?? 'unknown'} images are not supported (PNG, JPEG, WebP, AVIF, TIFF, GIF)`);
  }
  if (!meta.width || !meta.height) throw new FileError(file, 'the header gives no size');
  const turned = (meta.orientation ?? 1) >= 5;
  const width = turned ? meta.height : meta.width;
  const height = turned ? meta.width : meta.height;
  const pixels = width * height;
  if (pixels > limits.maxPixels) {
    throw new FileError(
      file,
      `${width}×${height} (${megapixels(pixels)}) is over the input limit of ${megapixels(limits.maxPixels)} ` +
        `(--max-pixels ${limits.maxPixels}; raise it to allow larger images)`,
    );
  }
  const outPixels = pixels * scale * scale;
  if (outPixels > limits.maxOutputPixels) {
    throw new FileError(
      file,
      `×${scale} of ${width}×${height} is ${width * scale}×${height * scale} (${megapixels(outPixels)}), over the output limit of ` +
        `${megapixels(limits.maxOutputPixels)} (--max-output-pixels ${limits.maxOutputPixels}; raise it to allow larger results)`,
    );
  }
  const bits = meta.depth === 'ushort' || meta.depth === 'short' ? 16 : 8;
  const grayscale = meta.channels === 1 || meta.channels === 2 || meta.space === 'b-w' || meta.space === 'grey16';
  return { file, format: meta.format, width, height, bits, hasAlpha: meta.hasAlpha === true, grayscale, frames: meta.pages ?? 1 };
}

/**
 * Decodes a probed image to upright sRGB RGBA (8 or 16 bits per sample). A
 * truncated or corrupt file fails here (FileError) rather than giving a
 * partly grey image.
 */
export async function decodeImageFile(header: ImageHeader, limits: ImageLimits): Promise<DecodedImage> {
  const sharp = await loadSharp();
  const deep = header.bits === 16;
  try {
    const { data, info } = await sharp(header.file, { limitInputPixels: limits.maxPixels, failOn: 'warning' })
      .rotate()
      .toColourspace(deep ? 'rgb16' : 'srgb')
      .ensureAlpha()
      .raw({ depth: deep ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4 || info.width !== header.width || info.height !== header.height) {
      throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${header.width}×${header.height}×4`);
    }
    // Copy into a buffer of its own: Node's Buffers can sit inside a shared pool.
    const bytes = new Uint8Array(data.byteLength);
    bytes.set(data);
    const { width, height } = info;
    return deep ? { data: new Uint16Array(bytes.buffer), width, height } : { data: new Uint8ClampedArray(bytes.buffer), width, height };
  } catch (e) {
    throw new FileError(header.file, `could not be decoded (${reason(e)})`);
  }
}

/** The output format a path asks for by its extension, or null when the extension is not one we write. */
export function formatOfPath(path: string): OutputFormat | null {
  return EXTENSION_FORMAT[extname(path).toLowerCase()] ?? null;
}

export interface WriteOptions {
  format: OutputFormat;
  /** JPEG/WebP/AVIF quality, 1–100. */
  quality: number;
  /** Keep an alpha channel (false when the input had none: the output is RGB). */
  alpha: boolean;
  /** Write one grey channel (the luma of R, G, B; exact when R = G = B), as a grayscale input came. */
  grayscale?: boolean;
}

function encoder(img: Sharp, format: OutputFormat, deep: boolean, quality: number, grayscale: boolean): Sharp {
  if (grayscale) img = img.toColourspace(deep ? 'grey16' : 'b-w');
  else if (deep) img = img.toColourspace('rgb16');
  switch (format) {
    case 'png':
      return img.png({ compressionLevel: 6 });
    case 'jpeg':
      return img.jpeg({ quality, mozjpeg: true });
    case 'webp':
      return img.webp({ quality });
    case 'avif':
      return img.avif({ quality });
    case 'tiff':
      return img.tiff({ compression: 'deflate', predictor: 'horizontal' });
  }
}

/**
 * Checks, before any work, that `file` can be created: its folder exists and
 * a file can be written there (a real write, so read-only mounts and full
 * quotas are caught too, not only permission bits).
 */
export function checkWritable(file: string): void {
  const dir = dirname(file);
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new FileError(file, `the output folder ${dir} does not exist`, 'no-folder');
  }
  if (!st.isDirectory()) throw new FileError(file, `${dir} is not a folder`);
  try {
    if (statSync(file).isDirectory()) throw new FileError(file, 'is a folder; give a file name or use --out-dir');
  } catch (e) {
    if (e instanceof FileError) throw e;
  }
  const probe = tempPath(file);
  try {
    const fd = openSync(probe, 'wx');
    try {
      writeSync(fd, new Uint8Array(1));
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new FileError(file, `cannot write in ${dir} (${(e as NodeJS.ErrnoException).code ?? reason(e)})`);
  } finally {
    rmSync(probe, { force: true });
  }
}

function tempPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Encodes RGBA pixels and writes them to `file` atomically: to a temporary
 * file in the same folder, then renamed over `file`. On any failure the
 * temporary file is removed and `file` is left as it was.
 */
export async function writeImageFile(file: string, image: DecodedImage, options: WriteOptions): Promise<{ bits: 8 | 16 }> {
  const sharp = await loadSharp();
  const deep = image.data instanceof Uint16Array && DEEP_FORMATS.includes(options.format);
  let data: Uint8ClampedArray | Uint16Array = image.data;
  if (image.data instanceof Uint16Array && !deep) {
    // JPEG, WebP and AVIF hold 8 bits here: round 16 → 8 explicitly (v / 257) rather than leave it to the encoder.
    const src = image.data;
    const out = new Uint8ClampedArray(src.length);
    for (let i = 0; i < src.length; i++) out[i] = Math.round(src[i] / 257);
    data = out;
  }
  let img = sharp(data as Uint8Array | Uint16Array, {
    raw: { width: image.width, height: image.height, channels: 4 },
    limitInputPixels: false,
  });
  // JPEG has no alpha: flatten onto white (transparent regions of logos and cut-outs stay light).
  if (options.alpha && options.format === 'jpeg') img = img.flatten({ background: '#ffffff' });
  else if (!options.alpha) img = img.removeAlpha();
  img = encoder(img, options.format, deep, options.quality, options.grayscale === true);
  const tmp = tempPath(file);
  try {
    await img.toFile(tmp);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new FileError(file, `could not be written (${reason(e)}); any previous file there is unchanged`);
  }
  return { bits: deep ? 16 : 8 };
}
