/** CPU reference of prelu: y = max(0, x) + slope_c · min(0, x), straight from the definition. */
import { planPrelu } from '../ops/prelu.js';
import { zerosLike, type CpuTensor } from './tensor.js';

export function prelu(x: CpuTensor, slope: CpuTensor): CpuTensor {
  const p = planPrelu(x.shape, slope.shape);
  const out = zerosLike(x, x.shape).data;
  for (let i = 0; i < x.data.length; i++) {
    const c = Math.floor(i / p.inner) % p.channels;
    const a = slope.data[p.slopes === 1 ? 0 : c];
    const v = x.data[i];
    out[i] = Math.max(0, v) + a * Math.min(0, v);
  }
  return { data: out, shape: [...x.shape] };
}
