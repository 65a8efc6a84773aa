/**
 * upscaleTexture(): upscale() for images already on the GPU. The source is a
 * GPUTexture (or a DOM image source, copied once into one) and the result is
 * one rgba8unorm texture, so a 4096² output never touches CPU memory.
 *
 * Same tile plan (planUpscale), progress and cancellation as upscale(); per
 * tile only the transfers differ, and everything is recorded on the engine's
 * runner (src/gpu/command-runner.ts) with the model's ops: one pass crops the tile's
 * input (core + receptive radius, clipped) from the texture straight into a
 * planar tensor in model.inputRange, and, folded into the same pass, the
 * source alpha (core + 1 pixel, what bilinear needs); model.run;
 * engine.upsample of the alpha; one pass writes the kept core of the output
 * tensor with its alpha into the output texture at the core's offset
 * (gpu-image.ts, with the same exact byte tables as fromImage/toTexture).
 *
 * Submission: one submit per tile (a one-tile texture: one submit, and no CPU
 * wait at all once its textures are known to belong to the engine's device);
 * with several tiles, after submitting tile k it waits for tile k − 1 (the GPU
 * runs tile k meanwhile), so at most two tiles are queued and progress trails
 * the GPU by one tile. The result equals upscale() of the same RGBA bytes byte
 * for byte: the same values reach the same ops in the same tiles.
 */
import type { Engine } from '../engine.js';
import { ArgumentError, LimitError, ShapeError } from '../core/errors.js';
import { TextureUsage } from '../gpu/constants.js';
import type { UpscaleModel } from '../model/types.js';
import type { Tensor } from '../core/tensor.js';
import {
  createImageTexture,
  byteThresholds,
  byteValues,
  checkTextures,
  ImageTables,
  isGpuTexture,
  recordLoad,
  recordStore,
  sourceTexture,
  storageFormats,
  type AlphaSource,
  type GpuImageSource,
} from './gpu-image.js';
import { checkUpscaleOptions } from './options.js';
import { webgpuRunner } from './runner.js';
import { expandRegion, hardTileBytes, type Region, type Tile, type TilePlan } from './tiling.js';
import { UPSCALE_OPTIONS, forEachTile, planFor, throwIfAborted, type UpscaleOptions, type UpscaleRunOptions } from './upscale.js';

export interface UpscaleTextureOptions extends UpscaleOptions {
  /**
   * Write into this texture instead of a new one: rgba8unorm, STORAGE_BINDING
   * usage, of engine.device, exactly (W·scale) × (H·scale), not the source.
   */
  output?: GPUTexture;
  /**
   * 'keep' (default): alpha is the source alpha, bilinear ×scale (as
   * upscale()). 'opaque': the caller knows the source is opaque (or wants it
   * so); alpha is 255 and the per-tile alpha work is skipped. A texture cannot
   * be checked for opacity without reading it back, so this is not guessed.
   */
  alpha?: 'keep' | 'opaque';
}

const TEXTURE_OPTIONS = [...UPSCALE_OPTIONS, 'output', 'alpha'];
const ALPHA_RADIUS = 1;

/**
 * Upscales a GPU image by `model.scale` into an rgba8unorm texture of
 * (W·scale) × (H·scale): `options.output`, or a new one (STORAGE_BINDING |
 * TEXTURE_BINDING | COPY_SRC; yours to destroy). The source is a GPUTexture of
 * engine.device (rgba8unorm or bgra8unorm, TEXTURE_BINDING) or, in browsers,
 * anything fromImage takes. Tiles, onProgress and signal as upscale(); when
 * it rejects (abort, error) every tensor is freed and a texture it created is
 * destroyed. A texture of another device rejects with a GpuError.
 */
