/**
 * The engine: owns the device, the buffer pool and the pipeline cache;
 * tensors borrow buffers from it. All ops validate their arguments on the CPU
 * (shared shape rules in src/ops) before any GPU work is encoded.
 */
import { ArgumentError, DeviceLostError, DisposedError, EngineMismatchError, GpuError, LimitError, ShapeError } from './core/errors.js';
import { checkBorrowedBuffer, checkSameDevice, type FromBufferOptions } from './gpu/borrowed-buffer.js';
import { BufferPool } from './gpu/buffer-pool.js';
import { BufferUsage, MapMode } from './gpu/constants.js';
import { acquireDevice } from './gpu/device.js';
import { GpuTimer } from './gpu/gpu-timer.js';
import { PipelineCache } from './gpu/pipeline-cache.js';
import { profileDispatches, type DispatchProfiles } from './gpu/profile.js';
import { CommandRunner, type EngineCapacity } from './gpu/command-runner.js';
import type { KernelContext } from './kernels/context.js';
import type { WinogradOption, WinogradStorage } from './kernels/conv-winograd.js';
import type { OpDef } from './registry/define.js';
import { checkShape, fmt, sizeOf, type Shape } from './core/params.js';
import { OPS, type GpuOps } from './registry/table.js';
import { Tensor, type TensorOwner } from './core/tensor.js';

export interface EngineOptions {
  /** Use this device (shared with the caller) instead of requesting one. The engine never destroys a device it did not create. */
  device?: GPUDevice;
  powerPreference?: GPUPowerPreference;
  /**
   * Cap on bytes per storage binding, below the device's own limit. Larger
   * tensors are bound in several pages. Mostly for tests of the splitting path.
   */
  maxBindingBytes?: number;
  /**
   * Which kernel runs conv2d. 'direct' (shaders/conv2d.wgsl.ts) reads its inputs through the
   * cache, register-blocked; 'tiled' (shaders/conv2d-tiled.wgsl.ts) stages input tiles and
   * weights in workgroup memory and takes every conv2d with stride 1, dilation 1, one group and
   * a kernel from 2×2 to 13×13 whose tensors fit one binding; anything else (1×1 convs too, which
   * gain nothing from staging) and every convTranspose2d stays direct. 'tiled-narrow' is 'tiled'
   * for convs of at most 16 output channels (its t256 configuration) and 'direct' for wider ones.
   *
   * Measured on an NVIDIA H100 (Dawn/Vulkan, docs/gpu.md): the narrow configuration made Anime4K
   * M and L 2.9–3.4× faster (640×360, the network alone); the wide one (c32, Cout > 16) was 3×
   * SLOWER than direct on conv2d 64→64 3×3 at 256² inside the engine (1.02 vs 0.33 ms), although
   * the same design as a standalone kernel (bench/kernel-variants.ts) was 1.7× faster, and it made
   * esrgan-slim ×2 slower too. On SwiftShader (CPU Vulkan) the tiled kernel's workgroup barriers
   * serialise and it is 3–15× slower. So 'auto' (the default) is 'tiled-narrow' on hardware
   * adapters and 'direct' on software ones (`adapterInfo.software`); `engine.convKernel` says
   * which it chose.
   */
  convKernel?: ConvKernelOption;
  /**
   * Winograd for conv2d 3×3, stride 1, dilation 1, one group (src/kernels/conv-winograd.ts):
   * 'f23' = F(2×2, 3×3), 'f43' = F(4×4, 3×3), 'f63' = F(6×6, 3×3) (2.25×, 4× and 5.06× fewer
   * multiply-adds than a direct conv; a little more float32 rounding each, measured ≤ 0.004 8-bit
   * levels on the bundled models). 'auto': on software adapters F(6,3) for every such conv of at
   * least 5 output channels that the convKernel option does not give to the tiled kernel (measured
   * 3.5–3.8× on the bundled models: docs/performance.md, "Winograd"); on hardware adapters 'off',
   * because it is not measured there yet. Default 'off': a Winograd output pixel's rounding depends
   * on its place in a 6×6 tile, so a tiled upscale is then equal to an untiled one within float32
   * rounding, no longer bit for bit (what the tiling tests assert). `engine.winograd` says which it chose.
   */
  winograd?: WinogradOption;
  /**
   * Subgroup operations where the device has them ('subgroups', requested when the adapter offers it):
   * the Winograd GEMM loads each weight vector once per quad of lanes and shares it with
   * subgroupShuffle (1.35× that pass on SwiftShader). The arithmetic is unchanged, so results are
   * bit-identical either way. 'auto' (default): use them when the device has the feature; 'off': never.
   * `engine.subgroups` says whether they are used.
   */
  subgroups?: 'auto' | 'off';
  /**
   * Storage of the Winograd temporaries (transformed weights U and input V; src/kernels/conv-winograd.ts):
   * 'f32', or 'f16-packed' (two halves a u32 through pack2x16float, as ncnn-vulkan stores blobs on
   * this kind of adapter: half the loads and bytes, the arithmetic stays f32). Each stored value is
   * rounded to 11 significant bits, which F(6,3)'s output transform amplifies: the bundled models
   * move by up to several 8-bit levels (docs/performance.md, "Packed-f16 storage"). On SwiftShader
   * it is also slower (its GEMM is not load-bound), so 'auto' is 'f32' on every adapter until a
   * measurement shows a win within 1 level. Default 'f32'. `engine.storage` says which it chose.
   */
  storage?: StorageOption;
}

