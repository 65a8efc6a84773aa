/**
 * The bandwidth yardstick for data-movement ops: a plain WGSL kernel that
 * copies N floats (vec4 per thread, no index maths), timed like our ops in
 * `engine.timeGpu` (submit → queue idle). pixelShuffle moves the same bytes
 * (read once, write once), so its GB/s over this kernel's GB/s says how close
 * it gets to what this adapter can move at all.
 *
 * The copy is prepared once and then timed one call at a time, so the bench can
 * alternate it with our op: both see the same machine state (a software
 * adapter's timings drift by ±30% between phases of a run), and the ratio of
 * the two medians is what carries over.
 */
import { BufferPool } from '../../src/gpu/buffer-pool.js';
import { GpuTimer } from '../../src/gpu/gpu-timer.js';

const WG = 256;

const SHADER = /* wgsl */ `
// dst[i] = src[i] for i < n4 (vec4 elements); grid: ceil(n4 / ${WG}) workgroups along x, one vec4 per thread.
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&dst)) { dst[id.x] = src[id.x]; }
}`;

export interface CopyKernel {
  /** Bytes one call moves: every byte read once and written once, as dataMovementBytes counts for pixelShuffle. */
  readonly bytes: number;
  /** One copy: wall ms from submit to queue idle, and the pass time from timestamp queries (when enabled). */
  once(): Promise<{ wallMs: number; gpuMs: number | null }>;
  dispose(): void;
}

/**
 * A copy of `floats` (a multiple of 4) floats, compiled and run once (first
 * touch of the pages). With `timestamps` (the device must have
 * 'timestamp-query'), each pass is timed by the engine's own GpuTimer, as
 * `engine.timeGpu` times our passes, so wall and pass times compare like for like.
 */
export async function prepareCopy(device: GPUDevice, floats: number, timestamps: boolean): Promise<CopyKernel> {
  const size = floats * 4;
  const groups = Math.ceil(floats / 4 / WG);
  if (groups > device.limits.maxComputeWorkgroupsPerDimension)
    throw new Error(`copy yardstick: ${groups} workgroups exceed the adapter limit`);
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const src = device.createBuffer({ size, usage });
  const dst = device.createBuffer({ size, usage });
  const dispose = () => {
    src.destroy();
    dst.destroy();
  };
  try {
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' },
    });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: src } },
        { binding: 1, resource: { buffer: dst } },
      ],
    });
    const once = async (): Promise<{ wallMs: number; gpuMs: number | null }> => {
      await device.queue.onSubmittedWorkDone();
      const timer = timestamps ? new GpuTimer(device, new BufferPool(device)) : null;
      const t0 = performance.now();
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass({ timestampWrites: timer?.passWrites() });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(groups);
      pass.end();
      timer?.resolve(enc);
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      const wallMs = performance.now() - t0;
      return { wallMs, gpuMs: timer ? await timer.totalMs() : null };
    };
    await once();
    return { bytes: 2 * size, once, dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}
