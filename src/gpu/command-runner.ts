/**
 * The one GPU submission path. Encodes programs: packs the uniforms, binds
 * every tensor (in pages when it is larger than one binding may be) and
 * texture, folds the grid into 2-D when it exceeds 65,535 workgroups per
 * dimension, and records the dispatch into the open compute pass. The ops,
 * the image passes (src/upscale/gpu-image.ts: texture → tensor, tensor →
 * texture) and copies (`encode`) all go through one runner, one uniform
 * arena and one pipeline cache.
 *
 * Batching: one command buffer holds everything recorded until `submit()`,
 * which callers make at the end of a unit of work (a tile, a frame, a read:
 * the engine submits before every readback and flush). The runner submits
 * early only when the batch reaches `maxBatch` dispatches or its uniform arena
 * is full (both 1024 by default: a whole network per submit; Real-ESRGAN
 * x4plus is ~700 dispatches), or when the buffers released while recording
 * pass the pool's maxPendingBytes (they are reused only after the submit).
 * A tile's work is bounded by the tile budget, so one submit per tile stays
 * clear of GPU watchdogs (Windows' TDR: 2 s) on any GPU the tile plan suits.
 * Buffer lifetimes across the batch are the pool's business (buffer-pool.ts):
 * each dispatch's uniforms take a slot of the batch's uniform arena, written
 * once at submit, and a tensor disposed while the batch is open is reused only
 * after the submit. Within one compute pass, WebGPU orders each dispatch's
 * storage writes before the next dispatch.
 *
 * Counters: `dispatches`, `submits` (queue.submit calls by the engine) and
 * `waits` (times the CPU awaited the GPU through `wait`: mapAsync,
 * onSubmittedWorkDone, popErrorScope), shown by engine.stats().
 */