const STORAGE_OPTIONS = ['f32', 'f16-packed', 'auto'] as const;
export type StorageOption = (typeof STORAGE_OPTIONS)[number];

/** Checks the storage option (before a device is requested). */
function checkStorage(v: unknown): StorageOption {
  if (v === undefined) return 'f32';
  if (!(STORAGE_OPTIONS as readonly unknown[]).includes(v)) {
    const shown = typeof v === 'string' ? `'${v}'` : String(v);
    throw new ArgumentError(`createEngine: storage ${shown} must be 'f32', 'f16-packed' or 'auto'`);
  }
  return v as StorageOption;
}

const CONV_KERNELS = ['auto', 'direct', 'tiled', 'tiled-narrow'] as const;
export type ConvKernelOption = (typeof CONV_KERNELS)[number];
/** What the engine runs conv2d with: the convKernel option with 'auto' resolved. */
export type ConvKernel = Exclude<ConvKernelOption, 'auto'>;

const WINOGRAD_OPTIONS: readonly WinogradOption[] = ['off', 'f23', 'f43', 'f63', 'auto'];

/** Checks the subgroups option (before a device is requested). */
function checkSubgroups(v: unknown): 'auto' | 'off' {
  if (v === undefined) return 'auto';
  if (v !== 'auto' && v !== 'off') {
    const shown = typeof v === 'string' ? `'${v}'` : String(v);
    throw new ArgumentError(`createEngine: subgroups ${shown} must be 'auto' or 'off'`);
  }
  return v;
}

/** Checks the winograd option (before a device is requested). */
function checkWinograd(v: unknown): WinogradOption {
  if (v === undefined) return 'off';
  if (!(WINOGRAD_OPTIONS as readonly unknown[]).includes(v)) {
    const shown = typeof v === 'string' ? `'${v}'` : String(v);
    throw new ArgumentError(`createEngine: winograd ${shown} must be 'off', 'f23', 'f43', 'f63' or 'auto'`);
  }
  return v as WinogradOption;
}

/** Checks the convKernel option (before a device is requested); a typo must not silently mean 'auto'. */
function checkConvKernel(v: unknown): ConvKernelOption {
  if (v === undefined) return 'auto';
  if (!(CONV_KERNELS as readonly unknown[]).includes(v)) {
    const shown = typeof v === 'string' ? `'${v}'` : String(v);
    throw new ArgumentError(`createEngine: convKernel ${shown} must be 'auto', 'direct', 'tiled' or 'tiled-narrow'`);
  }
  return v as ConvKernelOption;
}

