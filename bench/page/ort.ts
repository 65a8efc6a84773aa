/**
 * ONNX Runtime Web, WebGPU execution provider only (no wasm fallback listed,
 * so a failed WebGPU init is an error, not a silent CPU run), on the case's
 * case's ONNX model (bench/onnx-models.ts: one node, or a whole UpscalerJS network). The input is put on ORT's GPU
 * device once (Tensor.fromGpuBuffer) so, as for ours and tfjs, a timed call is
 * dispatch + readback of the output; if that fails the input is fed from the
 * CPU and the note says the upload is included.
 */
import * as ort from 'onnxruntime-web/webgpu';
import { inputShape, type BenchCase } from '../cases.js';
import { parseLayersModel } from '../../src/model/index.js';
import { caseOnnxModel, graphOnnxModel } from '../onnx-models.js';
import { errorText, maxAbsDiff, timeCalls, type ImplResult, type TimingConfig } from './measure.js';
import { fetchLayersModel, modelUrl, type CaseData } from './ours.js';

// The wasm runtime (which hosts the WebGPU EP) is loaded from the Vite-served package folder.
ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';

/** Runs ORT-web WebGPU on a case; `ours` (NCHW) is the output to compare with. */
export async function runOrt(c: BenchCase, data: CaseData, ours: Float32Array | null, cfg: TimingConfig): Promise<ImplResult> {
  let session: ort.InferenceSession | null = null;
  let gpuBuffer: GPUBuffer | null = null;
  try {
    let bytes: Uint8Array;
    if (c.op === 'model') {
      // The UpscalerJS packages ship TF.js LayersModels only: the same network, exported to ONNX here.
      const { json, shards } = await fetchLayersModel(modelUrl(c));
      bytes = graphOnnxModel(parseLayersModel(json, shards), c.h, c.h);
    } else {
      bytes = caseOnnxModel(c, data.w, data.b)!;
    }
    const t0 = performance.now();
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'] });
    const setupMs = performance.now() - t0;
    const dims = inputShape(c);
    let feed: ort.Tensor;
    let note: string;
    try {
      const device = await ort.env.webgpu.device;
      gpuBuffer = device.createBuffer({ size: data.x.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(gpuBuffer, 0, data.x as Float32Array<ArrayBuffer>);
      feed = ort.Tensor.fromGpuBuffer(gpuBuffer, { dataType: 'float32', dims });
      note = 'input resident on the GPU (Tensor.fromGpuBuffer)';
    } catch (e) {
      feed = new ort.Tensor('float32', data.x, dims);
      note = `input fed from the CPU, upload included (fromGpuBuffer failed: ${errorText(e)})`;
    }
    const s = session;
    const { result, output } = await timeCalls(async () => {
      const out = await s.run({ x: feed });
      const y = out.y;
      // Output location is 'cpu' (the default), so run() has already read it back.
      const d = y.data as Float32Array;
      y.dispose();
      return d;
    }, cfg);
    result.setupMs = setupMs;
    result.note = [result.note, note].filter(Boolean).join('; ');
    if (ours) result.maxAbsDiffVsOurs = maxAbsDiff(ours, output);
    return result;
  } catch (e) {
    return { status: 'error', error: errorText(e) };
  } finally {
    await session?.release();
    gpuBuffer?.destroy();
  }
}
