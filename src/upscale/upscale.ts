/**
 * upscale(): runs an UpscaleModel over an image of any size, tile by tile.
 *
 * Per tile: crop the tile's input (core + receptive radius) from the planar
 * RGB, upload, run the model, read back, keep the core's output. Kept cores
 * partition the output, so stitching is a plain copy and the result equals an
 * untiled run up to float rounding (see tiling.ts). Alpha is not passed
 * through the network (models are RGB): it is upscaled with bilinear
 * interpolation on the same tiles, with 1 pixel of context, which is what
 * bilinear needs. A fully opaque image skips that and stays exactly opaque
 * (255, or 65535 for 16-bit input).
 *
 * Between tiles the loop reports progress, yields to the event loop (so a
 * page stays responsive) and checks the AbortSignal. Every tensor it
 * allocates is disposed before the next tile starts, whether the tile
 * succeeded, threw or was cancelled, so the engine stays usable.
 */
import type { Engine } from '../engine.js';
import { ArgumentError, ShapeError } from '../errors.js';
import type { UpscaleModel } from '../model/types.js';
import type { Pair } from '../ops/params.js';
import type { Tensor } from '../tensor.js';
import {
  cropPlanes, isOpaque, maxSample, readRegion, toRgbaImage, writePlanesToRgba,
  type ImageInput, type Planes, type Rgba16Image,
} from './image.js';
import { checkUpscaleOptions, optionKeys } from './options.js';
import { expandRegion, planTiles, type Region, type Tile, type TilePlan } from './tiling.js';

export interface UpscaleProgress {
  /** Tiles finished so far. */
  done: number;
  total: number;
  /** done / total, in [0, 1]. */
  fraction: number;
}

export interface UpscaleOptions {
  model: UpscaleModel;
  /** Called after each tile. */
  onProgress?: (progress: UpscaleProgress) => void;
  /**
   * Checked before each tile. When aborted, upscale rejects with the signal's
   * reason if `abort(reason)` gave one (as fetch does), else with a
   * DOMException named 'AbortError' saying how many tiles were done.
   */
  signal?: AbortSignal;
  /** Largest kept tile size in input pixels (number or [h, w]); default: derived from the engine's capacity (see tiling.ts). */
  tileSize?: Pair;
  /** Widest intermediate channel count, for the tile memory estimate; default: model.maxChannels, else 64. */
  channels?: number;
  /**
   * Soft per-tile cap on the estimated largest intermediate tensor, in bytes
   * (default 16 MiB). Raised, up to what the device can hold, when a core of
   * 2 × the receptive radius with its overlap does not fit it.
   */
  maxTileBytes?: number;
}

/** Every key of UpscaleOptions; anything else is refused (a typo would be ignored silently otherwise). */
const UPSCALE_OPTIONS = optionKeys<UpscaleOptions>({ model: true, onProgress: true, signal: true, tileSize: true, channels: true, maxTileBytes: true });

/** RGBA bytes; structurally an ImageData (`new ImageData(r.data, r.width, r.height)` works in browsers). */
export interface UpscaledImage {
  /** Backed by a plain ArrayBuffer, as `new ImageData(data, w, h)` requires. */
  data: Uint8ClampedArray<ArrayBuffer>;
  width: number;
  height: number;
}

/** RGBA, 16 bits per channel (0–65535): what a 16-bit input comes back as. */
export interface UpscaledImage16 {
  data: Uint16Array<ArrayBuffer>;
  width: number;
  height: number;
}

const ALPHA_RADIUS = 1;

/**
 * Upscales an image by `model.scale`. Accepts RGBA pixels ({ data, width,
 * height }: 8-bit, e.g. ImageData, or 16-bit with a Uint16Array) and, in
 * browsers, ImageBitmap, HTMLCanvasElement or OffscreenCanvas; returns RGBA of
 * the same depth (a Uint16Array for 16-bit input, else a Uint8ClampedArray).
 * RGB goes through the model; alpha is bilinear. When `signal` aborts it
 * rejects (see UpscaleOptions.signal) after freeing everything it allocated.
 */
