/**
 * Images ↔ tensors without leaving the GPU: `fromImage` copies a bitmap,
 * canvas, video frame or GPUTexture into a planar float tensor [1, 3|4, H, W];
 * `toTexture` writes such a tensor into an rgba8unorm texture. Each is one
 * program on the engine's runner (shaders/gpu-image.wgsl.ts), recorded into
 * the same command buffer as the ops around it, with its uniforms in the same
 * arena and its pipeline in the same cache; values mapped exactly as the CPU
 * pipeline maps them (readRegion, writePlanesToRgba in image.ts), through
 * tables uploaded once per call as a small tensor.
 *
 * Free functions over an engine (as webgpu-utils' `generateMipmap(device, …)`),
 * not engine methods: the engine is tensors and ops and must not depend on the
 * image layer (scripts/check-imports.mjs).
 */
import type { Engine } from '../engine.js';
import { ArgumentError, GpuError, ShapeError } from '../core/errors.js';
import { TextureUsage } from '../gpu/constants.js';
import type { Params } from '../gpu/program.js';
import type { ProgramBinding } from '../gpu/command-runner.js';
import type { StorageTextureFormat } from '../gpu/texture-binding.js';
import type { Tensor } from '../core/tensor.js';
import { imageLoadShader, imageStoreShader } from '../../shaders/gpu-image.wgsl.js';
import type { Range } from './image.js';
import type { Region } from './tiling.js';

/** What `fromImage` reads: DOM image sources (browser) or a GPUTexture of the engine's device (rgba8unorm or bgra8unorm, TEXTURE_BINDING usage). */
export type GpuImageSource = ImageBitmap | HTMLCanvasElement | OffscreenCanvas | HTMLVideoElement | VideoFrame | GPUTexture;

export interface FromImageOptions {
  /** The values bytes 0 and 255 map to (linearly). Default [0, 255]. */
  range?: Range;
  /** Keep alpha as a 4th channel (mapped like RGB). Default false: [1, 3, H, W]. */
  alpha?: boolean;
}

export interface ToTextureOptions {
  /** The values that become bytes 0 and 255 (rounded half up, clamped). Default [0, 255]. */
  range?: Range;
  /** Write into this rgba8unorm texture (STORAGE_BINDING usage, the tensor's W×H) instead of a new one. */
  texture?: GPUTexture;
}

export function checkRange(op: string, range: unknown): Range {
  const r = (range ?? [0, 255]) as Range;
  if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(r[1] > r[0])) {
    throw new ArgumentError(`${op}: range ${JSON.stringify(range)} must be [lo, hi] with finite lo < hi`);
  }
  return r;
}

