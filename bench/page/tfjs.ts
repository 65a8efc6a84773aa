/**
 * TensorFlow.js (tfjs-core + tfjs-backend-webgpu, tfjs-layers for models) on
 * one case, in its own layouts: NHWC activations, convT filter [kH, kW, Cout, Cin],
 * conv filter [kH, kW, Cin, Cout]. Layout conversion happens before timing.
 *
 * Semantics matched to ours so the outputs can be compared:
 * - convT: tf.conv2dTranspose with explicit outputShape and numeric pad p
 *   (tfjs's pad is the forward conv's padding, the same p as PyTorch's);
 *   bias is a separate tf.add because tfjs has no fused transposed conv.
 * - conv2d: tf.fused.conv2d with the bias fused.
 * - pixelShuffle: tf.depthToSpace only has DCR order, PyTorch pixel_shuffle is
 *   CRD; the input channels are permuted (untimed) so DCR on the permuted
 *   input is exactly CRD on ours: same work, same output.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerUpscalerJsLayers } from '../../test/helpers/upscalerjs-layers.js';
import { convTOutSize, type BenchCase } from '../cases.js';
import { errorText, maxAbsDiff, nchwToNhwc, nhwcToNchw, timeCalls, type ImplResult, type TimingConfig } from './measure.js';
import { modelUrl, type CaseData } from './ours.js';

/** Selects the WebGPU backend once; returns an error text when it cannot. */
export async function initTfjs(): Promise<string | null> {
  try {
    const ok = await tf.setBackend('webgpu');
    await tf.ready();
    if (!ok || tf.getBackend() !== 'webgpu') return `tf.setBackend('webgpu') returned ${ok}; backend is ${tf.getBackend()}`;
    return null;
  } catch (e) {
    return errorText(e);
  }
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

/** PyTorch weight → TF filter. convT [Cin,Cout,k,k] → [k,k,Cout,Cin]; conv [Cout,Cin,k,k] → [k,k,Cin,Cout]. */
function tfFilter(w: Float32Array, a: number, b: number, k: number): Float32Array {
  // Both cases: PyTorch [a, b, k, k] → TF [k, k, b, a].
  const out = new Float32Array(w.length);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let t = 0; t < k * k; t++) out[(t * b + j) * a + i] = w[(i * b + j) * k * k + t];
  return out;
}

/** Runs tfjs-webgpu on a case; `ours` (NCHW) is the output to compare with, when ours ran. */
export async function runTfjs(c: BenchCase, data: CaseData, ours: Float32Array | null, cfg: TimingConfig): Promise<ImplResult> {
  const keep: tf.TensorContainer[] = [];
  let model: tfl.LayersModel | null = null;
  try {
    let op: () => tf.Tensor;
    let outC: number, outH: number;
    if (c.op === 'model') {
      registerUpscalerJsLayers();
      model = await tfl.loadLayersModel(modelUrl(c));
      const x = tf.tensor4d(nchwToNhwc(data.x, 3, c.h, c.h), [1, c.h, c.h, 3]);
      keep.push(x);
      const m = model;
      op = () => m.predict(x) as tf.Tensor;
      [outC, outH] = [3, c.h * c.scale];
    } else if (c.op === 'pixelShuffle') {
      const x = tf.tensor4d(nchwToNhwc(crdToDcrChannels(data.x, c.c, c.h * c.h, c.r), c.c, c.h, c.h), [1, c.h, c.h, c.c]);
      keep.push(x);
      op = () => tf.depthToSpace(x, c.r, 'NHWC');
      [outC, outH] = [c.c / (c.r * c.r), c.h * c.r];
    } else if (c.op === 'convTranspose2d') {
      const x = tf.tensor4d(nchwToNhwc(data.x, c.cin, c.h, c.h), [1, c.h, c.h, c.cin]);
      const f = tf.tensor4d(tfFilter(data.w!, c.cin, c.cout, c.k), [c.k, c.k, c.cout, c.cin]);
      const b = tf.tensor1d(data.b!);
      keep.push(x, f, b);
      const o = convTOutSize(c);
      op = () => tf.tidy(() => tf.add(tf.conv2dTranspose(x, f, [1, o, o, c.cout], c.s, c.p), b));
      [outC, outH] = [c.cout, o];
    } else {
      const x = tf.tensor4d(nchwToNhwc(data.x, c.cin, c.h, c.h), [1, c.h, c.h, c.cin]);
      const f = tf.tensor4d(tfFilter(data.w!, c.cout, c.cin, c.k), [c.k, c.k, c.cin, c.cout]);
      const b = tf.tensor1d(data.b!);
      keep.push(x, f, b);
      op = () => tf.fused.conv2d({ x, filter: f, strides: 1, pad: c.p, bias: b });
      [outC, outH] = [c.cout, c.h];
    }
    const { result, output } = await timeCalls(async () => {
      const y = op();
      try {
        return (await y.data()) as Float32Array;
      } finally {
        y.dispose();
      }
    }, cfg);
    if (ours) result.maxAbsDiffVsOurs = maxAbsDiff(ours, nhwcToNchw(output, outC, outH, outH));
    if (c.op === 'convTranspose2d') result.note = [result.note, 'bias as a separate tf.add (no fused convT in tfjs)'].filter(Boolean).join('; ');
    return result;
  } catch (e) {
    return { status: 'error', error: errorText(e) };
  } finally {
    tf.dispose(keep);
    model?.dispose();
  }
}
