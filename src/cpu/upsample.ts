/** CPU reference of nearest and bilinear upsampling (PyTorch, align_corners=False). */
import { bilinearSource, nearestSource, planUpsample, type UpsampleOptions } from '../ops/upsample.js';
import { zerosLike, type CpuTensor } from './tensor.js';

export function upsample(x: CpuTensor, options: UpsampleOptions): CpuTensor {
  const p = planUpsample(x.shape, options);
  const out = zerosLike(x, p.outShape);
  for (let nc = 0; nc < p.n * p.c; nc++) {
    const src = (y: number, xx: number) => x.data[(nc * p.inH + y) * p.inW + xx];
    for (let oy = 0; oy < p.outH; oy++) {
      for (let ox = 0; ox < p.outW; ox++) {
        let v: number;
        if (p.mode === 'nearest') {
          v = src(nearestSource(oy, p.scale[0], p.inH), nearestSource(ox, p.scale[1], p.inW));
        } else {
          const y = bilinearSource(oy, p.scale[0], p.inH);
          const xs = bilinearSource(ox, p.scale[1], p.inW);
          const top = src(y.i0, xs.i0) * (1 - xs.t) + src(y.i0, xs.i1) * xs.t;
          const bot = src(y.i1, xs.i0) * (1 - xs.t) + src(y.i1, xs.i1) * xs.t;
          v = top * (1 - y.t) + bot * y.t;
        }
        out.data[(nc * p.outH + oy) * p.outW + ox] = v;
      }
    }
  }
  return out;
}