/** The value of each byte: lo + b·(hi − lo)/255 in float64 then float32, as readRegion computes it. */
export function byteValues([lo, hi]: Range): Float32Array {
  const k = (hi - lo) / 255;
  return Float32Array.from({ length: 256 }, (_, b) => lo + b * k);
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
/** float32 ↔ an integer key in the same order (negatives mirrored), so floats can be bisected. */
function floatKey(x: number): number {
  f32[0] = x;
  return i32[0] < 0 ? -(i32[0] & 0x7fffffff) : i32[0];
}
function keyFloat(k: number): number {
  i32[0] = k < 0 ? -k | 0x80000000 : k;
  return f32[0];
}

/**
 * Thresholds (index j = 1…255): the least float32 v with
 * min(255, max(0, round((v − lo)·255/(hi − lo)))) ≥ j, rounding half up in
 * float64 as writePlanesToRgba does; found by bisecting the float32s (the
 * predicate is monotone in v; near 0 an ulp walk would take billions of steps).
 */
export function byteThresholds([lo, hi]: Range): Float32Array {
  const k = 255 / (hi - lo);
  const out = new Float32Array(256);
  for (let j = 1; j < 256; j++) {
    let below = floatKey(-Infinity); // never reaches j
    let at = floatKey(Infinity); // reaches j
    while (at - below > 1) {
      const mid = Math.floor((below + at) / 2);
      if ((keyFloat(mid) - lo) * k >= j - 0.5) at = mid;
      else below = mid;
    }
    out[j] = keyFloat(at);
  }
  return out;
}

export function isGpuTexture(v: unknown): v is GPUTexture {
  return !!v && typeof v === 'object' && typeof (v as GPUTexture).createView === 'function' && typeof (v as GPUTexture).format === 'string';
}

/** Checks a [1, 3|4, H, W] tensor of `engine`; returns [C, H, W]. */
function imageShape(engine: Engine, op: string, tensor: Tensor): [number, number, number] {
  engine.kernelContext(op).check(op, 'tensor', tensor);
  const [n, c, h, w] = tensor.shape;
  if (tensor.shape.length !== 4 || n !== 1 || (c !== 3 && c !== 4)) {
    throw new ShapeError(`${op}: tensor shape [${tensor.shape.join(', ')}] must be [1, 3 or 4, H, W]`);
  }
  return [c, h, w];
}

/**
 * What an image texture is for: a 'source' receives external images (copyExternalImageToTexture needs
 * COPY_DST and RENDER_ATTACHMENT) and is read by the load pass; a 'result' is written by the store pass
 * and read, sampled or copied by the caller.
 */
export type ImageTextureRole = 'source' | 'result';

const IMAGE_TEXTURE_USAGE: Record<ImageTextureRole, number> = {
  source: TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_DST | TextureUsage.RENDER_ATTACHMENT,
  result: TextureUsage.STORAGE_BINDING | TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_SRC,
};

/** The one way the image pipeline makes textures: rgba8unorm of `size` [width, height], its role's usage (plus `extraUsage`). */
export function createImageTexture(
  device: GPUDevice,
  role: ImageTextureRole,
  size: readonly [number, number],
  label: string,
  extraUsage = 0,
): GPUTexture {
  return device.createTexture({ label, size: [size[0], size[1]], format: 'rgba8unorm', usage: IMAGE_TEXTURE_USAGE[role] | extraUsage });
}

const IMAGE_WORKGROUP = 64;
const TABLE = 256;

/**
 * The byte tables of a set of passes, in one tensor of 256-entry sections
 * (uploaded with one queue write, no submit): `at(k)` is section k's first
 * element, which the passes take as a uniform. Dispose it when the passes are
 * recorded (the pool keeps it until their submit).
 */
export class ImageTables {
  constructor(readonly tensor: Tensor) {}
  static make(engine: Engine, op: string, sections: readonly Float32Array[]): ImageTables {
    const data = new Float32Array(sections.length * TABLE);
    sections.forEach((t, k) => data.set(t, k * TABLE));
    engine.kernelContext(op);
    return new ImageTables(engine.tensor(data, [data.length]));
  }
  at(section: number): number {
    return section * TABLE;
  }
  dispose(): void {
    this.tensor.dispose();
  }
}

/** Where a load pass writes: `rect` of the texture, texel channels first…first+channels−1, into `out` as planes [channels, rect.height, rect.width]. */
export interface LoadTarget {
  rect: Region;
  first: number;
  channels: number;
  out: Tensor;
  /** Table section (ImageTables.at) mapping byte b to its value. */
  table: number;
}

/**
 * Records one pass: `colour` (and, folded into the same pass, `alpha`: one
 * plane, texel channel 3) from `texture`; threads cover both rectangles.
 */
export function recordLoad(
  engine: Engine,
  op: string,
  texture: GPUTexture,
  tables: ImageTables,
  colour: LoadTarget,
  alpha?: LoadTarget,
): void {
  const c = colour.rect;
  const a = alpha?.rect ?? c;
  const x0 = Math.min(c.x, a.x);
  const y0 = Math.min(c.y, a.y);
  const width = Math.max(c.x + c.width, a.x + a.width) - x0;
  const height = Math.max(c.y + c.height, a.y + a.height) - y0;
  const params: Params = {
    width: ['u32', width],
    srcX: ['u32', x0],
    srcY: ['u32', y0],
    colX: ['u32', c.x - x0],
    colY: ['u32', c.y - y0],
    colW: ['u32', c.width],
    colH: ['u32', c.height],
    channels: ['u32', colour.channels],
    first: ['u32', colour.first],
    table: ['u32', colour.table],
  };
  const bindings: ProgramBinding[] = [
    { name: 'tables', tensor: tables.tensor },
    { name: 'dst', tensor: colour.out, write: true },
  ];
  if (alpha) {
    Object.assign(params, {
      aX: ['u32', a.x - x0],
      aY: ['u32', a.y - y0],
      aW: ['u32', a.width],
      aH: ['u32', a.height],
      alphaTable: ['u32', alpha.table],
    } satisfies Params);
    bindings.push({ name: 'alphaDst', tensor: alpha.out, write: true });
  }
  bindings.push({ name: 'src', texture, access: 'read' });
  const folded = !!alpha;
  engine.kernelContext(op).runner.run(
    {
      name: 'image-load',
      variant: { alpha: folded },
      workgroupSize: IMAGE_WORKGROUP,
      entry: 'element',
      body: (v) => imageLoadShader(v.alpha),
    },
    params,
    bindings,
    width * height,
  );
}

/** Where a store pass takes alpha from: a plane of `tensor` (planes `width` wide), starting at element `base`, crop origin (x, y). */
export interface AlphaSource {
  tensor: Tensor;
  base: number;
  x: number;
  y: number;
  width: number;
  /** Table section (ImageTables.at) of its thresholds. */
  table: number;
}

/**
 * Records one pass: the `crop` of the first `channels` (≤ 3) planes of `src`
 * (planes srcWidth × srcHeight) into `texture` (a storage texture, rgba8unorm
 * or, with the 'bgra8unorm-storage' feature, bgra8unorm) at (dstX, dstY),
 * value → byte through the thresholds at `table`; alpha from `alpha`, else 255.
 */
export function recordStore(
  engine: Engine,
  op: string,
  src: Tensor,
  [srcHeight, srcWidth]: readonly [number, number],
  channels: number,
  crop: Region,
  texture: GPUTexture,
  [dstX, dstY]: readonly [number, number],
  tables: ImageTables,
  table: number,
  alpha: AlphaSource | null,
): void {
  const params: Params = {
    width: ['u32', crop.width],
    channels: ['u32', channels],
    srcX: ['u32', crop.x],
    srcY: ['u32', crop.y],
    dstX: ['u32', dstX],
    dstY: ['u32', dstY],
    srcWidth: ['u32', srcWidth],
    srcHeight: ['u32', srcHeight],
    table: ['u32', table],
  };
  const bindings: ProgramBinding[] = [
    { name: 'src', tensor: src },
    { name: 'tables', tensor: tables.tensor },
  ];
  if (alpha) {
    Object.assign(params, {
      alphaBase: ['u32', alpha.base],
      alphaX: ['u32', alpha.x],
      alphaY: ['u32', alpha.y],
      alphaWidth: ['u32', alpha.width],
      alphaTable: ['u32', alpha.table],
    } satisfies Params);
    bindings.push({ name: 'alphaSrc', tensor: alpha.tensor });
  }
  bindings.push({ name: 'dst', texture, access: 'write' });
  const folded = !!alpha;
  engine.kernelContext(op).runner.run(
    {
      name: 'image-store',
      variant: { alpha: folded },
      workgroupSize: IMAGE_WORKGROUP,
      entry: 'element',
      body: (v) => imageStoreShader(v.alpha),
    },
    params,
    bindings,
    crop.width * crop.height,
  );
}

/** The formats a store pass can write on this device: rgba8unorm, and bgra8unorm with 'bgra8unorm-storage'. */
export function storageFormats(device: GPUDevice): StorageTextureFormat[] {
  return device.features.has('bgra8unorm-storage') ? ['rgba8unorm', 'bgra8unorm'] : ['rgba8unorm'];
}

/**
 * Whether `textures` belong to engine.device (and have the usages the passes
 * bind them with): a bind group of each is made inside a validation error
 * scope, whose answer is awaited (one wait, counted in engine.stats().waits),
 * once per texture.
 * A texture of another device in a recorded pass would poison the whole
 * command buffer; checked here first, it is a GpuError naming the cause.
 */
export async function checkTextures(
  engine: Engine,
  op: string,
  textures: readonly { texture: GPUTexture; access: 'read' | 'write' }[],
): Promise<void> {
  const { device } = engine;
  const runner = engine.kernelContext(op).runner;
  // A texture's device never changes: one that passed (a video's reused pair) is not checked again.
  const unknown = textures.filter(({ texture, access }) => verified.get(texture)?.get(access) !== device);
  if (unknown.length === 0) return;
  device.pushErrorScope('validation');
  try {
    for (const { texture, access } of unknown) {
      const layout = device.createBindGroupLayout({
        entries: [
          access === 'read'
            ? { binding: 0, visibility: GPUShaderStageCompute, texture: { sampleType: 'float' } }
            : { binding: 0, visibility: GPUShaderStageCompute, storageTexture: { access: 'write-only', format: texture.format } },
        ],
      });
      device.createBindGroup({ layout, entries: [{ binding: 0, resource: texture.createView() }] });
    }
  } catch (e) {
    void device.popErrorScope();
    throw e;
  }
  const error = await runner.wait(device.popErrorScope());
  if (error) {
    throw new GpuError(`${op}: the GPU refused a texture (${error.message.split('\n')[0]}); textures must belong to engine.device`, [
      error.message,
    ]);
  }
  for (const { texture, access } of unknown) {
    let m = verified.get(texture);
    if (!m) verified.set(texture, (m = new Map()));
    m.set(access, device);
  }
}

/** Textures that passed checkTextures, per access, and the device they belong to. */
const verified = new WeakMap<GPUTexture, Map<'read' | 'write', GPUDevice>>();

/** GPUShaderStage.COMPUTE (a global only where WebGPU is). */
const GPUShaderStageCompute = 4;

function sourceSize(source: Exclude<GpuImageSource, GPUTexture>): [number, number] {
  if (typeof VideoFrame !== 'undefined' && source instanceof VideoFrame) return [source.displayWidth, source.displayHeight];
  if (typeof HTMLVideoElement !== 'undefined' && source instanceof HTMLVideoElement) return [source.videoWidth, source.videoHeight];
  const s = source as { width?: unknown; height?: unknown };
  if (typeof s.width === 'number' && typeof s.height === 'number') return [s.width, s.height];
  throw new ArgumentError(
    `fromImage: source must be an ImageBitmap, canvas, OffscreenCanvas, HTMLVideoElement, VideoFrame or GPUTexture, got ${(source as object)?.constructor?.name ?? typeof source}`,
  );
}

/**
 * The texture a source is read from: a GPUTexture as given (checked: rgba8unorm
 * or bgra8unorm, TEXTURE_BINDING, 2-D, single-sampled), or a DOM source copied
 * into a new rgba8unorm texture (`owned`: the caller destroys it).
 */
export async function sourceTexture(
  engine: Engine,
  op: string,
  source: GpuImageSource,
): Promise<{ texture: GPUTexture; owned: GPUTexture | null }> {
  const { device } = engine;
  let texture: GPUTexture;
  let owned: GPUTexture | null = null;
  if (isGpuTexture(source)) {
    if (source.format !== 'rgba8unorm' && source.format !== 'bgra8unorm') {
      throw new ArgumentError(`${op}: texture format '${source.format}' must be 'rgba8unorm' or 'bgra8unorm'`);
    }
    if (!(source.usage & TextureUsage.TEXTURE_BINDING))
      throw new ArgumentError(`${op}: texture usage 0x${source.usage.toString(16)} lacks TEXTURE_BINDING (0x4)`);
    if (source.dimension !== '2d' || source.sampleCount !== 1) throw new ArgumentError(`${op}: texture must be 2-D and single-sampled`);
    texture = source;
  } else {
    let [width, height] = sourceSize(source);
    if (!(width >= 1 && height >= 1))
      throw new ShapeError(`${op}: source is ${width}×${height}; it must have pixels (a video not yet loaded has none)`);
    let copyFrom: ImageBitmap | HTMLCanvasElement | OffscreenCanvas | HTMLVideoElement | VideoFrame = source;
    let bitmap: ImageBitmap | null = null;
    const video =
      (typeof VideoFrame !== 'undefined' && source instanceof VideoFrame) ||
      (typeof HTMLVideoElement !== 'undefined' && source instanceof HTMLVideoElement);
    if (video && engine.adapterInfo.software) {
      copyFrom = bitmap = await createImageBitmap(source as VideoFrame | HTMLVideoElement);
      [width, height] = [bitmap.width, bitmap.height];
    }
    owned = texture = createImageTexture(device, 'source', [width, height], op);
    try {
      device.queue.copyExternalImageToTexture({ source: copyFrom }, { texture, premultipliedAlpha: false }, [width, height]);
    } finally {
      bitmap?.close();
    }
  }
  return { texture, owned };
}

/**
 * Reads an image into a new tensor [1, 3, H, W] (or [1, 4, H, W] with
 * `alpha`), byte b of each channel becoming lo + b·(hi − lo)/255. DOM sources
 * are copied with copyExternalImageToTexture (unpremultiplied); VideoFrames and
 * video elements go through createImageBitmap on software adapters, where the
 * direct copy loses the device (SwiftShader). A GPUTexture (rgba8unorm or
 * bgra8unorm, TEXTURE_BINDING usage, of engine.device) is read directly; it is
 * checked to belong to engine.device first (one wait, see checkTextures) and
 * rejects with a GpuError if not. The pass is recorded on the engine's runner
 * with the ops that follow; only a copied DOM source is submitted at once (its
 * texture is freed after the pass).
 */
export async function fromImage(engine: Engine, source: GpuImageSource, options: FromImageOptions = {}): Promise<Tensor> {
  const op = 'fromImage';
  const ctx = engine.kernelContext(op);
  const range = checkRange(op, options.range);
  const channels = options.alpha ? 4 : 3;
  const { texture, owned } = await sourceTexture(engine, op, source);
  try {
    if (!owned) await checkTextures(engine, op, [{ texture, access: 'read' }]);
    const out = ctx.alloc([1, channels, texture.height, texture.width]);
    const tables = ImageTables.make(engine, op, [byteValues(range)]);
    try {
      const rect = { x: 0, y: 0, width: texture.width, height: texture.height };
      recordLoad(engine, op, texture, tables, { rect, first: 0, channels, out, table: tables.at(0) });
    } catch (e) {
      out.dispose();
      throw e;
    } finally {
      tables.dispose();
    }
    // Destroying a texture that unsubmitted work reads would fail that submit.
    if (owned) ctx.runner.submit();
    return out;
  } finally {
    owned?.destroy();
  }
}

/**
 * Writes a [1, 3|4, H, W] tensor into an rgba8unorm texture: each value v
 * becomes round-half-up((v − lo)·255/(hi − lo)) clamped to 0…255, exactly as
 * writePlanesToRgba; alpha 255 for 3 channels. Returns `options.texture` or a
 * new texture (STORAGE_BINDING | TEXTURE_BINDING | COPY_SRC; yours to destroy).
 * Synchronous: the pass is submitted at once with the work recorded before it
 * (one submit); errors the device reports later surface as a GpuError at the
 * engine's next read or flush.
 */
export function toTexture(engine: Engine, tensor: Tensor, options: ToTextureOptions = {}): GPUTexture {
  const op = 'toTexture';
  const range = checkRange(op, options.range);
  const shape = imageShape(engine, op, tensor);
  const [c, h, w] = shape;
  const given = options.texture;
  if (given !== undefined) {
    if (!isGpuTexture(given)) throw new ArgumentError(`toTexture: texture must be a GPUTexture`);
    const formats = storageFormats(engine.device);
    if (!(formats as string[]).includes(given.format)) {
      throw new ArgumentError(
        `toTexture: texture format '${given.format}' must be ${formats.map((f) => `'${f}'`).join(' or ')}` +
          (given.format === 'bgra8unorm' ? ` (bgra8unorm needs the device feature 'bgra8unorm-storage')` : ''),
      );
    }
    if (!(given.usage & TextureUsage.STORAGE_BINDING))
      throw new ArgumentError(`toTexture: texture usage 0x${given.usage.toString(16)} lacks STORAGE_BINDING (0x8)`);
    if (given.width !== w || given.height !== h)
      throw new ShapeError(`toTexture: texture is ${given.width}×${given.height} but the tensor is ${w}×${h}`);
  }
  const texture = given ?? createImageTexture(engine.device, 'result', [w, h], op);
  const tables = ImageTables.make(engine, op, [byteThresholds(range)]);
  try {
    const alpha = c === 4 ? { tensor, base: 3 * h * w, x: 0, y: 0, width: w, table: tables.at(0) } : null;
    const crop = { x: 0, y: 0, width: w, height: h };
    recordStore(engine, op, tensor, [h, w], 3, crop, texture, [0, 0], tables, tables.at(0), alpha);
  } catch (e) {
    if (!given) texture.destroy();
    throw e;
  } finally {
    tables.dispose();
  }
  engine.kernelContext(op).runner.submit();
  return texture;
}

export { imageShape as checkImageTensor };
