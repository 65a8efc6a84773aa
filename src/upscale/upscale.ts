/**
 * upscale(): runs an UpscaleModel over an image of any size, tile by tile.
 *
 * Per tile: crop the tile's input (core + receptive radius) from the planar
 * RGB, upload, run the model, read back, keep the core's output. Kept cores
 * partition the output, so stitching is a plain copy and the result equals an
 * untiled run up to float rounding (see tiling.ts). Alpha is not passed
 * through the network (models are RGB): it is upscaled with bilinear
 * interpolation on the same tiles, with 1 pixel of context, which is what
 * bilinear needs. A fully opaque image skips that and stays exactly 255.
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
import { cropPlanes, isOpaque, readRegion, toRgbaImage, writePlanesToRgba, type ImageInput, type Planes, type Range } from './image.js';
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
  /** Checked before each tile; when aborted, upscale rejects with a DOMException named 'AbortError'. */
  signal?: AbortSignal;
  /** Largest kept tile size in input pixels (number or [h, w]); default: derived from the device limits. */
  tileSize?: Pair;
  /** Widest intermediate channel count, for the tile memory estimate; default: model.maxChannels, else 64. */
  channels?: number;
  /** Per-tile cap on the estimated largest intermediate tensor, in bytes (default 16 MiB); it can only lower the budget the device limits allow. */
  maxTileBytes?: number;
}

/** RGBA bytes; structurally an ImageData (`new ImageData(r.data, r.width, r.height)` works in browsers). */
export interface UpscaledImage {
  /** Backed by a plain ArrayBuffer, as `new ImageData(data, w, h)` requires. */
  data: Uint8ClampedArray<ArrayBuffer>;
  width: number;
  height: number;
}

/** A model may say how wide its widest layer is (optional, outside the UpscaleModel contract), for the tile memory estimate. */
type ModelWithChannels = UpscaleModel & { readonly maxChannels?: number };

const ALPHA_RADIUS = 1;

/**
 * Upscales an image by `model.scale`. Accepts RGBA pixels ({ data, width,
 * height }, e.g. ImageData) and, in browsers, ImageBitmap, HTMLCanvasElement
 * or OffscreenCanvas. RGB goes through the model; alpha is bilinear.
 * Rejects with a DOMException named 'AbortError' when `signal` aborts, after
 * freeing everything it allocated.
 */
export async function upscale(engine: Engine, image: ImageInput, options: UpscaleOptions): Promise<UpscaledImage> {
  const op = 'upscale';
  checkModel(op, options);
  throwIfAborted(options.signal, 0, 0);
  const rgba = toRgbaImage(op, image);
  const { model } = options;
  const s = model.scale;
  const plan = planFor(engine, rgba.height, rgba.width, options);
  const out = new Uint8ClampedArray(rgba.width * s * rgba.height * s * 4);
  const outWidth = rgba.width * s;
  const opaque = isOpaque(rgba);
  if (opaque) for (let i = 3; i < out.length; i += 4) out[i] = 255;
  await forEachTile(plan, options, async (tile) => {
    const rgb = readRegion(rgba, tile.input, 'rgb', model.inputRange);
    const kept = await runTile(engine, rgb, 3, tile.input, tile.core, s, (x) => model.run(x), op);
    writePlanesToRgba(out, outWidth, kept, tile.core.y * s, tile.core.x * s, 0, model.outputRange);
    if (!opaque) {
      const input = expandRegion(tile.core, ALPHA_RADIUS, rgba.height, rgba.width);
      const alpha = readRegion(rgba, input, 'alpha');
      const a = await runTile(engine, alpha, 1, input, tile.core, s, (x) => engine.upsample(x, { scale: s, mode: 'bilinear' }), op);
      writePlanesToRgba(out, outWidth, a, tile.core.y * s, tile.core.x * s, 3, [0, 255]);
    }
  });
  return { data: out, width: outWidth, height: rgba.height * s };
}

/**
 * The float core of `upscale()`: planar input in `model.inputRange` (e.g. RGB
 * [3, H, W]) to planar output [C, H·scale, W·scale] in `model.outputRange`,
 * with the same tiling, progress and cancellation. For callers that want the
 * network's values unrounded (and for testing tiled == untiled).
 */
export async function upscalePlanes(engine: Engine, input: Planes, options: UpscaleOptions): Promise<Planes> {
  const op = 'upscalePlanes';
  checkModel(op, options);
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

function planFor(engine: Engine, height: number, width: number, options: UpscaleOptions): TilePlan {
  const { model } = options;
  const maxChannels = (model as ModelWithChannels).maxChannels;
  return planTiles(height, width, {
    scale: model.scale,
    receptiveRadius: model.receptiveRadius,
    limits: engine.device.limits,
    channels: options.channels ?? (typeof maxChannels === 'number' ? maxChannels : undefined),
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

function checkModel(op: string, options: UpscaleOptions): void {
  const model = options?.model;
  if (!model || typeof model.run !== 'function') throw new ArgumentError(`${op}: options.model must be an UpscaleModel (with run())`);
  if (!Number.isInteger(model.scale) || model.scale < 1) throw new ArgumentError(`${op}: model.scale ${model.scale} must be an integer >= 1`);
  if (!Number.isInteger(model.receptiveRadius) || model.receptiveRadius < 0) {
    throw new ArgumentError(`${op}: model.receptiveRadius ${model.receptiveRadius} must be an integer >= 0`);
  }
  for (const name of ['inputRange', 'outputRange'] as const) checkRange(op, `model.${name}`, model[name]);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new ArgumentError(`${op}: onProgress must be a function`);
  }
}

function checkRange(op: string, name: string, r: Range): void {
  if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || r[0] === r[1]) {
    throw new ArgumentError(`${op}: ${name} ${JSON.stringify(r)} must be two different finite numbers [lo, hi]`);
  }
}

function throwIfAborted(signal: AbortSignal | undefined, done: number, total: number): void {
  if (!signal?.aborted) return;
  const where = total ? ` after ${done} of ${total} tiles` : ' before it started';
  // DOMException is global in browsers and Node >= 17; `cause` carries abort(reason).
  const err = new DOMException(`upscale was aborted${where}`, 'AbortError');
  if (signal.reason !== undefined) Object.defineProperty(err, 'cause', { value: signal.reason, configurable: true });
  throw err;
}
