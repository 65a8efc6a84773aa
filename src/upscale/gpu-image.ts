/**
 * Images ↔ tensors without leaving the GPU: `fromImage` copies a bitmap,
 * canvas, video frame or GPUTexture into a planar float tensor [1, 3|4, H, W];
 * `toTexture` writes such a tensor into an rgba8unorm texture. One compute
 * pass each (shaders/gpu-image.wgsl.ts), values mapped exactly as the CPU
 * pipeline maps them (readRegion, writePlanesToRgba in image.ts).
 *
 * Free functions over an engine (as webgpu-utils' `generateMipmap(device, …)`),
 * not engine methods: the engine is tensors and ops and must not depend on the
 * image layer (scripts/check-imports.mjs); pipelines are cached per device.
 */
import type { Engine } from '../engine.js';
import { ArgumentError, GpuError, LimitError, ShapeError } from '../errors.js';
import { BufferUsage, TextureUsage } from '../gpu/constants.js';
import type { Tensor } from '../tensor.js';
import { IMAGE_PARAMS_BYTES, IMAGE_WORKGROUP, TENSOR_TO_TEXTURE, TEXTURE_TO_TENSOR } from '../../shaders/gpu-image.wgsl.js';
import type { Range } from './image.js';

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

interface Pipelines {
  load: GPUComputePipeline;
  store: GPUComputePipeline;
}
const pipelines = new WeakMap<GPUDevice, Pipelines>();

function pipelinesOf(device: GPUDevice): Pipelines {
  let p = pipelines.get(device);
  if (!p) {
    const make = (code: string, label: string): GPUComputePipeline =>
      device.createComputePipeline({
        label,
        layout: 'auto',
        compute: { module: device.createShaderModule({ label, code }), entryPoint: 'main' },
      });
    p = { load: make(TEXTURE_TO_TENSOR, 'fromImage'), store: make(TENSOR_TO_TEXTURE, 'toTexture') };
    pipelines.set(device, p);
  }
  return p;
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

/** A rectangle in pixels: where a pass reads or writes. */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where a store pass takes alpha from: a plane of `tensor` (planes `width` wide), starting at element `base`, crop origin (x, y). */
export interface AlphaSource {
  tensor: Tensor;
  base: number;
  x: number;
  y: number;
  width: number;
  table: Float32Array;
}

function checkBindable(op: string, engine: Engine, tensor: Tensor): void {
  const max = engine.device.limits.maxStorageBufferBindingSize;
  if (tensor.byteLength > max) {
    throw new LimitError(
      `${op}: a [${tensor.shape.join(', ')}] tensor is ${tensor.byteLength} bytes, over maxStorageBufferBindingSize ${max}; split the image into tiles`,
    );
  }
}

const binding = (t: Tensor): GPUBufferBinding => ({ buffer: t.buffer, offset: t.byteOffset, size: t.byteLength });

/**
 * Records and submits one image pass over a `width × height` grid; the
 * engine's recorded ops go first, so the pass sees their results. `header` is
 * the 16 u32s of the shader's Params (see shaders/gpu-image.wgsl.ts).
 */
function submitImagePass(
  engine: Engine,
  op: string,
  pipeline: GPUComputePipeline,
  resources: GPUBindingResource[],
  header: number[],
  table: Float32Array,
  alphaTable: Float32Array | null,
): void {
  const { device } = engine;
  engine.kernelContext(op).runner.submit();
  const params = new ArrayBuffer(IMAGE_PARAMS_BYTES);
  new Uint32Array(params, 0, 16).set(header);
  new Float32Array(params, 64, 256).set(table);
  if (alphaTable) new Float32Array(params, 64 + 1024, 256).set(alphaTable);
  const uniform = device.createBuffer({ label: op, size: params.byteLength, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST });
  device.queue.writeBuffer(uniform, 0, params);
  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [{ buffer: uniform }, ...resources].map((resource, i) => ({ binding: i, resource })),
  });
  const enc = device.createCommandEncoder({ label: op });
  const pass = enc.beginComputePass({ label: op });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(header[0] / IMAGE_WORKGROUP), Math.ceil(header[1] / IMAGE_WORKGROUP));
  pass.end();
  device.queue.submit([enc.finish()]);
  // Destroying after the submit is allowed: the queue keeps it until the pass has run.
  uniform.destroy();
}

/**
 * One pass: the texels of `rect` in `texture`, channels `first … first +
 * channels − 1` (RGBA order), into `out` as planes [channels, rect.height,
 * rect.width], byte b → table[b].
 */
