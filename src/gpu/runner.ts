/**
 * Encodes programs: packs the uniforms, binds every tensor (in pages when it
 * is larger than one binding may be), folds the grid into 2-D when it exceeds
 * 65,535 workgroups per dimension, and records the dispatch into the open
 * compute pass.
 *
 * Dispatches are batched: one command buffer holds up to `maxBatch` of them
 * and is submitted by `submit()` (the engine calls it before every readback
 * and flush; the batch cap bounds how much work one submit carries, which
 * keeps long runs clear of GPU watchdogs). Buffer lifetimes across the batch
 * are the pool's business (buffer-pool.ts): each dispatch's uniforms take a
 * slot of the batch's uniform arena, written once at submit, and a tensor
 * disposed while the batch is open is reused only after the submit. Within
 * one compute pass, WebGPU orders each dispatch's storage writes before the
 * next dispatch.
 */
import { LimitError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import type { BufferPool } from './buffer-pool.js';
import type { GpuTimer } from './gpu-timer.js';
import { pipelineKey, type PipelineCache } from './pipeline-cache.js';
import { header, MAX_PAGES, packParamsInto, paramsBytes, type ElemType, type Params, type Program, type StorageSpec } from './program.js';

export interface Binding {
  name: string;
  tensor: Tensor;
  /** View the tensor as vec4<f32> (its size must be a multiple of 4). */
  elem?: ElemType;
  write?: boolean;
}

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

export class Runner {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pending = 0;
  /** Dispatches recorded so far (for tests and benchmarks). */
  dispatches = 0;
  /** Command buffers submitted so far. */
  submits = 0;
  /** While set, every pass records begin/end timestamps into it. */
  timer: GpuTimer | null = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    readonly cache: PipelineCache,
    readonly limits: RunnerLimits,
    private readonly maxBatch = 64,
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

  /** Submits the recorded dispatches, if any. */
  submit(): void {
    if (!this.encoder) return;
    this.pass!.end();
    this.timer?.resolve(this.encoder);
    this.pool.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pass = null;
    this.pending = 0;
    this.submits++;
  }

  /** Drops the recorded dispatches without submitting them (the device is lost). */
  discard(): void {
    if (!this.encoder) return;
    this.encoder = null;
    this.pass = null;
    this.pending = 0;
    this.pool.discardBatch();
  }

  run(program: Program, params: Params, bindings: readonly Binding[], threads: number): void {
    if (threads === 0) return;
    const { pageBytes } = this.limits;
    const specs: StorageSpec[] = bindings.map((b) => {
      const pages = Math.max(1, Math.ceil(b.tensor.byteLength / pageBytes));
      if (pages > MAX_PAGES) {
        throw new LimitError(
          `${program.name}: tensor '${b.name}' [${b.tensor.shape.join(', ')}] needs ${pages} bindings of ${pageBytes} bytes; at most ${MAX_PAGES} are supported. Split the input into tiles.`,
        );
      }
      return { name: b.name, elem: b.elem ?? 'f32', write: !!b.write, pages };
    });
    const storageCount = specs.reduce((n, s) => n + s.pages, 0);
    if (storageCount > this.limits.maxStorageBuffers) {
      throw new LimitError(
        `${program.name}: needs ${storageCount} storage bindings, the device allows ${this.limits.maxStorageBuffers}. Split the input into tiles.`,
      );
    }
    const key = pipelineKey(program.name, program.variant, program.workgroupSize, params, specs);
    const { pipeline, layout } = this.cache.get(key, () => header(params, specs, program.workgroupSize) + program.body());

    const groups = Math.ceil(threads / program.workgroupSize);
    const maxDim = this.limits.maxWorkgroupsPerDim;
    const gridX = Math.min(groups, maxDim);
    const gridY = Math.ceil(groups / gridX);
    if (gridY > maxDim) throw new LimitError(`${program.name}: ${threads} threads exceed the dispatch limit; split the input`);

    const uniforms = this.pool.uniforms;
    const uniformBytes = paramsBytes(params);
    if (!uniforms.fits(uniformBytes)) this.submit();
    if (!uniforms.fits(uniformBytes)) {
      throw new LimitError(`${program.name}: ${uniformBytes} bytes of uniforms exceed the uniform arena (${uniforms.capacity} bytes)`);
    }
    this.open();
    const slot = uniforms.slot(uniformBytes);
    packParamsInto(uniforms.view, slot.offset, params, { pageF32: pageBytes / 4, gridX, total: threads });

    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: slot.binding }];
    let binding = 1;
    bindings.forEach((b, i) => {
      const buffer = b.tensor.buffer;
      // A borrowed tensor (engine.fromBuffer) may start past 0 (a multiple of the storage offset alignment).
      const start = b.tensor.byteOffset;
      // vec4 views need 16-byte multiples; pooled buffers are 32-byte multiples, so rounding up stays inside.
      const bytes = Math.min(buffer.size - start, Math.ceil(b.tensor.byteLength / 16) * 16);
      for (let p = 0; p < specs[i].pages; p++) {
        const offset = p * pageBytes;
        entries.push({ binding: binding++, resource: { buffer, offset: start + offset, size: Math.min(pageBytes, bytes - offset) } });
      }
    });
    const bindGroup = this.device.createBindGroup({ layout, entries });
    const pass = this.pass!;
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(gridX, gridY);
    this.dispatches++;
    if (++this.pending >= this.maxBatch || this.pool.pendingBytes >= this.pool.maxPendingBytes) this.submit();
  }

  /** Opens the batch's encoder and compute pass if none is open. */
  private open(): void {
    if (this.encoder) return;
    this.encoder = this.device.createCommandEncoder({ label: 'webgpu-upsample batch' });
    this.pass = this.encoder.beginComputePass({
      label: 'webgpu-upsample batch',
      timestampWrites: this.timer?.passWrites(),
    });
    this.pool.beginBatch();
  }
}