import { LimitError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { BufferPool } from './buffer-pool.js';
import type { GpuTimer } from './gpu-timer.js';
import { pipelineKey, type CachedPipeline, type PipelineCache } from './pipeline-cache.js';
import {
  header,
  MAX_PAGES,
  packParamsInto,
  paramsBytes,
  programSource,
  enableDirectives,
  type ElemType,
  type Params,
  type Program,
  type ProgramVariant,
  type StorageSpec,
} from './program.js';
import { textureDeclarations, type StorageTextureFormat, type TextureSpec } from './texture-binding.js';

/** A tensor bound as a storage buffer (read through `NAME_ld(i)`, written through `NAME_st(i, v)`). */
export interface Binding {
  name: string;
  tensor: Tensor;
  /** View the tensor as vec4<f32> (its size must be a multiple of 4). */
  elem?: ElemType;
  write?: boolean;
}

/**
 * A texture bound whole: 'read' declares `var NAME: texture_2d<f32>` (rgba8unorm
 * or bgra8unorm, TEXTURE_BINDING usage; `textureLoad` gives RGBA either way),
 * 'write' declares `var NAME: texture_storage_2d<FORMAT, write>` (STORAGE_BINDING
 * usage; bgra8unorm needs the device's 'bgra8unorm-storage' feature).
 */
export interface TextureBinding {
  name: string;
  texture: GPUTexture;
  access: 'read' | 'write';
}

/** What a program binds: tensors (the ops) and textures (the image passes). */
export type ProgramBinding = Binding | TextureBinding;

const isTexture = (b: ProgramBinding): b is TextureBinding => 'texture' in b;

export interface RunnerLimits {
  /** Bytes per storage binding: the device limit rounded down to the offset alignment. */
  pageBytes: number;
  maxWorkgroupsPerDim: number;
  maxStorageBuffers: number;
  /** The device's maxBufferSize: a tensor is one buffer. */
  maxBufferBytes: number;
}

/**
 * What the engine can really run: the largest tensor every op can bind, and
 * the most threads one dispatch can carry. Work sized within these (e.g. an
 * upscaling tile) never hits a LimitError from the runner.
 */
export interface EngineCapacity {
  /**
   * Largest tensor, in bytes, that any op can take or produce: one buffer
   * (maxBufferSize), bound in at most as many pages as the widest op leaves room
   * for, and addressable by u32 element indices.
   */
  readonly maxTensorBytes: number;
  /**
   * Most threads one dispatch can run: the grid folds into 2-D, so
   * maxComputeWorkgroupsPerDimension² workgroups (counted at one thread each,
   * the least a workgroup has), and thread indices are u32. Every kernel runs
   * at most one thread per output element.
   */
  readonly maxDispatchThreads: number;
}

/**
 * The widest op's bindings: a conv with a residual binds three activation-sized
 * tensors (input, residual, output), each possibly paged, plus its packed
 * weights and bias, which are small enough for one binding each.
 */
const LARGE_BINDINGS = 3;
const SMALL_BINDINGS = 2;
const U32_RANGE = 2 ** 32;

/** A program ready to record: its pipeline, grid and the layout of its bindings. */
interface Prepared {
  cached: CachedPipeline;
  specs: StorageSpec[];
  gridX: number;
  gridY: number;
  uniformBytes: number;
}

export class CommandRunner {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pending = 0;
  /** Dispatches recorded so far (for tests and benchmarks). */
  dispatches = 0;
  /** Command buffers submitted so far. */
  submits = 0;
  /** Times the CPU awaited the GPU through `wait` so far. */
  waits = 0;
  /** While set, every pass records begin/end timestamps into it. */
  timer: GpuTimer | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    readonly cache: PipelineCache,
    readonly limits: RunnerLimits,
    readonly maxBatch = 1024,
  ) {}

  /** See {@link EngineCapacity}. */
  get capacity(): EngineCapacity {
    const { pageBytes, maxWorkgroupsPerDim: d, maxStorageBuffers, maxBufferBytes } = this.limits;
    const pages = Math.max(1, Math.min(MAX_PAGES, Math.floor((maxStorageBuffers - SMALL_BINDINGS) / LARGE_BINDINGS)));
    return {
      maxTensorBytes: Math.min(maxBufferBytes, pages * pageBytes, 4 * (U32_RANGE - 1)),
      maxDispatchThreads: Math.min(d * d, U32_RANGE - 1),
    };
  }

  /** True while recorded work waits for `submit()`. */
  get recording(): boolean {
    return this.encoder !== null;
  }

  /** Submits the recorded work, if any, as one command buffer. */
  submit(): void {
    if (!this.encoder) return;
    this.endPass();
    this.pool.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pending = 0;
    this.submits++;
  }

  /** Drops the recorded work without submitting it (the device is lost). */
  discard(): void {
    if (!this.encoder) return;
    this.encoder = null;
    this.pass = null;
    this.pending = 0;
    this.pool.discardBatch();
  }

  /**
   * Awaits `gpu` (a mapAsync, onSubmittedWorkDone or popErrorScope promise),
   * counted in `waits`. Submit first what it waits on.
   */
  async wait<T>(gpu: Promise<T>): Promise<T> {
    this.waits++;
    return gpu;
  }

  /** Submits the recorded work and waits until the GPU has done everything submitted (one wait). */
  async idle(): Promise<void> {
    this.submit();
    await this.wait(this.device.queue.onSubmittedWorkDone());
  }

  /**
   * Records commands outside a compute pass (copies, e.g. a readback's
   * copyBufferToBuffer) into the open batch, after everything recorded so
   * far: they go out with the next `submit()`, in the same command buffer.
   */
  encode(record: (encoder: GPUCommandEncoder) => void): void {
    this.openEncoder();
    this.endPass();
    record(this.encoder!);
  }

  run<V extends ProgramVariant>(program: Program<V>, params: Params, bindings: readonly ProgramBinding[], threads: number): void {
    if (threads === 0) return;
    const p = this.prepare(program, params, bindings, threads);
    const uniforms = this.pool.uniforms;
    if (!uniforms.fits(p.uniformBytes)) this.submit();
    if (!uniforms.fits(p.uniformBytes)) {
      throw new LimitError(`${program.name}: ${p.uniformBytes} bytes of uniforms exceed the uniform arena (${uniforms.capacity} bytes)`);
    }
    this.openEncoder();
    const slot = uniforms.slot(p.uniformBytes);
    packParamsInto(uniforms.view, slot.offset, params, { pageF32: this.limits.pageBytes / 4, gridX: p.gridX, total: threads });
    const bindGroup = this.bindGroup(p, slot.binding, bindings);
    if (!this.pass) {
      this.pass = this.encoder!.beginComputePass({ label: 'webgpu-upsample batch', timestampWrites: this.timer?.passWrites() });
    }
    this.pass.setPipeline(p.cached.pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(p.gridX, p.gridY);
    this.dispatches++;
    if (++this.pending >= this.maxBatch || this.pool.pendingBytes >= this.pool.maxPendingBytes) this.submit();
  }

  private prepare(program: Program, params: Params, bindings: readonly ProgramBinding[], threads: number): Prepared {
    const { pageBytes } = this.limits;
    const specs: StorageSpec[] = [];
    const textures: TextureSpec[] = [];
    for (const b of bindings) {
      if (isTexture(b)) {
        const format = b.access === 'write' ? (b.texture.format as StorageTextureFormat) : undefined;
        textures.push({ name: b.name, access: b.access, ...(format && { format }) });
        continue;
      }
      const pages = Math.max(1, Math.ceil(b.tensor.byteLength / pageBytes));
      if (pages > MAX_PAGES) {
        throw new LimitError(
          `${program.name}: tensor '${b.name}' [${b.tensor.shape.join(', ')}] needs ${pages} bindings of ${pageBytes} bytes; at most ${MAX_PAGES} are supported. Split the input into tiles.`,
        );
      }
      specs.push({ name: b.name, elem: b.elem ?? 'f32', write: !!b.write, pages });
    }
    const storageCount = specs.reduce((n, s) => n + s.pages, 0);
    if (storageCount > this.limits.maxStorageBuffers) {
      throw new LimitError(
        `${program.name}: needs ${storageCount} storage bindings, the device allows ${this.limits.maxStorageBuffers}. Split the input into tiles.`,
      );
    }
    const key = pipelineKey(program.name, program.variant, program.workgroupSize, params, specs, textures);
    const cached = this.cache.get(
      key,
      () =>
        enableDirectives(program) +
        header(params, specs, program.workgroupSize) +
        textureDeclarations(textures, 1 + storageCount) +
        programSource(program),
    );
    const groups = Math.ceil(threads / program.workgroupSize);
    const maxDim = this.limits.maxWorkgroupsPerDim;
    const gridX = Math.min(groups, maxDim);
    const gridY = Math.ceil(groups / gridX);
    if (gridY > maxDim) throw new LimitError(`${program.name}: ${threads} threads exceed the dispatch limit; split the input`);
    return { cached, specs, gridX, gridY, uniformBytes: paramsBytes(params) };
  }

  /** Binding 0 the uniforms, then each tensor's pages, then the textures (the header's order). */
  private bindGroup(p: Prepared, uniforms: GPUBufferBinding, bindings: readonly ProgramBinding[]): GPUBindGroup {
    const { pageBytes } = this.limits;
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: uniforms }];
    const views: GPUTextureView[] = [];
    let binding = 1;
    let i = 0;
    for (const b of bindings) {
      if (isTexture(b)) {
        views.push(b.texture.createView());
        continue;
      }
      const buffer = b.tensor.buffer;
      // A borrowed tensor (engine.fromBuffer) may start past 0 (a multiple of the storage offset alignment).
      const start = b.tensor.byteOffset;
      // vec4 views need 16-byte multiples; pooled buffers are 32-byte multiples, so rounding up stays inside.
      const bytes = Math.min(buffer.size - start, Math.ceil(b.tensor.byteLength / 16) * 16);
      for (let page = 0; page < p.specs[i].pages; page++) {
        const offset = page * pageBytes;
        entries.push({ binding: binding++, resource: { buffer, offset: start + offset, size: Math.min(pageBytes, bytes - offset) } });
      }
      i++;
    }
    for (const view of views) entries.push({ binding: binding++, resource: view });
    return this.device.createBindGroup({ layout: p.cached.layout, entries });
  }

  /** Opens the batch's command encoder if none is open. */
  private openEncoder(): void {
    if (this.encoder) return;
    this.encoder = this.device.createCommandEncoder({ label: 'webgpu-upsample batch' });
    this.pool.beginBatch();
  }

  /** Ends the open compute pass, if any (resolving its timestamps). */
  private endPass(): void {
    if (!this.pass) return;
    this.pass.end();
    this.pass = null;
    this.timer?.resolve(this.encoder!);
  }
}
