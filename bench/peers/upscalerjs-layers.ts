/**
 * UpscalerJS's custom TensorFlow.js layers, registered exactly as its model
 * packages define them (MultiplyBeta: x · 0.2; PixelShuffleNx: tf.depthToSpace
 * NHWC), so tfjs-layers can load esrgan-medium and esrgan-thick. No backend
 * is imported: the parity tests use tfjs's CPU backend, the benchmark pages its
 * WebGPU backend. The parity tests import it from here.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

const input = (inputs: tf.Tensor | tf.Tensor[]) => (Array.isArray(inputs) ? inputs[0] : inputs);

class MultiplyBeta extends tfl.layers.Layer {
  static className = 'MultiplyBeta';
  beta = 0.2;
  constructor() {
    super({});
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.mul(input(inputs), this.beta);
  }
}

let registered = false;

export function registerUpscalerJsLayers(): void {
  if (registered) return;
  registered = true;
  tf.serialization.registerClass(MultiplyBeta);
  for (const r of [2, 3, 4, 8]) {
    class PixelShuffle extends tfl.layers.Layer {
      static className = `PixelShuffle${r}x`;
      constructor() {
        super({});
      }
      override computeOutputShape(shape: tfl.Shape): tfl.Shape {
        return [shape[0], shape[1], shape[2], 3];
      }
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.depthToSpace(input(inputs) as tf.Tensor4D, r, 'NHWC');
      }
    }
    tf.serialization.registerClass(PixelShuffle);
  }
}
