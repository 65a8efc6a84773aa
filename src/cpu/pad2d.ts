/** CPU reference of pad2d: each output pixel reads the input pixel `padSource` names on each axis, or the fill. */
import { padSource, planPad2d, planPad2dBackward, type Pad2dOptions } from '../ops/pad2d.js';
import { zerosLike, type CpuTensor } from './tensor.js';

export function pad2d(x: CpuTensor, options: Pad2dOptions): CpuTensor {
  const p = planPad2d(x.shape, options);
  const [n, c, h, w] = p.inShape;
  const [, , ho, wo] = p.outShape;
  const out = zerosLike(x, p.outShape);
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < ho; oy++) {
      const sy = padSource(oy, p.top, h, p.mode);
      for (let ox = 0; ox < wo; ox++) {
        const sx = padSource(ox, p.left, w, p.mode);
        out.data[(plane * ho + oy) * wo + ox] = sy < 0 || sx < 0 ? p.value : x.data[(plane * h + sy) * w + sx];
      }
    }
  }
  return out;
}

/** CPU reference of pad2dBackward: the transpose of pad2d, scattering each dy pixel onto the input pixel it was read from. */
export function pad2dBackward(dy: CpuTensor, options: Pad2dOptions): CpuTensor {
  const p = planPad2dBackward(dy.shape, options);
  const [n, c, h, w] = p.inShape;
  const [, , ho, wo] = p.outShape;
  const dx = zerosLike(dy, p.inShape);
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < ho; oy++) {
      const sy = padSource(oy, p.top, h, p.mode);
      for (let ox = 0; ox < wo; ox++) {
        const sx = padSource(ox, p.left, w, p.mode);
        if (sy >= 0 && sx >= 0) dx.data[(plane * h + sy) * w + sx] += dy.data[(plane * ho + oy) * wo + ox];
      }
    }
  }
  return dx;
}
