/** CPU reference of downsample: area (adaptive average pooling) and antialiased bicubic (PyTorch / PIL). */
import { planDownsample, type DownsampleOptions } from '../ops/downsample.js';
import { aaCubicWindow, areaWindow } from '../core/resample.js';
import { zeros, type CpuTensor } from './tensor.js';

/** One axis's normalised weights per output: inputs lo … lo + weight.length − 1. */
interface AxisWeights {
  lo: number;
  weight: number[];
}

function axisWeights(mode: DownsampleOptions['mode'], outSize: number, inSize: number, factor: number): AxisWeights[] {
  return Array.from({ length: outSize }, (_, o) => {
    if (mode === 'bicubic-aa') return aaCubicWindow(o, factor, inSize);
    const [lo, hi] = areaWindow(o, inSize, outSize);
    return { lo, weight: new Array<number>(hi - lo).fill(1 / (hi - lo)) };
  });
}

export function downsample(x: CpuTensor, options: DownsampleOptions): CpuTensor {
  const p = planDownsample(x.shape, options);
  const out = zeros(p.outShape);
  const rows = axisWeights(p.mode, p.outH, p.inH, p.factor[0]);
  const cols = axisWeights(p.mode, p.outW, p.inW, p.factor[1]);
  for (let nc = 0; nc < p.n * p.c; nc++) {
    for (let oy = 0; oy < p.outH; oy++) {
      const ry = rows[oy];
      for (let ox = 0; ox < p.outW; ox++) {
        const rx = cols[ox];
        let v = 0;
        ry.weight.forEach((wy, i) => {
          let row = 0;
          const base = (nc * p.inH + ry.lo + i) * p.inW + rx.lo;
          rx.weight.forEach((wx, j) => (row += wx * x.data[base + j]));
          v += wy * row;
        });
        out.data[(nc * p.outH + oy) * p.outW + ox] = v;
      }
    }
  }
  return out;
}
