/**
 * upscaleTexture(): upscale() for images already on the GPU. The source is a
 * GPUTexture (or a DOM image source, copied once into one) and the result is
 * one rgba8unorm texture, so a 4096² output never touches CPU memory.
 *
 * Same tile plan (planUpscale), progress and cancellation as upscale(); per
 * tile only the transfers differ: one pass crops the tile's input (core +
 * receptive radius, clipped) from the texture straight into a planar tensor in
 * model.inputRange, model.run, and one pass writes the kept core of the output
 * tensor into the output texture at the core's offset (gpu-image.ts, with the
 * same exact byte tables as fromImage/toTexture). Alpha, unless the caller
 * says the source is opaque, is the source alpha (core + 1 pixel, what
 * bilinear needs) upsampled by engine.upsample, stored in the same pass (a
 * texel is written whole). The result equals upscale() of the same RGBA bytes
 * byte for byte: the same values reach the same ops in the same tiles.
 */
import type { Engine } from '../engine.js';
import { ArgumentError, GpuError, LimitError, ShapeError } from '../errors.js';
import { TextureUsage } from '../gpu/constants.js';
import type { UpscaleModel } from '../model/types.js';
import type { Tensor } from '../tensor.js';
import {
  byteThresholds,
  byteValues,
  isGpuTexture,
  loadImagePass,
  sourceTexture,
  storeImagePass,
  type AlphaSource,
  type GpuImageSource,
} from './gpu-image.js';
import { checkUpscaleOptions } from './options.js';
import { webgpuRunner } from './runner.js';
import { expandRegion, hardTileBytes, type Region, type Tile } from './tiling.js';
import { UPSCALE_OPTIONS, forEachTile, planFor, throwIfAborted, type UpscaleOptions } from './upscale.js';

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
/** Textures whose passes ran without a validation error, and the device they ran on (theirs). */
const verified = new WeakMap<GPUTexture, GPUDevice>();
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
    if (given !== undefined) checkOutput(op, given, texture, size);
    const min = model.minInputSize ?? 1;
    if (texture.width < min || texture.height < min) {
      throw new ArgumentError(
        `${op}: a ${texture.width}×${texture.height} texture is smaller than '${model.name}' runs on (${min}×${min}, its border); ` +
          `upscale() extends such images by their edge pixels`,
      );
    }
    // A model with global pools (squeeze-excitation) needs whole-image statistics: here the texture is one
    // tile, whose pools are the whole image's; one that needs several tiles is refused (upscale() runs the
    // context passes), never run with each tile's own statistics.
    const global = (model.globalPools?.length ?? 0) > 0;
    const runner = webgpuRunner(engine, model);
    const plan = planFor(
      runner,
      texture.height,
      texture.width,
      global ? { ...options, maxTileBytes: hardTileBytes(engine.capacity) } : options,
    );
    if (global && plan.tiles.length > 1) {
      throw new LimitError(
        `${op}: '${model.name}' pools over the whole image (squeeze-excitation), and a ${texture.width}×${texture.height} texture ` +
          `needs ${plan.tiles.length} tiles on this device: use upscale(), which computes the whole-image context over its tiles`,
      );
    }
    const output =
      given ??
      engine.device.createTexture({
        label: op,
        size,
        format: 'rgba8unorm',
        usage: TextureUsage.STORAGE_BINDING | TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_SRC,
      });
    const tables = {
      input: byteValues(model.inputRange),
      output: byteThresholds(model.outputRange),
      alphaIn: alpha === 'keep' ? byteValues([0, 255]) : null,
      alphaOut: byteThresholds([0, 255]),
    };
    try {
      await forEachTile(plan, options, (tile) => textureTile(engine, model, texture, output, tile, tables));
    } catch (e) {
      if (!given) output.destroy();
      throw e;
    }
    return output;
  } finally {
    owned?.destroy();
  }
}

