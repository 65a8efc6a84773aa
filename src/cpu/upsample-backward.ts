/**
 * CPU reference of upsampleBackward: the forward's loops, scattering
 * dy·weight into each input a tap reads instead of gathering (PyTorch's
 * upsample_*_backward). Float64Array data runs in float64.
 */
import { bilinearSource, nearestSource } from '../ops/upsample.js';
import { planUpsampleBackward, type UpsampleBackwardOptions } from '../ops/upsample-backward.js';
import { zerosLike, type CpuTensor } from './tensor.js';

export function upsampleBackward(dy: CpuTensor, options: UpsampleBackwardOptions): CpuTensor {
  const p = planUpsampleBackward(dy.shape, options);
  const dx = zerosLike(dy, p.dxShape);
  for (let nc = 0; nc < p.n * p.c; nc++) {
    const add = (y: number, xx: number, v: number) => (dx.data[(nc * p.inH + y) * p.inW + xx] += v);
    for (let oy = 0; oy < p.outH; oy++) {
      for (let ox = 0; ox < p.outW; ox++) {
        const g = dy.data[(nc * p.outH + oy) * p.outW + ox];
        if (p.mode === 'nearest') {
          add(nearestSource(oy, p.scale[0], p.inH), nearestSource(ox, p.scale[1], p.inW), g);
        } else {
          const y = bilinearSource(oy, p.scale[0], p.inH);
          const xs = bilinearSource(ox, p.scale[1], p.inW);
          add(y.i0, xs.i0, g * (1 - y.t) * (1 - xs.t));
          add(y.i0, xs.i1, g * (1 - y.t) * xs.t);
          add(y.i1, xs.i0, g * y.t * (1 - xs.t));
          add(y.i1, xs.i1, g * y.t * xs.t);
        }
      }
    }
  }
  return dx;
}
