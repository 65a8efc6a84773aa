/**
 * Encodes and submits one program: packs the uniforms, binds every tensor
 * (in pages when it is larger than one binding may be), folds the grid into
 * 2-D when it exceeds 65,535 workgroups per dimension, and submits.
 *
 * Each op is submitted on its own. That keeps pool reuse trivially safe (the
 * queue orders a later write after every earlier read) and costs a few µs per
 * op; whole-network plans batch their dispatches separately.
 */
import { LimitError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { BufferPool } from './buffer-pool.js';
import { BufferUsage } from './constants.js';
import { PipelineCache } from './pipeline-cache.js';
import { header, MAX_PAGES, packParams, type ElemType, type Params, type Program, type StorageSpec } from './program.js';

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
}

export class Runner {
  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    readonly cache: PipelineCache,
    readonly limits: RunnerLimits,
  ) {}

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
    const key = `${program.name}|${program.variant}|wg${program.workgroupSize}|${specs.map((s) => `${s.name}${s.elem === 'f32' ? '' : '4'}:${s.pages}`).join(',')}`;
    const pipeline = this.cache.get(key, () => header(params, specs, program.workgroupSize) + program.body());

    const groups = Math.ceil(threads / program.workgroupSize);
    const maxDim = this.limits.maxWorkgroupsPerDim;
    const gridX = Math.min(groups, maxDim);
    const gridY = Math.ceil(groups / gridX);
    if (gridY > maxDim) throw new LimitError(`${program.name}: ${threads} threads exceed the dispatch limit; split the input`);

    const data = packParams(params, { pageF32: pageBytes / 4, gridX, total: threads });
    const uniform = this.pool.create(data.byteLength, BufferUsage.UNIFORM | BufferUsage.COPY_DST, `${program.name} params`);
    this.device.queue.writeBuffer(uniform, 0, data);

    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
    let binding = 1;
    bindings.forEach((b, i) => {
      const buffer = b.tensor.buffer;
      // vec4 views need 16-byte multiples; pooled buffers are 32-byte multiples, so rounding up stays inside.
      const bytes = Math.min(buffer.size, Math.ceil(b.tensor.byteLength / 16) * 16);
      for (let p = 0; p < specs[i].pages; p++) {
        const offset = p * pageBytes;
        entries.push({ binding: binding++, resource: { buffer, offset, size: Math.min(pageBytes, bytes - offset) } });
      }
    });
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const encoder = this.device.createCommandEncoder({ label: program.name });
    const pass = encoder.beginComputePass({ label: program.name });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(gridX, gridY);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    // Destroying after submit is allowed: the buffer lives until the submitted work is done.
    this.pool.destroy(uniform);
  }
}
