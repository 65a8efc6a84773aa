/** CPU reference of globalAvgPool: each plane's sum in float64, divided by H·W, rounded once. */
import { planGlobalAvgPool } from '../ops/global-avg-pool.js';
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
