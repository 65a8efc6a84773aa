/** CPU reference of crop2d: copies rows [top, top + height) × columns [left, left + width) of each plane. */
import { planCrop2d, planCrop2dBackward, type Crop2dBackwardOptions, type Crop2dOptions } from '../ops/crop2d.js';
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

/** CPU reference of crop2dBackward: zeros of the input shape, dy written into the window. */
export function crop2dBackward(dy: CpuTensor, options: Crop2dBackwardOptions): CpuTensor {
  const { dxShape, pads } = planCrop2dBackward(dy.shape, options);
  const [n, c, h, w] = dxShape;
  const [, , ho, wo] = dy.shape;
  const [top, , left] = pads;
  const dx = zerosLike(dy, dxShape);
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < ho; oy++) {
      for (let ox = 0; ox < wo; ox++) dx.data[(plane * h + oy + top) * w + ox + left] = dy.data[(plane * ho + oy) * wo + ox];
    }
  }
  return dx;
}