export function loadImagePass(
  engine: Engine,
  op: string,
  texture: GPUTexture,
  rect: PixelRect,
  first: number,
  channels: number,
  out: Tensor,
  table: Float32Array,
): void {
  checkBindable(op, engine, out);
  const header = [rect.width, rect.height, channels, first, rect.x, rect.y, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  submitImagePass(engine, op, pipelinesOf(engine.device).load, [texture.createView(), binding(out)], header, table, null);
}

/**
 * One pass: the `crop` of the first `channels` (≤ 3) planes of `src` (planes
 * srcWidth × srcHeight) into `texture` at (dstX, dstY), value → byte through
 * `table`; alpha from `alpha` (through its own table), else 255.
 */
export function storeImagePass(
  engine: Engine,
  op: string,
  src: Tensor,
  [srcHeight, srcWidth]: readonly [number, number],
  channels: number,
  crop: PixelRect,
  texture: GPUTexture,
  [dstX, dstY]: readonly [number, number],
  table: Float32Array,
  alpha: AlphaSource | null,
): void {
  checkBindable(op, engine, src);
  if (alpha) checkBindable(op, engine, alpha.tensor);
  const a = alpha ? [1, alpha.base, alpha.x, alpha.y, alpha.width] : [0, 0, 0, 0, 0];
  const header = [crop.width, crop.height, channels, 0, crop.x, crop.y, dstX, dstY, srcWidth, srcHeight, ...a, 0];
  // Without alpha, `src` is bound again so the layout stays whole (two read-only bindings may alias).
  const resources = [binding(src), texture.createView(), binding(alpha?.tensor ?? src)];
  submitImagePass(engine, op, pipelinesOf(engine.device).store, resources, header, table, alpha?.table ?? null);
}

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
    owned = texture = device.createTexture({
      label: op,
      size: [width, height],
      format: 'rgba8unorm',
      usage: TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_DST | TextureUsage.RENDER_ATTACHMENT,
    });
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
 * bgra8unorm, TEXTURE_BINDING usage, of engine.device) is read directly.
 * Rejects with a GpuError if the device refuses the work (e.g. a texture of
 * another device).
 */
export async function fromImage(engine: Engine, source: GpuImageSource, options: FromImageOptions = {}): Promise<Tensor> {
  const op = 'fromImage';
  const ctx = engine.kernelContext(op);
  const range = checkRange(op, options.range);
  const channels = options.alpha ? 4 : 3;
  const { device } = engine;
  const { texture, owned } = await sourceTexture(engine, op, source);
  const shape = [channels, texture.height, texture.width];
  const out = ctx.alloc([1, ...shape]);
  device.pushErrorScope('validation');
  try {
    loadImagePass(engine, op, texture, { x: 0, y: 0, width: texture.width, height: texture.height }, 0, channels, out, byteValues(range));
  } catch (e) {
    void device.popErrorScope();
    out.dispose();
    owned?.destroy();
    throw e;
  }
  const error = await device.popErrorScope();
  owned?.destroy();
  if (error) {
    out.dispose();
    throw new GpuError(
      `fromImage: the GPU refused to read the source (${error.message.split('\n')[0]}); a GPUTexture must belong to engine.device`,
      [error.message],
    );
  }
  return out;
}

/**
 * Writes a [1, 3|4, H, W] tensor into an rgba8unorm texture: each value v
 * becomes round-half-up((v − lo)·255/(hi − lo)) clamped to 0…255, exactly as
 * writePlanesToRgba; alpha 255 for 3 channels. Returns `options.texture` or a
 * new texture (STORAGE_BINDING | TEXTURE_BINDING | COPY_SRC; yours to destroy).
 * Synchronous: the pass is submitted at once; errors the device reports later
 * surface as a GpuError at the engine's next read or flush.
 */
export function toTexture(engine: Engine, tensor: Tensor, options: ToTextureOptions = {}): GPUTexture {
  const op = 'toTexture';
  const range = checkRange(op, options.range);
  const shape = imageShape(engine, op, tensor);
  const [, h, w] = shape;
  const given = options.texture;
  if (given !== undefined) {
    if (!isGpuTexture(given)) throw new ArgumentError(`toTexture: texture must be a GPUTexture`);
    if (given.format !== 'rgba8unorm') throw new ArgumentError(`toTexture: texture format '${given.format}' must be 'rgba8unorm'`);
    if (!(given.usage & TextureUsage.STORAGE_BINDING))
      throw new ArgumentError(`toTexture: texture usage 0x${given.usage.toString(16)} lacks STORAGE_BINDING (0x8)`);
    if (given.width !== w || given.height !== h)
      throw new ShapeError(`toTexture: texture is ${given.width}×${given.height} but the tensor is ${w}×${h}`);
  }
  const texture =
    given ??
    engine.device.createTexture({
      label: op,
      size: [w, h],
      format: 'rgba8unorm',
      usage: TextureUsage.STORAGE_BINDING | TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_SRC,
    });
  const [c] = shape;
  const thresholds = byteThresholds(range);
  const alpha = c === 4 ? { tensor, base: 3 * h * w, x: 0, y: 0, width: w, table: thresholds } : null;
  storeImagePass(engine, op, tensor, [h, w], 3, { x: 0, y: 0, width: w, height: h }, texture, [0, 0], thresholds, alpha);
  return texture;
}

export { imageShape as checkImageTensor };
