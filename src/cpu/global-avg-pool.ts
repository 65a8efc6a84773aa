/** CPU reference of globalAvgPool: each plane's sum in float64, divided by H·W, rounded once. */
import { planGlobalAvgPool, planGlobalAvgPoolBackward, type GlobalAvgPoolBackwardOptions } from '../ops/global-avg-pool.js';
import { zerosLike, type CpuTensor } from './tensor.js';

export function globalAvgPool(x: CpuTensor): CpuTensor {
  const p = planGlobalAvgPool(x.shape);
  const out = zerosLike(x, p.outShape);
  for (let plane = 0; plane < p.planes; plane++) {
    let sum = 0;
    for (let i = 0; i < p.hw; i++) sum += x.data[plane * p.hw + i];
    out.data[plane] = sum / p.hw;
  }
  return out;
}

/** CPU reference of globalAvgPoolBackward: every pixel of plane (n, c) gets dy[n, c] / (H·W). */
export function globalAvgPoolBackward(dy: CpuTensor, options: GlobalAvgPoolBackwardOptions): CpuTensor {
  const p = planGlobalAvgPoolBackward(dy.shape, options);
  const dx = zerosLike(dy, p.inShape);
  for (let plane = 0; plane < p.planes; plane++) {
    for (let i = 0; i < p.hw; i++) dx.data[plane * p.hw + i] = dy.data[plane] / p.hw;
  }
  return dx;
}