export interface EngineStats {
  /** GPU buffers alive right now: tensors, pooled free and pending buffers, the uniform arena and staging. */
  liveBuffers: number;
  /** Tensors (including cached prepacked weights) not yet disposed. */
  liveTensors: number;
  /** Free pooled buffers. */
  pooledBuffers: number;
  pooledBytes: number;
  /** Shader compilations so far. */
  pipelines: number;
  /** Compute dispatches recorded so far. */
  dispatches: number;
  /** Command buffers submitted (queue.submit calls by the engine, the image passes and the upscalers). */
  submits: number;
  /** Times the CPU awaited the GPU (mapAsync of a read, onSubmittedWorkDone of a flush, popErrorScope of a texture check). */
  waits: number;
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True when the adapter is a software rasteriser (SwiftShader, lavapipe...). */
  software: boolean;
}

/**
 * The op methods (`engine.conv2d(...)`, `engine.pixelShuffle(...)`, …): one per
 * row of the op table, typed and documented there (declaration merging with the
 * class below, which installs them).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface Engine extends GpuOps {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class Engine implements TensorOwner {
  readonly device: GPUDevice;
  readonly adapterInfo: AdapterDescription;
  /** The conv2d kernel in use: the `convKernel` option, with 'auto' resolved for this adapter. */
  readonly convKernel: ConvKernel;
  /** The `winograd` option, 'auto' resolved to 'off' on hardware adapters (see EngineOptions). */
  readonly winograd: WinogradOption;
  /** Whether kernels use subgroup operations (the `subgroups` option and the device's 'subgroups' feature). */
  readonly subgroups: boolean;
  /** The `storage` option, 'auto' resolved (see EngineOptions). */
  readonly storage: WinogradStorage;
  private readonly pool: BufferPool;
  private readonly cache: PipelineCache;
  private readonly runner: CommandRunner;
  private readonly tensors = new Set<Tensor>();
  private readonly derivedOf = new Map<Tensor, Map<string, Tensor>>();
  private lost: string | null = null;
  /** Errors the device reported outside any error scope since the last check (see GpuError). */
  private gpuErrors: string[] = [];
  private readonly onGpuError = (ev: Event): void => {
    const e = (ev as GPUUncapturedErrorEvent).error;
    this.gpuErrors.push(`${e.constructor.name}: ${e.message}`);
  };
  private destroyed = false;
  private readonly ctx: KernelContext;

  /** @internal Use `createEngine()`. */
  constructor(
    device: GPUDevice,
    private readonly ownsDevice: boolean,
    info: GPUAdapterInfo | undefined,
    options: EngineOptions,
    private readonly keepAlive: unknown = null,
  ) {
    this.device = device;
    this.adapterInfo = describeAdapter(info ?? (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo);
    const convKernel = checkConvKernel(options.convKernel);
    this.convKernel = convKernel === 'auto' ? (this.adapterInfo.software ? 'direct' : 'tiled-narrow') : convKernel;
    const winograd = checkWinograd(options.winograd);
    this.winograd = winograd === 'auto' && !this.adapterInfo.software ? 'off' : winograd;
    this.subgroups = checkSubgroups(options.subgroups) === 'auto' && device.features.has('subgroups');
    const storage = checkStorage(options.storage);
    this.storage = storage === 'auto' ? 'f32' : storage;
    this.pool = new BufferPool(device);
    this.cache = new PipelineCache(device);
    const l = device.limits;
    const align = l.minStorageBufferOffsetAlignment;
    const cap = Math.min(l.maxStorageBufferBindingSize, options.maxBindingBytes ?? Infinity);
    this.runner = new CommandRunner(device, this.pool, this.cache, {
      pageBytes: Math.max(align, Math.floor(cap / align) * align),
      maxWorkgroupsPerDim: l.maxComputeWorkgroupsPerDimension,
      maxStorageBuffers: l.maxStorageBuffersPerShaderStage,
      maxBufferBytes: l.maxBufferSize,
    });
    device.lost.then((info) => {
      this.lost = `${info.reason}: ${info.message}`;
    });
    // Without this a rejected command buffer would read back as zeros. On a
    // device shared with the caller, errors of the caller's own work outside an
    // error scope are reported here too: the device cannot tell whose they are.
    device.addEventListener('uncapturederror', this.onGpuError);
    this.ctx = {
      runner: this.runner,
      alloc: (shape) => this.alloc(shape),
      check: (op, name, t) => this.check(op, name, t),
      derived: (source, key, make) => this.derived(source, key, make),
      convKernel: this.convKernel,
      winograd: this.winograd,
      subgroups: this.subgroups,
      storage: this.storage,
    };
  }

  // ---- tensors ------------------------------------------------------------

  /** Uploads NCHW float32 data. `shape` must multiply out to `data.length`. */
  tensor(data: Float32Array | readonly number[], shape: Shape): Tensor {
    this.assertUsable('tensor');
    if (!Array.isArray(shape)) throw new ShapeError(`tensor: shape ${String(shape)} must be an array`);
    checkShape('tensor', 'shape', shape, shape.length);
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    if (arr.length !== sizeOf(shape)) {
      throw new ShapeError(`tensor: data has ${arr.length} elements but shape ${fmt(shape)} needs ${sizeOf(shape)}`);
    }
    const t = this.alloc(shape);
    // No submit first: the pool hands out only buffers no unsubmitted work uses
    // (buffer-pool.ts), and this write lands before the batch that reads it is submitted.
    this.device.queue.writeBuffer(t.buffer, 0, arr.buffer, arr.byteOffset, arr.byteLength);
    return t;
  }

  /**
   * Wraps your GPUBuffer (of `engine.device`, with STORAGE usage; COPY_SRC too
   * if you will `read()` it) as an NCHW float32 tensor of `shape` starting at
   * `offset`, without a copy. The tensor borrows the buffer: `dispose()` (and
   * `engine.destroy()`) neither destroys nor pools it, and it is not in
   * `stats().liveBuffers` (it is in `liveTensors` until disposed). Keep the
   * buffer alive and unmapped while the tensor is used; ops never write it
   * (outputs are new tensors). Async because only the device can tell whether
   * the buffer is its own (see src/gpu/borrowed-buffer.ts).
   */
  async fromBuffer(buffer: GPUBuffer, shape: Shape, options: FromBufferOptions = {}): Promise<Tensor> {
    this.assertUsable('fromBuffer');
    if (!Array.isArray(shape)) throw new ShapeError(`fromBuffer: shape ${String(shape)} must be an array`);
    checkShape('fromBuffer', 'shape', shape, shape.length);
    const offset = checkBorrowedBuffer(this.device, buffer, shape, options);
    await checkSameDevice(this.device, buffer, offset);
    this.assertUsable('fromBuffer');
    const t = new Tensor(this, shape, buffer, offset, true);
    this.tensors.add(t);
    return t;
  }

  /** @internal */
  async readTensor(t: Tensor): Promise<Float32Array> {
    this.check('read', 'tensor', t);
    if (t.borrowed && !(t.buffer.usage & BufferUsage.COPY_SRC)) {
      throw new ArgumentError(
        `read: tensor [${t.shape.join(', ')}] wraps a buffer (engine.fromBuffer) without COPY_SRC usage, so it cannot be copied back`,
      );
    }
    const bytes = t.byteLength;
    const staging = this.pool.acquireStaging(bytes);
    let reusable = false;
    try {
      // The copy goes out in the same command buffer as the work that computes `t`: one submit per read.
      this.runner.encode((enc) => enc.copyBufferToBuffer(t.buffer, t.byteOffset, staging, 0, bytes));
      this.runner.submit();
      await this.runner.wait(staging.mapAsync(MapMode.READ, 0, bytes));
      const data = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
      staging.unmap();
      reusable = true;
      this.throwGpuErrors('read');
      return data;
    } catch (e) {
      if (this.lost) throw new DeviceLostError(`read: the GPU device was lost (${this.lost}); create a new engine`, this.lost);
      throw e;
    } finally {
      if (reusable && !this.destroyed) this.pool.releaseStaging(staging);
      else this.pool.destroy(staging);
    }
  }

  /** @internal */
  releaseTensor(t: Tensor): void {
    if (!this.tensors.delete(t)) return;
    const derived = this.derivedOf.get(t);
    if (derived) {
      this.derivedOf.delete(t);
      for (const d of derived.values()) d.dispose();
    }
    if (!t.borrowed) this.pool.release(t.buffer);
  }

  // ---- ops ----------------------------------------------------------------
  // One method per row of the op table (src/registry/table.ts), installed once on the
  // prototype: each checks that the engine is usable, then runs the row's GPU
  // dispatch. Their signatures and docs come from the table (`GpuOps`).

  static {
    for (const def of Object.values(OPS) as OpDef[]) {
      const method = {
        [def.name](this: Engine, ...args: unknown[]): ReturnType<OpDef['gpu']> {
          this.assertUsable(def.name);
          return def.gpu(this.ctx, ...args);
        },
      }[def.name];
      Object.defineProperty(Engine.prototype, def.name, { value: method, writable: true, configurable: true, enumerable: false });
    }
  }

  /**
   * The largest tensor every op can bind and the most threads one dispatch can
   * run on this device (after paging and 2-D grid folding); tiling sizes its
   * tiles by it.
   */
  get capacity(): EngineCapacity {
    return this.runner.capacity;
  }

  /**
   * @internal The kernel context, after the usability check every op method
   * makes: for stateful GPU code above the op table (src/train's optimizers).
   */
  kernelContext(op: string): KernelContext {
    this.assertUsable(op);
    return this.ctx;
  }

  /**
   * @internal A kernel wrote `t` in place (an optimizer step; tensors are
   * otherwise immutable): drops its cached derived copies (prepacked weights),
   * so the next op derives them from the new values.
   */
  wroteInPlace(t: Tensor): void {
    const derived = this.derivedOf.get(t);
    if (!derived) return;
    this.derivedOf.delete(t);
    for (const d of derived.values()) d.dispose();
  }

  // ---- lifetime -------------------------------------------------------------

  stats(): EngineStats {
    const p = this.pool.stats();
    return {
      liveBuffers: p.live,
      liveTensors: this.tensors.size,
      pooledBuffers: p.free,
      pooledBytes: p.freeBytes,
      pipelines: this.cache.compiles,
      dispatches: this.runner.dispatches,
      submits: this.runner.submits,
      waits: this.runner.waits,
    };
  }

  /** Destroys the pooled free buffers (tensors in use are untouched). */
  trim(): void {
    this.pool.trim();
  }

  /** Waits until all submitted GPU work is done. */
  async flush(): Promise<void> {
    await this.runner.idle();
    this.throwGpuErrors('flush');
  }

  /** True when the device can time passes with timestamp queries. */
  get canTimeGpu(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /**
   * Runs `work`, waits for the GPU, and reports wall-clock time (record + submit
   * + execute) and, when the adapter has 'timestamp-query', the GPU time of the
   * compute passes it recorded (null otherwise). Pipeline compilation triggered
   * by `work` counts in wall time only. Outputs of `work` are returned, not disposed.
   */
  async timeGpu<T>(work: () => T): Promise<{ result: T; wallMs: number; gpuMs: number | null }> {
    this.assertUsable('timeGpu');
    this.runner.submit();
    await this.device.queue.onSubmittedWorkDone();
    const timer = this.canTimeGpu ? new GpuTimer(this.device, this.pool) : null;
    this.runner.timer = timer;
    const t0 = performance.now();
    let result: T;
    try {
      result = work();
      this.runner.submit();
    } finally {
      this.runner.timer = null;
    }
    await this.device.queue.onSubmittedWorkDone();
    const wallMs = performance.now() - t0;
    const gpuMs = timer ? await timer.totalMs() : null;
    this.throwGpuErrors('timeGpu');
    return { result, wallMs, gpuMs };
  }

  /**
   * Per-dispatch profile of one forward pass of `model` on `x` (src/gpu/profile.ts): each dispatch
   * in its own pass with timestamp queries (wall time per submit without 'timestamp-query'), its
   * direct-conv FLOPs and bound bytes. The output is disposed; `x` is not. Profile-mode timings run
   * the dispatches one per submit, so their sum is a little above a normal run; `formatProfile`
   * prints the table.
   */
  async profile(model: { run(x: Tensor): Tensor }, x: Tensor): Promise<DispatchProfiles> {
    this.assertUsable('profile');
    this.check('profile', 'input', x);
    const makeTimer = this.canTimeGpu ? () => new GpuTimer(this.device, this.pool) : null;
    const { result, profile } = await profileDispatches(this.runner, this.device, makeTimer, () => model.run(x));
    result.dispose();
    this.throwGpuErrors('profile');
    return profile;
  }

  get isLost(): boolean {
    return this.lost !== null;
  }

  /** Frees every buffer and, if the engine created the device, destroys it. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    if (this.lost) this.runner.discard();
    else this.runner.submit();
    this.destroyed = true;
    const tensors = [...this.tensors];
    this.tensors.clear();
    this.derivedOf.clear();
    for (const t of tensors) {
      const buf = t.detach();
      if (buf && !t.borrowed) this.pool.destroy(buf);
    }
    this.pool.trim();
    this.cache.clear();
    this.device.removeEventListener('uncapturederror', this.onGpuError);
    if (this.ownsDevice) this.device.destroy();
    void this.keepAlive;
  }

  // ---- internals ------------------------------------------------------------

  private throwGpuErrors(op: string): void {
    if (this.gpuErrors.length === 0) return;
    const errors = this.gpuErrors.splice(0);
    throw new GpuError(
      `${op}: the GPU rejected recorded work (${errors.length} error${errors.length > 1 ? 's' : ''}), so results since the last read or flush are not valid. First: ${errors[0]}`,
      errors,
    );
  }

  private assertUsable(op: string): void {
    if (this.destroyed) throw new DisposedError(`${op}: the engine was destroyed`);
    if (this.lost) throw new DeviceLostError(`${op}: the GPU device was lost (${this.lost}); create a new engine`, this.lost);
  }

  private alloc(shape: Shape): Tensor {
    const bytes = sizeOf(shape) * 4;
    const max = this.device.limits.maxBufferSize;
    if (bytes > max) {
      throw new LimitError(
        `tensor [${shape.join(', ')}] needs ${bytes} bytes, over this device's maxBufferSize ${max}; split the input into tiles (upscale() does this)`,
      );
    }
    const t = new Tensor(this, shape, this.pool.acquire(bytes));
    this.tensors.add(t);
    return t;
  }

  private check(op: string, name: string, t: unknown): Tensor {
    if (!(t instanceof Tensor)) throw new ShapeError(`${op}: ${name} must be a Tensor made by engine.tensor(), got ${typeof t}`);
    if (t.owner !== this) throw new EngineMismatchError(`${op}: ${name} belongs to another engine`);
    if (t.disposed) throw new DisposedError(`${op}: ${name} [${t.shape.join(', ')}] was used after dispose()`);
    return t;
  }

  private derived(source: Tensor, key: string, make: () => Tensor): Tensor {
    let m = this.derivedOf.get(source);
    if (!m) this.derivedOf.set(source, (m = new Map()));
    let d = m.get(key);
    if (!d) m.set(key, (d = make()));
    return d;
  }
}

function describeAdapter(info: GPUAdapterInfo | undefined): AdapterDescription {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const all = `${vendor} ${architecture} ${device} ${description}`.toLowerCase();
  return { vendor, architecture, device, description, software: /swiftshader|llvmpipe|lavapipe|software|warp/.test(all) };
}

/**
 * Creates an engine. In browsers it uses `navigator.gpu`; in Node the `webgpu`
 * package (Dawn). Pass `{ device }` to share a GPUDevice you already have.
 */
export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  checkConvKernel(options.convKernel);
  checkWinograd(options.winograd);
  checkSubgroups(options.subgroups);
  checkStorage(options.storage);
  if (options.device) return new Engine(options.device, false, undefined, options);
  const { device, adapter, gpu } = await acquireDevice(options.powerPreference);
  return new Engine(device, true, adapter?.info, options, gpu);
}
