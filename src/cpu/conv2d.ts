/**
 * CPU reference of conv2d: the direct sum over input channels of the group and kernel taps.
 * Float64 data in gives float64 out (without an epilogue: the finite-difference tests of conv2dBackward).
 */
import { planConv2d, type Conv2dOptions } from '../ops/conv2d.js';
import { finishConv } from './conv-transpose2d.js';
import { zerosLike, type CpuTensor } from './tensor.js';
import { applyEpilogue } from './epilogue.js';

export function conv2d(x: CpuTensor, weight: CpuTensor, bias: CpuTensor | null, options: Conv2dOptions<CpuTensor> = {}): CpuTensor {
  const p = planConv2d(x.shape, weight.shape, bias?.shape ?? null, options);
  const out = zerosLike(x, p.outShape);
  const ciPerGroup = p.cIn / p.groups;
  const coPerGroup = p.cOut / p.groups;
  for (let n = 0; n < p.n; n++) {
    for (let co = 0; co < p.cOut; co++) {
      const g = Math.floor(co / coPerGroup);
      for (let oy = 0; oy < p.outH; oy++) {
        for (let ox = 0; ox < p.outW; ox++) {
          let acc = 0;
          for (let cig = 0; cig < ciPerGroup; cig++) {
            const ci = g * ciPerGroup + cig;
            for (let ky = 0; ky < p.kH; ky++) {
              const iy = oy * p.stride[0] - p.padding[0] + ky * p.dilation[0];
              if (iy < 0 || iy >= p.inH) continue;
              for (let kx = 0; kx < p.kW; kx++) {
                const ix = ox * p.stride[1] - p.padding[1] + kx * p.dilation[1];
                if (ix < 0 || ix >= p.inW) continue;
                acc +=
                  x.data[((n * p.cIn + ci) * p.inH + iy) * p.inW + ix] * weight.data[((co * ciPerGroup + cig) * p.kH + ky) * p.kW + kx];
              }
            }
          }
          out.data[((n * p.cOut + co) * p.outH + oy) * p.outW + ox] = acc;
        }
      }
    }
  }
  return applyEpilogue('conv2d', finishConv(out, bias, p.cOut, p.outH * p.outW, p.activation), options);
}