export async function upscaleTexture(engine: Engine, source: GpuImageSource, options: UpscaleTextureOptions): Promise<GPUTexture> {
  const op = 'upscaleTexture';
  checkUpscaleOptions(op, options, TEXTURE_OPTIONS);
  const { model, output: given } = options;
  const alpha = options.alpha ?? 'keep';
  if (alpha !== 'keep' && alpha !== 'opaque') throw new ArgumentError(`${op}: alpha ${JSON.stringify(alpha)} must be 'keep' or 'opaque'`);
  throwIfAborted(options.signal, 0, 0);
  const { texture, owned } = await sourceTexture(engine, op, source);
  try {
    const s = model.scale;
    const size = [texture.width * s, texture.height * s] as const;
    if (given !== undefined) checkOutput(engine, op, given, texture, size);
    const plan = textureTilePlan(engine, op, model, texture.width, texture.height, options);
    const output = given ?? createImageTexture(engine.device, 'result', size, op);
    const tables = textureTables(engine, op, model);
    try {
      // Before anything is recorded: a caller's texture of another device would poison the whole command buffer.
      // (Textures made here, the copied DOM source and a new output, are of engine.device.)
      const callers = [
        ...(owned ? [] : [{ texture, access: 'read' as const }]),
        ...(given ? [{ texture: given, access: 'write' as const }] : []),
      ];
      await checkTextures(engine, op, callers);
      const { runner } = engine.kernelContext(op);
      let previous: Promise<void> | null = null;
      await forEachTile(plan, options, async (tile) => {
        recordTextureTile(engine, { model, texture, output, tables, alpha: alpha === 'keep' }, tile);
        runner.submit();
        if (plan.tiles.length === 1) return;
        const done = engine.device.queue.onSubmittedWorkDone();
        if (previous) await runner.wait(previous);
        previous = done;
      });
    } catch (e) {
      if (!given) output.destroy();
      throw e;
    } finally {
      tables.dispose();
    }
    return output;
  } finally {
    owned?.destroy();
  }
}

/**
 * The tile plan for a `width × height` texture (as upscale() plans it), after
 * the checks upscaleTexture makes: big enough for the model's border, and a
 * model with global pools (squeeze-excitation) only in one tile.
 */
export function textureTilePlan(
  engine: Engine,
  op: string,
  model: UpscaleModel,
  width: number,
  height: number,
  options: UpscaleRunOptions,
): TilePlan {
  const min = model.minInputSize ?? 1;
  if (width < min || height < min) {
    throw new ArgumentError(
      `${op}: a ${width}×${height} texture is smaller than '${model.name}' runs on (${min}×${min}, its border); ` +
        `upscale() extends such images by their edge pixels`,
    );
  }
  // A model with global pools (squeeze-excitation) needs whole-image statistics: here the texture is one
  // tile, whose pools are the whole image's; one that needs several tiles is refused (upscale() runs the
  // context passes), never run with each tile's own statistics.
  const global = (model.globalPools?.length ?? 0) > 0;
  const plan = planFor(
    webgpuRunner(engine, model),
    height,
    width,
    global ? { ...options, maxTileBytes: hardTileBytes(engine.capacity) } : options,
  );
  if (global && plan.tiles.length > 1) {
    throw new LimitError(
      `${op}: '${model.name}' pools over the whole image (squeeze-excitation), and a ${width}×${height} texture ` +
        `needs ${plan.tiles.length} tiles on this device: use upscale(), which computes the whole-image context over its tiles`,
    );
  }
  return plan;
}

/** Byte tables of a model's passes: input values, output thresholds, alpha values, alpha thresholds (sections 0–3). */
export function textureTables(engine: Engine, op: string, model: UpscaleModel): ImageTables {
  return ImageTables.make(engine, op, [
    byteValues(model.inputRange),
    byteThresholds(model.outputRange),
    byteValues([0, 255]),
    byteThresholds([0, 255]),
  ]);
}

/** What every tile of one texture upscale shares. */
export interface TextureJob {
  model: UpscaleModel;
  texture: GPUTexture;
  /** A storage texture (rgba8unorm, or bgra8unorm with the device's 'bgra8unorm-storage'), e.g. a canvas's current texture. */
  output: GPUTexture;
  /** From textureTables. */
  tables: ImageTables;
  /** Source alpha, bilinear ×scale (true), or 255 (false). */
  alpha: boolean;
}

