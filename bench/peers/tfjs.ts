/**
 * TensorFlow.js (tfjs-core + tfjs-backend-webgpu, tfjs-layers for models) as
 * a benchmark peer, in its own layouts: NHWC activations, convT filter
 * [kH, kW, Cout, Cin], conv filter [kH, kW, Cin, Cout]. Layout conversion
 * happens while the job is prepared, never in a timed call.
 *
 * Semantics matched to ours so the outputs can be compared:
 * - convT: tf.conv2dTranspose with explicit outputShape and numeric pad p
 *   (tfjs's pad is the forward conv's padding, the same p as PyTorch's);
 *   a bias is a separate tf.add because tfjs has no fused transposed conv.
 * - conv2d: tf.fused.conv2d with the bias fused.
 * - pixelShuffle: tf.depthToSpace only has DCR order, PyTorch pixel_shuffle is
 *   CRD; the input channels are permuted (untimed) so DCR on the permuted
 *   input is exactly CRD on ours: same work, same output.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import * as tfl from '@tensorflow/tfjs-layers';
import type { TrainData, TrainSession } from '../train/case.js';
import { openTfjsTrain } from '../train/tfjs.js';
import { jobOutputShape, nchwToNhwc, nhwcToNchw, type Peer, type PeerJob, type PeerSession } from './job.js';
import { registerUpscalerJsLayers } from './upscalerjs-layers.js';

let backend: Promise<void> | null = null;

/** Selects the WebGPU backend once; rejects (with the reason) when it cannot. */
function initWebgpu(): Promise<void> {
  backend ??= (async () => {
    const ok = await tf.setBackend('webgpu');
    await tf.ready();
    if (!ok || tf.getBackend() !== 'webgpu') throw new Error(`tf.setBackend('webgpu') returned ${ok}; backend is ${tf.getBackend()}`);
  })();
  return backend;
}

/** Permutes channels so that DCR depth-to-space of the result equals CRD depth-to-space of `x` (NCHW, batch 1). */
function crdToDcrChannels(x: Float32Array, c: number, hw: number, r: number): Float32Array {
  const out = new Float32Array(x.length);
  const cOut = c / (r * r);
  for (let co = 0; co < cOut; co++) {
    for (let ab = 0; ab < r * r; ab++) {
      // CRD reads channel co·r² + ab; DCR reads channel ab·cOut + co for the same output pixel.
      out.set(x.subarray((co * r * r + ab) * hw, (co * r * r + ab + 1) * hw), (ab * cOut + co) * hw);
    }
  }
  return out;
}

/** PyTorch weight [a, b, k, k] → TF filter [k, k, b, a]: convT [Cin,Cout,k,k] → [k,k,Cout,Cin]; conv [Cout,Cin,k,k] → [k,k,Cin,Cout]. */
function tfFilter(w: Float32Array, a: number, b: number, k: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++) for (let t = 0; t < k * k; t++) out[(t * b + j) * a + i] = w[(i * b + j) * k * k + t];
  return out;
}

async function open(job: PeerJob): Promise<PeerSession> {
  await initWebgpu();
  const t0 = performance.now();
  const keep: tf.Tensor[] = [];
  let model: tfl.LayersModel | null = null;
  const [, c, h, w] = job.xShape;
  const nhwc = (x: Float32Array, ch = c): tf.Tensor4D => tf.tensor4d(nchwToNhwc(x, ch, h, w), [1, h, w, ch]);
  let op: () => tf.Tensor;
  let note = '';
  try {
    if (job.op === 'model') {
      registerUpscalerJsLayers();
      const m = (model = await tfl.loadLayersModel(job.modelUrl));
      const x = nhwc(job.x);
      keep.push(x);
      op = () => m.predict(x) as tf.Tensor;
    } else if (job.op === 'pixelShuffle') {
      const x = nhwc(crdToDcrChannels(job.x, c, h * w, job.r));
      keep.push(x);
      op = () => tf.depthToSpace(x, job.r, 'NHWC');
      note = 'CRD order by a channel permutation of the input (untimed)';
    } else if (job.op === 'convTranspose2d') {
      const [cin, cout, k] = job.wShape;
      const x = nhwc(job.x);
      const f = tf.tensor4d(tfFilter(job.w, cin, cout, k), [k, k, cout, cin]);
      const b = job.b ? tf.tensor1d(job.b) : null;
      keep.push(x, f, ...(b ? [b] : []));
      const [, , oh, ow] = jobOutputShape(job);
      const convT = (): tf.Tensor => tf.conv2dTranspose(x, f, [1, oh, ow, cout], job.stride, job.padding);
      op = b ? () => tf.tidy(() => tf.add(convT(), b)) : convT;
      if (b) note = 'bias as a separate tf.add (no fused convT in tfjs)';
    } else {
      const [cout, cin, k] = job.wShape;
      const x = nhwc(job.x);
      const f = tf.tensor4d(tfFilter(job.w, cout, cin, k), [k, k, cin, cout]);
      const b = job.b ? tf.tensor1d(job.b) : undefined;
      keep.push(x, f, ...(b ? [b] : []));
      op = () => tf.fused.conv2d({ x, filter: f, strides: 1, pad: job.padding, bias: b });
    }
  } catch (e) {
    tf.dispose(keep);
    model?.dispose();
    throw e;
  }
  const [, oc, oh, ow] = jobOutputShape(job);
  return {
    async call() {
      const y = op();
      try {
        return (await y.data()) as Float32Array;
      } finally {
        y.dispose();
      }
    },
    toNchw: (out) => nhwcToNchw(out, oc, oh, ow),
    setupMs: performance.now() - t0,
    note,
    async dispose() {
      tf.dispose(keep);
      model?.dispose();
    },
  };
}

export const tfjsWebgpu: Peer = { id: 'tfjs-webgpu', label: 'TensorFlow.js WebGPU', open };

/** The training-step benchmark's tfjs side (bench/train/tfjs.ts) on the WebGPU backend. */
export async function openTfjsTrainWebgpu(d: TrainData): Promise<TrainSession> {
  await initWebgpu();
  return openTfjsTrain(d);
}