function checkOutput(op: string, output: GPUTexture, source: GPUTexture, [width, height]: readonly [number, number]): void {
  if (!isGpuTexture(output)) throw new ArgumentError(`${op}: output must be a GPUTexture`);
  if (output === source) throw new ArgumentError(`${op}: output must not be the source texture (tiles read what others write)`);
  if (output.format !== 'rgba8unorm') throw new ArgumentError(`${op}: output format '${output.format}' must be 'rgba8unorm'`);
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

/** Runs `pass` in a validation error scope: a texture of another device becomes a GpuError, not a lost device. */
async function checked(device: GPUDevice, op: string, pass: () => void): Promise<void> {
  device.pushErrorScope('validation');
  try {
    pass();
  } catch (e) {
    void device.popErrorScope();
    throw e;
  }
  const error = await device.popErrorScope();
  if (error) {
    throw new GpuError(`${op}: the GPU refused a tile pass (${error.message.split('\n')[0]}); textures must belong to engine.device`, [
      error.message,
    ]);
  }
}

/** One tile: crop → model → kept core into `output` (with alpha); every tensor disposed whatever happens. */
async function textureTile(
  engine: Engine,
  model: UpscaleModel,
  texture: GPUTexture,
  output: GPUTexture,
  { index, input, core }: Tile,
  tables: { input: Float32Array; output: Float32Array; alphaIn: Float32Array | null; alphaOut: Float32Array },
): Promise<void> {
  const op = 'upscaleTexture';
  const ctx = engine.kernelContext(op);
  const { device } = engine;
  const s = model.scale;
  const tensors: Tensor[] = [];
  const keep = <T extends Tensor>(t: T): T => (tensors.push(t), t);
  try {
    const x = keep(ctx.alloc([1, 3, input.height, input.width]));
    // The first tile's passes run in an error scope: a texture of another device becomes a GpuError there.
    // Later tiles, and later calls with textures that passed (a video's reused pair), skip the scope and its
    // GPU round trips: a texture's device never changes.
    const known = verified.get(texture) === device && verified.get(output) === device;
    const scoped = index === 0 && !known ? (pass: () => void) => checked(device, op, pass) : async (pass: () => void) => pass();
    await scoped(() => loadImagePass(engine, op, texture, rect(input), 0, 3, x, tables.input));
    const y = keep(model.run(x));
    const want = [1, 3, input.height * s, input.width * s];
    if (y.shape.length !== 4 || y.shape.some((d, i) => d !== want[i])) {
      throw new ShapeError(
        `${op}: the model returned [${y.shape.join(', ')}] for input [${x.shape.join(', ')}], expected [${want.join(', ')}]`,
      );
    }
    let alpha: AlphaSource | null = null;
    if (tables.alphaIn) {
      const region = expandRegion(core, ALPHA_RADIUS, texture.height, texture.width);
      const a = keep(ctx.alloc([1, 1, region.height, region.width]));
      loadImagePass(engine, op, texture, rect(region), 3, 1, a, tables.alphaIn);
      const up = keep(engine.upsample(a, { scale: s, mode: 'bilinear' }));
      alpha = {
        tensor: up,
        base: 0,
        x: (core.x - region.x) * s,
        y: (core.y - region.y) * s,
        width: region.width * s,
        table: tables.alphaOut,
      };
    }
    const crop = { x: (core.x - input.x) * s, y: (core.y - input.y) * s, width: core.width * s, height: core.height * s };
    const at = [core.x * s, core.y * s] as const;
    await scoped(() => storeImagePass(engine, op, y, [want[2], want[3]], 3, crop, output, at, tables.output, alpha));
    verified.set(texture, device).set(output, device);
    // Progress means done on the GPU (as upscale()'s readback does), and tiles never queue up unbounded.
    await device.queue.onSubmittedWorkDone();
  } finally {
    for (const t of new Set(tensors)) t.dispose();
  }
}
