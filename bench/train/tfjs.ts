/**
 * The training step on TensorFlow.js, on whatever backend is active (the
 * benchmark page selects WebGPU through bench/peers/tfjs.ts; the Node test
 * selects the CPU backend): tfjs-core only, in its own layouts (NHWC data,
 * filters convT [kH, kW, out, in], conv [kH, kW, in, out]), converted from
 * the shared PyTorch-layout data while the session is set up, never in a step.
 *
 * One step is the idiomatic tfjs training call,
 *   optimizer.minimize(() => tf.losses.meanSquaredError(y, model(x)), true, vars)
 * with tf.train.adam(lr, β1, β2, eps) (eps passed: tfjs's default is 1e-7),
 * then the returned loss read back with data(). The layers are
 * tf.conv2dTranspose (explicit output shape, numeric pad p: the forward
 * conv's padding, PyTorch's p) plus tf.add for its bias, and tf.fused.conv2d
 * with the bias and relu fused (under a gradient tape tfjs unfuses the relu itself).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients (the @tensorflow/tfjs bundle does this import).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { TrainConv, TrainData, TrainSession } from './case.js';

/** NCHW → NHWC for a whole batch. */
function toNhwc(data: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + ch] = data[((b * c + ch) * h + y) * w + x];
    }
  }
  return out;
}

/** PyTorch weight [a, b, k, k] → TF filter [k, k, b, a]: convT [in,out,k,k] → [k,k,out,in]; conv [out,in,k,k] → [k,k,in,out]. */
function tfFilter(l: TrainConv): tf.Tensor4D {
  const k = l.kernel;
  const [a, b] = l.kind === 'convTranspose2d' ? [l.inChannels, l.outChannels] : [l.outChannels, l.inChannels];
  const out = new Float32Array(l.weight.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++) for (let t = 0; t < k * k; t++) out[(t * b + j) * a + i] = l.weight[(i * b + j) * k * k + t];
  return tf.tensor4d(out, [k, k, b, a]);
}

/** Opens a training session on the active tfjs backend. */
export function openTfjsTrain(d: TrainData): TrainSession {
  const t0 = performance.now();
  const [n, c, h, w] = d.xShape;
  const [, yc, yh, yw] = d.yShape;
  const x = tf.tensor4d(toNhwc(d.x, d.xShape), [n, h, w, c]);
  const y = tf.tensor4d(toNhwc(d.y, d.yShape), [n, yh, yw, yc]);
  const filters = d.convs.map((l) => tf.variable(tfFilter(l)));
  const biases = d.convs.map((l) => tf.variable(tf.tensor1d(l.bias)));
  const vars = [...filters, ...biases];
  const { lr, beta1, beta2, eps } = d.adam;
  const optimizer = tf.train.adam(lr, beta1, beta2, eps);

  const model = (input: tf.Tensor4D): tf.Tensor4D => {
    let a = input;
    d.convs.forEach((l, i) => {
      const last = i === d.convs.length - 1;
      if (l.kind === 'convTranspose2d') {
        const [, ih, iw] = a.shape;
        const side = (v: number): number => (v - 1) * l.stride - 2 * l.padding + l.kernel;
        const z = tf.add(
          tf.conv2dTranspose(a, filters[i], [a.shape[0], side(ih), side(iw), l.outChannels], l.stride, l.padding),
          biases[i],
        ) as tf.Tensor4D;
        a = last ? z : tf.relu(z);
      } else {
        a = tf.fused.conv2d({
          x: a,
          filter: filters[i],
          strides: l.stride,
          pad: l.padding,
          bias: biases[i],
          activation: last ? 'linear' : 'relu',
        });
      }
    });
    return a;
  };

  return {
    async step() {
      const cost = optimizer.minimize(() => tf.losses.meanSquaredError(y, model(x)) as tf.Scalar, true, vars)!;
      try {
        return (await cost.data())[0];
      } finally {
        cost.dispose();
      }
    },
    setupMs: performance.now() - t0,
    note: 'optimizer.minimize(meanSquaredError) with tf.train.adam; conv2dTranspose + add, fused.conv2d',
    dispose() {
      optimizer.dispose();
      tf.dispose([x, y, ...vars]);
    },
  };
}
