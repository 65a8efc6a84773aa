/** CPU reference of sliceChannels: copies channels [start, start + count) of each batch item. */
import { planSliceChannels } from '../ops/slice-channels.js';
import { zerosLike, type CpuTensor } from './tensor.js';

export function sliceChannels(x: CpuTensor, start: number, count: number): CpuTensor {
  const shape = planSliceChannels(x.shape, start, count);
  const out = zerosLike(x, shape);
  const [n, , h, w] = shape;
  const c = x.shape[1];
  for (let b = 0; b < n; b++) {
    out.data.set(x.data.subarray((b * c + start) * h * w, (b * c + start + count) * h * w), b * count * h * w);
  }
  return out;
}
