/**
 * The bandwidth yardstick for data-movement ops: a plain WGSL kernel that
 * copies N floats (vec4 per thread, no index maths), timed like our ops in
 * `engine.timeGpu` (submit → queue idle). pixelShuffle moves the same bytes
 * (read once, write once), so its GB/s over this kernel's GB/s says how close
 * it gets to what this adapter can move at all.
 */
import { summarize, type Summary } from '../cases.js';

const WG = 256;

const SHADER = /* wgsl */ `
// dst[i] = src[i] for i < n4 (vec4 elements); grid: ceil(n4 / ${WG}) workgroups along x, one vec4 per thread.
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x < arrayLength(&dst)) { dst[id.x] = src[id.x]; }
}`;

/** Copy bandwidth for `floats` (a multiple of 4) floats: wall times and GB/s from the median. */
export async function copyBandwidth(device: GPUDevice, floats: number, reps: number): Promise<{ floats: number; bytes: number; wall: Summary; gbps: number }> {
  const bytes = floats * 4;
  const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
  const src = device.createBuffer({ size: bytes, usage });
  const dst = device.createBuffer({ size: bytes, usage });
  try {
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' } });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: src } },
        { binding: 1, resource: { buffer: dst } },
      ],
    });
    const groups = Math.ceil(floats / 4 / WG);
    if (groups > device.limits.maxComputeWorkgroupsPerDimension) throw new Error(`copyBandwidth: ${groups} workgroups exceed the adapter limit`);
    const once = async (): Promise<number> => {
      await device.queue.onSubmittedWorkDone();
      const t0 = performance.now();
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(groups);
      pass.end();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      return performance.now() - t0;
    };
    await once(); // compile + first touch of the pages
    const ms: number[] = [];
    for (let i = 0; i < reps; i++) ms.push(await once());
    const wall = summarize(ms)!;
    // Read + write of every byte, as dataMovementBytes counts for pixelShuffle.
    return { floats, bytes: 2 * bytes, wall, gbps: (2 * bytes) / (wall.median * 1e6) };
  } finally {
    src.destroy();
    dst.destroy();
  }
}
