/**
 * ONNX Runtime Web as a benchmark peer, on one execution provider and no
 * fallback (a failed WebGPU init is an error, not a silent CPU run). The job
 * becomes an ONNX model (./onnx-graphs.ts: one node, or a whole UpscalerJS
 * network exported from its TF.js LayersModel); a timed call is `session.run`,
 * whose output is on the CPU when it returns. Shared by the WebGPU and WASM
 * peers, which load different builds of ORT (./ort-webgpu.ts, ./ort-wasm.ts).
 */
import type * as Ort from 'onnxruntime-web/webgpu';
import { parseLayersModel } from '../../src/model/index.js';
import { errorText, fetchLayersModel, type PeerJob, type PeerSession } from './job.js';
import { graphOnnxModel, opOnnxModel } from './onnx-graphs.js';

type OrtModule = typeof Ort;

/** The job as ONNX bytes, input 'x', output 'y'. */
async function jobModel(job: PeerJob): Promise<Uint8Array> {
  if (job.op !== 'model') return opOnnxModel(job);
  // The UpscalerJS packages ship TF.js LayersModels only: the same network, exported to ONNX here.
  const { json, shards } = await fetchLayersModel(job.modelUrl);
  return graphOnnxModel(parseLayersModel(json, shards), job.xShape[2], job.xShape[3]);
}

/**
 * Opens a session of `job` on `ep`. On WebGPU the input is put on ORT's own
 * device once (Tensor.fromGpuBuffer), so a timed call is dispatch + read-back
 * as for ours and tfjs; if that fails, the input is fed from the CPU and the
 * note says the upload is timed too. On WASM the input lives in CPU memory,
 * as it would for any CPU path.
 */
export async function openOrtSession(ort: OrtModule, ep: 'webgpu' | 'wasm', job: PeerJob): Promise<PeerSession> {
  const bytes = await jobModel(job);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep] });
  let gpuBuffer: GPUBuffer | null = null;
  let feed: Ort.Tensor;
  let note: string;
  try {
    if (ep === 'webgpu') {
      try {
        const device = await ort.env.webgpu.device;
        gpuBuffer = device.createBuffer({
          size: job.x.byteLength,
          usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
        });
        device.queue.writeBuffer(gpuBuffer, 0, job.x as Float32Array<ArrayBuffer>);
        feed = ort.Tensor.fromGpuBuffer(gpuBuffer, { dataType: 'float32', dims: job.xShape });
        note = 'input resident on the GPU (Tensor.fromGpuBuffer)';
      } catch (e) {
        feed = new ort.Tensor('float32', job.x, job.xShape);
        note = `input fed from the CPU, upload included (fromGpuBuffer failed: ${errorText(e)})`;
      }
    } else {
      feed = new ort.Tensor('float32', job.x, job.xShape);
      const threads = ort.env.wasm.numThreads ?? 1;
      note = `${threads} thread${threads === 1 ? '' : 's'}${crossOriginIsolated ? '' : ' (not cross-origin isolated)'}, SIMD`;
    }
  } catch (e) {
    await session.release();
    throw e;
  }
  return {
    async call() {
      const out = await session.run({ x: feed });
      const y = out.y;
      // Output location is 'cpu' (the default), so run() has already read it back.
      const d = y.data as Float32Array;
      y.dispose();
      return d;
    },
    toNchw: (out) => out,
    setupMs: performance.now() - t0,
    note,
    async dispose() {
      await session.release();
      gpuBuffer?.destroy();
    },
  };
}