/**
 * Records every tile of `plan` without waiting for anything (a video frame),
 * submitting between tiles (one tile's network per command buffer) but not
 * after the last: the caller adds to it (a readback copy) and submits, so a
 * one-tile frame is one submit. The textures must be of engine.device (the
 * caller's own, or checked with checkTextures).
 */
export function recordTextureTiles(engine: Engine, job: TextureJob, plan: TilePlan): void {
  const { runner } = engine.kernelContext('upscaleTexture');
  plan.tiles.forEach((tile, i) => {
    if (i > 0) runner.submit();
    recordTextureTile(engine, job, tile);
  });
}

function checkOutput(engine: Engine, op: string, output: GPUTexture, source: GPUTexture, [width, height]: readonly [number, number]): void {
  if (!isGpuTexture(output)) throw new ArgumentError(`${op}: output must be a GPUTexture`);
  if (output === source) throw new ArgumentError(`${op}: output must not be the source texture (tiles read what others write)`);
  const formats = storageFormats(engine.device);
  if (!(formats as string[]).includes(output.format)) {
    throw new ArgumentError(`${op}: output format '${output.format}' must be ${formats.map((f) => `'${f}'`).join(' or ')}`);
  }
  if (!(output.usage & TextureUsage.STORAGE_BINDING))
    throw new ArgumentError(`${op}: output usage 0x${output.usage.toString(16)} lacks STORAGE_BINDING (0x8)`);
  if (output.dimension !== '2d' || output.sampleCount !== 1) throw new ArgumentError(`${op}: output must be 2-D and single-sampled`);
  if (output.width !== width || output.height !== height) {
    throw new ShapeError(
      `${op}: output is ${output.width}×${output.height} but the source ${source.width}×${source.height} × scale gives ${width}×${height}`,
    );
  }
}

const rect = (r: Region) => ({ x: r.x, y: r.y, width: r.width, height: r.height });

/** One tile recorded on the runner: crop (+ alpha) → model → alpha upsample → kept core into `output`; every tensor disposed whatever happens. */
function recordTextureTile(engine: Engine, { model, texture, output, tables, alpha: keepAlpha }: TextureJob, { input, core }: Tile): void {
  const op = 'upscaleTexture';
  const ctx = engine.kernelContext(op);
  const s = model.scale;
  const tensors: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => (tensors.push(t), t);
  try {
    const x = keep(ctx.alloc([1, 3, input.height, input.width]));
    const colour = { rect: rect(input), first: 0, channels: 3, out: x, table: tables.at(0) };
    const region = keepAlpha ? expandRegion(core, ALPHA_RADIUS, texture.height, texture.width) : null;
    const a = region ? keep(ctx.alloc([1, 1, region.height, region.width])) : null;
    recordLoad(
      engine,
      op,
      texture,
      tables,
      colour,
      region && a ? { rect: rect(region), first: 3, channels: 1, out: a, table: tables.at(2) } : undefined,
    );
    const y = keep(model.run(x));
    const want = [1, 3, input.height * s, input.width * s];
    if (y.shape.length !== 4 || y.shape.some((d, i) => d !== want[i])) {
      throw new ShapeError(
        `${op}: the model returned [${y.shape.join(', ')}] for input [${x.shape.join(', ')}], expected [${want.join(', ')}]`,
      );
    }
    let alpha: AlphaSource | null = null;
    if (region && a) {
      const up = keep(engine.upsample(a, { scale: s, mode: 'bilinear' }));
      alpha = {
        tensor: up,
        base: 0,
        x: (core.x - region.x) * s,
        y: (core.y - region.y) * s,
        width: region.width * s,
        table: tables.at(3),
      };
    }
    const crop = { x: (core.x - input.x) * s, y: (core.y - input.y) * s, width: core.width * s, height: core.height * s };
    recordStore(engine, op, y, [want[2], want[3]], 3, crop, output, [core.x * s, core.y * s], tables, tables.at(1), alpha);
  } finally {
    for (const t of new Set(tensors)) t.dispose();
  }
}
