/**
 * CPU references of the activation gradients, from the derivatives in
 * src/ops/activation-backward.ts. Float64Array data runs in float64.
 */
import {
  planActivationBackward,
  planCreluBackward,
  planPreluBackward,
  type PreluBackwardOptions,
  type PreluGradients,
} from '../ops/activation-backward.js';
import { real } from '../core/params.js';
import { zerosLike, type CpuTensor } from './tensor.js';

function zip(op: string, dy: CpuTensor, s: CpuTensor, f: (g: number, v: number) => number): CpuTensor {
  const out = zerosLike(dy, planActivationBackward(op, dy.shape, s.shape));
  for (let i = 0; i < out.data.length; i++) out.data[i] = f(dy.data[i], s.data[i]);
  return out;
}

/** dx = dy · [x > 0]. */
export function reluBackward(dy: CpuTensor, x: CpuTensor): CpuTensor {
  return zip('reluBackward', dy, x, (g, v) => (v > 0 ? g : 0));
}

/** dx = dy · (x > 0 ? 1 : negativeSlope). */
export function leakyReluBackward(dy: CpuTensor, x: CpuTensor, negativeSlope = 0.01): CpuTensor {
  const a = real('leakyReluBackward', 'negativeSlope', negativeSlope);
  return zip('leakyReluBackward', dy, x, (g, v) => (v > 0 ? g : g * a));
}

/** dx = dy · y · (1 − y), from the forward's output y = sigmoid(x). */
export function sigmoidBackward(dy: CpuTensor, y: CpuTensor): CpuTensor {
  return zip('sigmoidBackward', dy, y, (g, v) => g * v * (1 - v));
}

/** dx = dy · (1 − y²), from the forward's output y = tanh(x). */
export function tanhBackward(dy: CpuTensor, y: CpuTensor): CpuTensor {
  return zip('tanhBackward', dy, y, (g, v) => g * (1 - v * v));
}

/**
 * prelu's gradients: dx = dy · (x > 0 ? 1 : slope_c), and dslope_c = Σ dy · min(x, 0)
 * over every element of channel c (all of x for a shared slope).
 */
export function preluBackward(
  dy: CpuTensor,
  x: CpuTensor,
  slope: CpuTensor,
  options: PreluBackwardOptions = {},
): PreluGradients<CpuTensor> {
  const p = planPreluBackward(dy.shape, x.shape, slope.shape, options);
  const dx = p.needs.dx ? zerosLike(dy, x.shape) : null;
  const dslope = p.needs.dslope ? zerosLike(dy, slope.shape) : null;
  for (let i = 0; i < x.data.length; i++) {
    const k = p.slopes === 1 ? 0 : Math.floor(i / p.inner) % p.channels;
    const v = x.data[i];
    if (dx) dx.data[i] = v > 0 ? dy.data[i] : dy.data[i] * slope.data[k];
    if (dslope) dslope.data[k] += dy.data[i] * Math.min(v, 0);
  }
  return { dx, dslope };
}

/** dx = dy[:, :C] · [x > 0] − dy[:, C:] · [x < 0]: each half routed back through its relu. */
export function creluBackward(dy: CpuTensor, x: CpuTensor): CpuTensor {
  const [, c, h, w] = planCreluBackward(dy.shape, x.shape);
  const out = zerosLike(dy, x.shape);
  const plane = c * h * w;
  for (let i = 0; i < out.data.length; i++) {
    const b = Math.floor(i / plane);
    const o = i + b * plane; // (b, ch, p) of dy's first half; the second half is `plane` further
    const v = x.data[i];
    out.data[i] = (v > 0 ? dy.data[o] : 0) - (v < 0 ? dy.data[o + plane] : 0);
  }
  return out;
}
