/**
 * upscale(): runs an UpscaleModel over an image of any size, tile by tile, on
 * an Engine (WebGPU) or any TileRunner (./runner.ts: e.g. ONNX Runtime on the
 * CPU, ./ort-runner.ts); everything below is shared by every backend.
 *
 * Per tile: crop the tile's input (core + receptive radius) from the planar
 * RGB, run the model on the backend, keep the core's output. Kept cores
 * partition the output, so stitching is a plain copy and the result equals an
 * untiled run up to float rounding (see tiling.ts). Alpha is not passed
 * through the network (models are RGB): it is upscaled with bilinear
 * interpolation on the same tiles, with 1 pixel of context, which is what
 * bilinear needs. A fully opaque image skips that and stays exactly opaque
 * (255, or 65535 for 16-bit input).
 *
 * Between tiles the loop reports progress, yields to the event loop (so a
 * page stays responsive) and checks the AbortSignal. Every tensor a tile
 * allocates is disposed before the next tile starts, whether the tile
 * succeeded, threw or was cancelled, so the engine stays usable.
 */
import type { Engine } from '../engine.js';
import { ArgumentError, ShapeError } from '../core/errors.js';
import type { UpscaleModel } from '../model/types.js';
import { optionKeys, type Pair } from '../core/params.js';
import {
  cropPlanes,
  isOpaque,
  maxSample,
  readRegion,
  toRgbaImageAsync,
  writePlanesToRgba,
  type ImageInput,
  type Planes,
  type Rgba16Image,
} from './image.js';
import { checkRunnerOptions, checkUpscaleOptions } from './options.js';
import { tileModelRunner } from './global-context.js';
import { ttaPlanes } from './tta.js';
import { cropRgba, cropTopLeft, extendPlanes, extendRgba } from './extend.js';
import { isTileRunner, webgpuRunner, type TileRunner } from './runner.js';
import { expandRegion, planTiles, type Region, type Tile, type TilePlan } from './tiling.js';

export interface UpscaleProgress {
  /** Tiles finished so far. */
  done: number;
  total: number;
  /** done / total, in [0, 1]. */
  fraction: number;
  /**
   * What is running: always 'tiles' from upscale() (its whole run is tiles); callers that load a
   * model or compile first report 'load' and 'compile' themselves, with the same type.
   */
  stage: 'load' | 'compile' | 'tiles';
  /** Milliseconds since the first tile started (the first tile includes any shader compilation). */
  elapsedMs: number;
  /**
   * Estimated milliseconds left: the time per input pixel so far (tiles differ in size, edge tiles
   * are smaller) times the input pixels of the tiles left; 0 after the last tile.
   */
  etaMs: number;
}

/** The options of a run on a TileRunner, which carries its own model; UpscaleOptions adds `model` for an Engine. */
export interface UpscaleRunOptions {
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
  /**
   * Test-time augmentation, as the native programs' `-x`: the average of the model's results on the
   * eight flips and transposes of the image (./tta.ts). 8× the work. Default false.
   */
  tta?: boolean;
}

/** The options of a run on an Engine: the model, loaded on that engine, and the run options. */
export interface UpscaleOptions extends UpscaleRunOptions {
  model: UpscaleModel;
}

/** What runs the tiles: an Engine (with options.model) or a TileRunner (which carries its model). */
export type UpscaleBackend = Engine | TileRunner;

/** Every key of UpscaleOptions; anything else is refused (a typo would be ignored silently otherwise). */
export const UPSCALE_OPTIONS = optionKeys<UpscaleOptions>({
  model: true,
  onProgress: true,
  signal: true,
  tileSize: true,
  channels: true,
  maxTileBytes: true,
  tta: true,
});
const RUN_OPTIONS = UPSCALE_OPTIONS.filter((k) => k !== 'model');

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
 * Upscales an image by `model.scale`. Accepts RGBA or RGB pixels ({ data,
 * width, height }: 8-bit, e.g. ImageData, or 16-bit with a Uint16Array) and,
 * in browsers, an ImageBitmap, a canvas, a loaded HTMLImageElement, or a
 * Blob/File or URL (decoded first); returns RGBA of the same depth (a
 * Uint16Array for 16-bit input, else a Uint8ClampedArray).
 * RGB goes through the model; alpha is bilinear. When `signal` aborts it
 * rejects (see UpscaleOptions.signal) after freeing everything it allocated.
 *
 * The backend is an Engine with `options.model` loaded on it (WebGPU), or a
 * TileRunner that carries its model (e.g. `createOrtRunner`, ONNX Runtime on
 * the CPU): `upscale(runner, image, { onProgress, signal, tileSize })`.
 */