export function upscale(engine: Engine, image: Rgba16Image, options: UpscaleOptions): Promise<UpscaledImage16>;
export function upscale(engine: Engine, image: ImageInput, options: UpscaleOptions): Promise<UpscaledImage>;
export function upscale(engine: Engine, image: ImageInput | Rgba16Image, options: UpscaleOptions): Promise<UpscaledImage | UpscaledImage16>;
export async function upscale(engine: Engine, image: ImageInput | Rgba16Image, options: UpscaleOptions): Promise<UpscaledImage | UpscaledImage16> {
  const op = 'upscale';
  checkUpscaleOptions(op, options, UPSCALE_OPTIONS);
  throwIfAborted(options.signal, 0, 0);
  const rgba = toRgbaImage(op, image);
  const { model } = options;
  const s = model.scale;
  const plan = planFor(engine, rgba.height, rgba.width, options);
  const max = maxSample(rgba);
  const size = rgba.width * s * rgba.height * s * 4;
  const out = max === 65535 ? new Uint16Array(size) : new Uint8ClampedArray(size);
  const outWidth = rgba.width * s;
  const opaque = isOpaque(rgba);
  if (opaque) for (let i = 3; i < out.length; i += 4) out[i] = max;
  await forEachTile(plan, options, async (tile) => {
    const rgb = readRegion(rgba, tile.input, 'rgb', model.inputRange);
    const kept = await runTile(engine, rgb, 3, tile.input, tile.core, s, (x) => model.run(x), op);
    writePlanesToRgba(out, outWidth, kept, tile.core.y * s, tile.core.x * s, 0, model.outputRange);
    if (!opaque) {
      const input = expandRegion(tile.core, ALPHA_RADIUS, rgba.height, rgba.width);
      const alpha = readRegion(rgba, input, 'alpha');
      const a = await runTile(engine, alpha, 1, input, tile.core, s, (x) => engine.upsample(x, { scale: s, mode: 'bilinear' }), op);
      writePlanesToRgba(out, outWidth, a, tile.core.y * s, tile.core.x * s, 3, [0, max]);
    }
  });
  const height = rgba.height * s;
  // Two returns so each narrows `out` to one array type, matching the overloads.
  return out instanceof Uint16Array ? { data: out, width: outWidth, height } : { data: out, width: outWidth, height };
}

/**
 * The float core of `upscale()`: planar input in `model.inputRange` (e.g. RGB
 * [3, H, W]) to planar output [C, H·scale, W·scale] in `model.outputRange`,
 * with the same tiling, progress and cancellation. For callers that want the
 * network's values unrounded (and for testing tiled == untiled).
 */
export async function upscalePlanes(engine: Engine, input: Planes, options: UpscaleOptions): Promise<Planes> {
  const op = 'upscalePlanes';
  checkUpscaleOptions(op, options, UPSCALE_OPTIONS);
  throwIfAborted(options.signal, 0, 0);
  const { channels, height, width } = input ?? {};
  if (!(input?.data instanceof Float32Array) || ![channels, height, width].every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ArgumentError(`${op}: input must be { data: Float32Array, channels, height, width } with positive integer sizes`);
  }
  if (input.data.length !== channels * height * width) {
    throw new ShapeError(`${op}: input data has ${input.data.length} values but ${channels}×${height}×${width} needs ${channels * height * width}`);
  }
  const { model } = options;
  const s = model.scale;
  const plan = planFor(engine, input.height, input.width, options);
  const oh = input.height * s;
  const ow = input.width * s;
  const data = new Float32Array(input.channels * oh * ow);
  await forEachTile(plan, options, async (tile) => {
    const crop = cropPlanes(input, tile.input).data;
    const kept = await runTile(engine, crop, input.channels, tile.input, tile.core, s, (x) => model.run(x), op);
    for (let c = 0; c < kept.channels; c++) {
      for (let r = 0; r < kept.height; r++) {
        const from = (c * kept.height + r) * kept.width;
        data.set(kept.data.subarray(from, from + kept.width), (c * oh + tile.core.y * s + r) * ow + tile.core.x * s);
      }
    }
  });
  return { data, channels: input.channels, height: oh, width: ow };
}

