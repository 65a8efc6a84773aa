/** CPU reference of crop2d: copies rows [top, top + height) × columns [left, left + width) of each plane. */
import { planCrop2d, type Crop2dOptions } from '../ops/crop2d.js';
import { zerosLike, type CpuTensor } from './tensor.js';

export function crop2d(x: CpuTensor, options: Crop2dOptions): CpuTensor {
  const p = planCrop2d(x.shape, options);
  const [n, c, h, w] = x.shape;
  const [, , ho, wo] = p.outShape;
  const out = zerosLike(x, p.outShape);
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) {
        out.data[(plane * ho + oy) * wo + ox] = x.data[(plane * h + oy + p.top) * w + ox + p.left];
      }
    }
  }
  return out;
}