export function upscale(engine: Engine, image: Rgba16Image, options: UpscaleOptions): Promise<UpscaledImage16>;
export function upscale(engine: Engine, image: ImageInput, options: UpscaleOptions): Promise<UpscaledImage>;
export function upscale(engine: Engine, image: ImageInput | Rgba16Image, options: UpscaleOptions): Promise<UpscaledImage | UpscaledImage16>;
export function upscale(runner: TileRunner, image: Rgba16Image, options?: UpscaleRunOptions): Promise<UpscaledImage16>;
export function upscale(runner: TileRunner, image: ImageInput, options?: UpscaleRunOptions): Promise<UpscaledImage>;
export function upscale(
  runner: TileRunner,
  image: ImageInput | Rgba16Image,
  options?: UpscaleRunOptions,
): Promise<UpscaledImage | UpscaledImage16>;
export function upscale(
  backend: UpscaleBackend,
  image: ImageInput | Rgba16Image,
  options?: UpscaleOptions | UpscaleRunOptions,
): Promise<UpscaledImage | UpscaledImage16>;
export async function upscale(
  backend: UpscaleBackend,
  image: ImageInput | Rgba16Image,
  options?: UpscaleOptions | UpscaleRunOptions,
): Promise<UpscaledImage | UpscaledImage16> {
  const op = 'upscale';
  const { runner, run } = resolveBackend(op, backend, options);
  throwIfAborted(run.signal, 0, 0);
  const rgba = await toRgbaImageAsync(op, image); // a Blob or URL is decoded first
  const model = runner.model;
  const s = model.scale;
  const min = model.minInputSize ?? 1;
  if (rgba.width < min || rgba.height < min) {
    const big = await upscale(backend, extendRgba(rgba, min, min), options);
    return cropRgba(big, rgba.height * s, rgba.width * s);
  }
  const plan = planFor(runner, rgba.height, rgba.width, run);
  const max = maxSample(rgba);
  const size = rgba.width * s * rgba.height * s * 4;
  const out = max === 65535 ? new Uint16Array(size) : new Uint8ClampedArray(size);
  const outWidth = rgba.width * s;
  const opaque = isOpaque(rgba);
  if (opaque) for (let i = 3; i < out.length; i += 4) out[i] = max;
  if (run.tta) {
    // Eight whole-image runs, averaged; alpha below, tile by tile, as without TTA.
    const whole = { y: 0, x: 0, height: rgba.height, width: rgba.width };
    const rgb = { data: readRegion(rgba, whole, 'rgb', model.inputRange), channels: 3, height: rgba.height, width: rgba.width };
    const mean = await ttaPlanes(rgb, s, (planes, k) => upscalePlanes(runner, planes, ttaPass(run, k)));
    writePlanesToRgba(out, outWidth, mean, 0, 0, 0, model.outputRange);
  }
  const runModel = run.tta
    ? null
    : await tileModelRunner(runner, plan, (tile) => readRegion(rgba, tile.input, 'rgb', model.inputRange), {
        signal: run.signal,
        checkAbort: (done, total) => throwIfAborted(run.signal, done, total),
      });
  if (runModel || !opaque)
    await forEachTile(plan, run, async (tile) => {
      if (runModel) {
        const rgb = readRegion(rgba, tile.input, 'rgb', model.inputRange);
        const kept = await runTile(rgb, 3, tile.input, tile.core, s, runModel, op);
        writePlanesToRgba(out, outWidth, kept, tile.core.y * s, tile.core.x * s, 0, model.outputRange);
      }
      if (!opaque) {
        const input = expandRegion(tile.core, ALPHA_RADIUS, rgba.height, rgba.width);
        const alpha = readRegion(rgba, input, 'alpha');
        const a = await runTile(alpha, 1, input, tile.core, s, (x, shape) => runner.upsampleAlpha(x, shape, s), op);
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
 * network's values unrounded (and for testing tiled == untiled). Takes an
 * Engine with options.model, or a TileRunner, as upscale() does.
 */
export function upscalePlanes(engine: Engine, input: Planes, options: UpscaleOptions): Promise<Planes>;
export function upscalePlanes(runner: TileRunner, input: Planes, options?: UpscaleRunOptions): Promise<Planes>;
export function upscalePlanes(backend: UpscaleBackend, input: Planes, options?: UpscaleOptions | UpscaleRunOptions): Promise<Planes>;
export async function upscalePlanes(backend: UpscaleBackend, input: Planes, options?: UpscaleOptions | UpscaleRunOptions): Promise<Planes> {
  const op = 'upscalePlanes';
  const { runner, run } = resolveBackend(op, backend, options);
  throwIfAborted(run.signal, 0, 0);
  const { channels, height, width } = input ?? {};
  if (!(input?.data instanceof Float32Array) || ![channels, height, width].every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ArgumentError(`${op}: input must be { data: Float32Array, channels, height, width } with positive integer sizes`);
  }
  if (input.data.length !== channels * height * width) {
    throw new ShapeError(
      `${op}: input data has ${input.data.length} values but ${channels}×${height}×${width} needs ${channels * height * width}`,
    );
  }
  const s = runner.model.scale;
  const min = runner.model.minInputSize ?? 1;
  if (input.width < min || input.height < min) {
    return cropTopLeft(await upscalePlanes(backend, extendPlanes(input, min, min), options), input.height * s, input.width * s);
  }
  if (run.tta) return ttaPlanes(input, s, (planes, k) => upscalePlanes(runner, planes, ttaPass(run, k)));
  const plan = planFor(runner, input.height, input.width, run);
  const oh = input.height * s;
  const ow = input.width * s;
  const data = new Float32Array(input.channels * oh * ow);
  const runModel = await tileModelRunner(runner, plan, (tile) => cropPlanes(input, tile.input).data, {
    signal: run.signal,
    checkAbort: (done, total) => throwIfAborted(run.signal, done, total),
  });
  await forEachTile(plan, run, async (tile) => {
    const crop = cropPlanes(input, tile.input).data;
    const kept = await runTile(crop, input.channels, tile.input, tile.core, s, runModel, op);
    for (let c = 0; c < kept.channels; c++) {
      for (let r = 0; r < kept.height; r++) {
        const from = (c * kept.height + r) * kept.width;
        data.set(kept.data.subarray(from, from + kept.width), (c * oh + tile.core.y * s + r) * ow + tile.core.x * s);
      }
    }
  });
  return { data, channels: input.channels, height: oh, width: ow };
}

/** The options of TTA pass k of 8: progress counts the eight passes as one run. */
function ttaPass(run: UpscaleRunOptions, k: number): UpscaleRunOptions {
  const onProgress = run.onProgress;
  return {
    ...run,
    tta: false,
    onProgress:
      onProgress &&
      ((p) => {
        const perPass = p.elapsedMs + p.etaMs;
        onProgress({
          ...p,
          done: k * p.total + p.done,
          total: 8 * p.total,
          fraction: (k + p.fraction) / 8,
          etaMs: p.etaMs + (7 - k) * perPass,
        });
      }),
  };
}

/**
 * The tile plan upscale() and upscalePlanes() will use for an image of this
 * size with these options (e.g. to warn before a run how many tiles it takes
 * or how much its overlap costs: `plan.readAmplification`).
 */
export function planUpscale(engine: Engine, height: number, width: number, options: UpscaleOptions): TilePlan;
export function planUpscale(runner: TileRunner, height: number, width: number, options?: UpscaleRunOptions): TilePlan;
export function planUpscale(backend: UpscaleBackend, height: number, width: number, options?: UpscaleOptions | UpscaleRunOptions): TilePlan;
export function planUpscale(
  backend: UpscaleBackend,
  height: number,
  width: number,
  options?: UpscaleOptions | UpscaleRunOptions,
): TilePlan {
  const { runner, run } = resolveBackend('planUpscale', backend, options);
  return planFor(runner, height, width, run);
}

/**
 * The runner and run options of a call: a TileRunner as given (options
 * without `model`), or an Engine wrapped with options.model in webgpuRunner.
 */
function resolveBackend(
  op: string,
  backend: UpscaleBackend,
  options: UpscaleOptions | UpscaleRunOptions | undefined,
): { runner: TileRunner; run: UpscaleRunOptions } {
  if (isTileRunner(backend)) {
    checkRunnerOptions(op, backend.model, options, RUN_OPTIONS);
    return { runner: backend, run: options ?? {} };
  }
  checkUpscaleOptions(op, options, UPSCALE_OPTIONS);
  const withModel = options as UpscaleOptions;
  return { runner: webgpuRunner(backend, withModel.model), run: withModel };
}

export function planFor(runner: TileRunner, height: number, width: number, options: UpscaleRunOptions): TilePlan {
  const { model } = runner;
  return planTiles(height, width, {
    scale: model.scale,
    receptiveRadius: model.receptiveRadius,
    limits: runner.capacity,
    channels: options.channels ?? model.maxChannels,
    // An explicit channels option keeps the conservative estimate it asks for.
    peakElementsPerInputPixel: options.channels === undefined ? model.peakElementsPerInputPixel : undefined,
    maxTileBytes: options.maxTileBytes ?? runner.maxTileBytes,
    tileSize: options.tileSize,
    alignment: model.gridAlignment,
    minTile: model.minTileSize ?? model.minInputSize,
  });
}

/** Runs `body` per tile, then reports progress, yields to the event loop (between tiles) and checks the signal. */
export async function forEachTile(plan: TilePlan, options: UpscaleRunOptions, body: (tile: Tile) => Promise<void>): Promise<void> {
  const total = plan.tiles.length;
  const work = (t: Tile): number => t.input.height * t.input.width;
  let workLeft = plan.tiles.reduce((sum, t) => sum + work(t), 0);
  let workDone = 0;
  const t0 = performance.now();
  for (const tile of plan.tiles) {
    throwIfAborted(options.signal, tile.index, total);
    await body(tile);
    const done = tile.index + 1;
    workDone += work(tile);
    workLeft -= work(tile);
    const elapsedMs = performance.now() - t0;
    options.onProgress?.({ done, total, fraction: done / total, stage: 'tiles', elapsedMs, etaMs: (elapsedMs / workDone) * workLeft });
    // Between tiles, a macrotask turn, not just a microtask: lets the page paint and handle input, and lets
    // abort() land. Not after the last tile: nothing is left to interleave, and a turn costs ~1 ms (a video frame's budget).
    if (done < total) await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
}

/**
 * Runs `fn` (a runner's runModel or upsampleAlpha) on a tile's input (planar
 * [C, input.height, input.width]) and returns the part of its result that
 * belongs to `core` (scaled by `s`).
 */
async function runTile(
  data: Float32Array,
  channels: number,
  input: Region,
  core: Region,
  s: number,
  fn: (x: Float32Array, shape: readonly [number, number, number]) => Promise<Float32Array>,
  op: string,
): Promise<Planes> {
  const want = [channels, input.height * s, input.width * s] as const;
  const values = await fn(data, [channels, input.height, input.width]);
  if (!(values instanceof Float32Array) || values.length !== want[0] * want[1] * want[2]) {
    const got = values instanceof Float32Array ? `${values.length} values` : String(values);
    throw new ShapeError(
      `${op}: the backend returned ${got} for input [${channels}, ${input.height}, ${input.width}], expected [${want.join(', ')}]`,
    );
  }
  const full = { data: values, channels, height: want[1], width: want[2] };
  const kept = { y: (core.y - input.y) * s, x: (core.x - input.x) * s, height: core.height * s, width: core.width * s };
  return cropPlanes(full, kept);
}

/**
 * Follows the web platform (fetch, AbortSignal.throwIfAborted): an explicit
 * `abort(reason)` rejects with that reason. `abort()` without one stores a
 * DOMException named 'AbortError' as the reason; then we throw our own
 * AbortError instead, which says how far the run got.
 */
export function throwIfAborted(signal: AbortSignal | undefined, done: number, total: number): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  const isDefault = reason === undefined || (reason instanceof DOMException && reason.name === 'AbortError');
  if (!isDefault) throw reason;
  const where = total ? ` after ${done} of ${total} tiles` : ' before it started';
  // DOMException is global in browsers and Node >= 17.
  throw new DOMException(`upscale was aborted${where}`, 'AbortError');
}