/**
 * The tile plan upscale() and upscalePlanes() will use for an image of this
 * size with these options (e.g. to warn before a run how many tiles it takes
 * or how much its overlap costs: `plan.readAmplification`).
 */
export function planUpscale(engine: Engine, height: number, width: number, options: UpscaleOptions): TilePlan {
  checkUpscaleOptions('planUpscale', options, UPSCALE_OPTIONS);
  return planFor(engine, height, width, options);
}

function planFor(engine: Engine, height: number, width: number, options: UpscaleOptions): TilePlan {
  const { model } = options;
  return planTiles(height, width, {
    scale: model.scale,
    receptiveRadius: model.receptiveRadius,
    limits: engine.capacity,
    channels: options.channels ?? model.maxChannels,
    // An explicit channels option keeps the conservative estimate it asks for.
    peakElementsPerInputPixel: options.channels === undefined ? model.peakElementsPerInputPixel : undefined,
    maxTileBytes: options.maxTileBytes,
    tileSize: options.tileSize,
  });
}

/** Runs `body` per tile, then reports progress, yields to the event loop and checks the signal. */
async function forEachTile(plan: TilePlan, options: UpscaleOptions, body: (tile: Tile) => Promise<void>): Promise<void> {
  const total = plan.tiles.length;
  for (const tile of plan.tiles) {
    throwIfAborted(options.signal, tile.index, total);
    await body(tile);
    const done = tile.index + 1;
    options.onProgress?.({ done, total, fraction: done / total });
    // A macrotask turn, not just a microtask: lets the page paint and handle input, and lets abort() land.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
}

/**
 * Uploads a tile's input (planar [C, input.height, input.width]), applies
 * `fn`, reads the result back and returns the part that belongs to `core`
 * (scaled by `s`). Disposes both tensors whatever happens.
 */
async function runTile(
  engine: Engine,
  data: Float32Array,
  channels: number,
  input: Region,
  core: Region,
  s: number,
  fn: (x: Tensor) => Tensor,
  op: string,
): Promise<Planes> {
  const want = [1, channels, input.height * s, input.width * s];
  let x: Tensor | null = null;
  let y: Tensor | null = null;
  let values: Float32Array;
  try {
    x = engine.tensor(data, [1, channels, input.height, input.width]);
    y = fn(x);
    if (y.shape.length !== 4 || y.shape.some((d, i) => d !== want[i])) {
      throw new ShapeError(`${op}: the model returned [${y.shape.join(', ')}] for input [${x.shape.join(', ')}], expected [${want.join(', ')}]`);
    }
    values = await y.read();
  } finally {
    x?.dispose();
    if (y !== x) y?.dispose();
  }
  const full = { data: values, channels, height: want[2], width: want[3] };
  const kept = { y: (core.y - input.y) * s, x: (core.x - input.x) * s, height: core.height * s, width: core.width * s };
  return cropPlanes(full, kept);
}

/**
 * Follows the web platform (fetch, AbortSignal.throwIfAborted): an explicit
 * `abort(reason)` rejects with that reason. `abort()` without one stores a
 * DOMException named 'AbortError' as the reason; then we throw our own
 * AbortError instead, which says how far the run got.
 */
function throwIfAborted(signal: AbortSignal | undefined, done: number, total: number): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  const isDefault = reason === undefined || (reason instanceof DOMException && reason.name === 'AbortError');
  if (!isDefault) throw reason;
  const where = total ? ` after ${done} of ${total} tiles` : ' before it started';
  // DOMException is global in browsers and Node >= 17.
  throw new DOMException(`upscale was aborted${where}`, 'AbortError');
}
