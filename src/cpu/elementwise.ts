/** CPU references of the element-wise ops and channel concatenation. */
import { planConcat, planSameShape } from '../ops/elementwise.js';
import { sigmoid as sigmoidScalar } from '../ops/activation.js';
import { real } from '../core/params.js';
import { zerosLike, type CpuTensor } from './tensor.js';

function map(x: CpuTensor, f: (v: number) => number): CpuTensor {
  return { data: x.data.map(f), shape: [...x.shape] };
}

export function relu(x: CpuTensor): CpuTensor {
  return map(x, (v) => (v > 0 ? v : 0));
}

export function leakyRelu(x: CpuTensor, negativeSlope = 0.01): CpuTensor {
  const a = real('leakyRelu', 'negativeSlope', negativeSlope);
  return map(x, (v) => (v >= 0 ? v : v * a));
}

/** Logistic sigmoid 1/(1 + e^−x), in float64, rounded once to float32. */
export function sigmoid(x: CpuTensor): CpuTensor {
  return map(x, sigmoidScalar);
}

/** Hyperbolic tangent, in float64 (Math.tanh), rounded once to float32. */
export function tanh(x: CpuTensor): CpuTensor {
  return map(x, Math.tanh);
}

export function mul(x: CpuTensor, scalar: number): CpuTensor {
  const s = real('mul', 'scalar', scalar);
  return map(x, (v) => v * s);
}

export function add(a: CpuTensor, b: CpuTensor): CpuTensor {
  planSameShape('add', a.shape, b.shape);
  return { data: a.data.map((v, i) => v + b.data[i]), shape: [...a.shape] };
}

/** Concatenation along the channel axis (NCHW axis 1). */
export function concat(xs: readonly CpuTensor[]): CpuTensor {
  const shape = planConcat(xs.map((x) => x.shape));
  const out = zerosLike(xs[0], shape);
  const [n, , h, w] = shape;
  let offset = 0;
  for (const x of xs) {
    const c = x.shape[1];
    for (let b = 0; b < n; b++) {
      out.data.set(x.data.subarray(b * c * h * w, (b + 1) * c * h * w), (b * shape[1] + offset) * h * w);
    }
    offset += c;
  }
  return out;
}
