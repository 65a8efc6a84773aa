/** CPU reference of nearest, bilinear (PyTorch, align_corners=False) and bicubic (ONNX Resize cubic) upsampling. */
import { cubicTaps, cubicTransform } from '../core/resample.js';
import { bilinearSource, nearestSource, planUpsample, type BicubicOptions, type UpsampleOptions } from '../ops/upsample.js';
import { zerosLike, type CpuTensor } from './tensor.js';

export function upsample(x: CpuTensor, options: UpsampleOptions & BicubicOptions): CpuTensor {
  const p = planUpsample(x.shape, options);
  const out = zerosLike(x, p.outShape);
  const ty = cubicTransform(p.scale[0], p.inH, p.outH, p.alignCorners);
  const tx = cubicTransform(p.scale[1], p.inW, p.outW, p.alignCorners);
  for (let nc = 0; nc < p.n * p.c; nc++) {
    const src = (y: number, xx: number) => x.data[(nc * p.inH + y) * p.inW + xx];
    for (let oy = 0; oy < p.outH; oy++) {
      for (let ox = 0; ox < p.outW; ox++) {
        let v: number;
        if (p.mode === 'nearest') {
          v = src(nearestSource(oy, p.scale[0], p.inH), nearestSource(ox, p.scale[1], p.inW));
        } else if (p.mode === 'bilinear') {
          const y = bilinearSource(oy, p.scale[0], p.inH);
          const xs = bilinearSource(ox, p.scale[1], p.inW);
          const top = src(y.i0, xs.i0) * (1 - xs.t) + src(y.i0, xs.i1) * xs.t;
          const bot = src(y.i1, xs.i0) * (1 - xs.t) + src(y.i1, xs.i1) * xs.t;
          v = top * (1 - y.t) + bot * y.t;
        } else {
          // Separable: each row's four taps along x, then the four rows along y.
          const ry = cubicTaps(oy, ty, p.inH, p.cubicCoeffA);
          const rx = cubicTaps(ox, tx, p.inW, p.cubicCoeffA);
          v = 0;
          for (let i = 0; i < 4; i++) {
            let row = 0;
            for (let j = 0; j < 4; j++) row += rx.weight[j] * src(ry.index[i], rx.index[j]);
            v += ry.weight[i] * row;
          }
        }
        out.data[(nc * p.outH + oy) * p.outW + ox] = v;
      }
    }
  }
  return out;
}
