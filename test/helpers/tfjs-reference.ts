/**
 * TensorFlow.js's own execution of a LayersModel (tfjs-layers on the CPU
 * backend), with UpscalerJS's custom layers registered (bench/peers/upscalerjs-layers.ts, shared with the benchmark pages).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModelJson } from '../../src/model/index.js';
import { registerUpscalerJsLayers } from '../../bench/peers/upscalerjs-layers.js';

/** Runs the model on an NCHW input with TensorFlow.js; returns NCHW. */
export async function runTfjs(
  json: LayersModelJson,
  shards: ArrayBuffer[],
  x: Float32Array,
  [n, c, h, w]: number[],
): Promise<Float32Array> {
  registerUpscalerJsLayers();
  await tf.setBackend('cpu');
  const total = shards.reduce((s, b) => s + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const b of shards) {
    weightData.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as object,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
      weightData: weightData.buffer,
    }),
  );
  const nhwc = tf.tidy(() => tf.transpose(tf.tensor4d(x, [n, c, h, w]), [0, 2, 3, 1]));
  const y = model.predict(nhwc) as tf.Tensor;
  const nchw = tf.transpose(y, [0, 3, 1, 2]);
  const out = (await nchw.data()) as Float32Array;
  tf.dispose([nhwc, y, nchw]);
  model.dispose();
  return out;
}
