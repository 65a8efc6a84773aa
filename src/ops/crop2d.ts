/**
 * crop2d(x, { top, left, height, width }) on [N, C, H, W]: the window
 * rows [top, top + height) and columns [left, left + width), so
 * [N, C, height, width]. The window must lie inside the input.
 * Its adjoint is pad2d with zeros (crop2dBackward).
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkOptions, checkShape, fmt, int, optionKeys, sameShape, type Shape } from '../core/params.js';

export interface Crop2dOptions {
  top: number;
  left: number;
  height: number;
  width: number;
}

const CROP_KEYS = optionKeys<Crop2dOptions>({ top: true, left: true, height: true, width: true });

export interface Crop2dPlan {
  outShape: [number, number, number, number];
  top: number;
  left: number;
}

export function planCrop2d(xShape: Shape, options: Crop2dOptions, op = 'crop2d'): Crop2dPlan {
  checkShape(op, 'input', xShape, 4);
  const o = checkOptions(op, options, CROP_KEYS);
  const top = int(op, 'top', o.top, { min: 0 });
  const left = int(op, 'left', o.left, { min: 0 });
  const height = int(op, 'height', o.height, { min: 1 });
  const width = int(op, 'width', o.width, { min: 1 });
  const [n, c, h, w] = xShape;
  if (top + height > h) {
    throw new ArgumentError(`${op}: top ${top} + height ${height} must be <= ${h}, the height of input ${fmt(xShape)}`);
  }
  if (left + width > w) {
    throw new ArgumentError(`${op}: left ${left} + width ${width} must be <= ${w}, the width of input ${fmt(xShape)}`);
  }
  return { outShape: [n, c, height, width], top, left };
}

export interface Crop2dBackwardOptions extends Crop2dOptions {
  /** The forward's input shape [N, C, H, W] (the window alone does not say how large it was). */
  inputShape: Shape;
}

const CROP_BACKWARD_KEYS = optionKeys<Crop2dBackwardOptions>({ top: true, left: true, height: true, width: true, inputShape: true });

/**
 * crop2dBackward(dy, options): the adjoint of crop2d, zeros of `inputShape`
 * with dy written into the window, i.e. pad2d(dy) with zeros and pads
 * [top, H − top − height, left, W − left − width].
 */
export function planCrop2dBackward(
  dyShape: Shape,
  options: Crop2dBackwardOptions,
  op = 'crop2dBackward',
): { dxShape: [number, number, number, number]; pads: [number, number, number, number] } {
  checkShape(op, 'dy', dyShape, 4);
  const o = checkOptions(op, options, CROP_BACKWARD_KEYS);
  const inputShape = o.inputShape as Shape;
  checkShape(op, 'inputShape', inputShape, 4);
  const box = { top: o.top, left: o.left, height: o.height, width: o.width } as Crop2dOptions;
  const p = planCrop2d(inputShape, box, op);
  if (!sameShape(p.outShape, dyShape)) {
    throw new ShapeError(`${op}: dy ${fmt(dyShape)} must be the crop's output shape ${fmt(p.outShape)} (input ${fmt(inputShape)})`);
  }
  const [n, c, h, w] = inputShape;
  return {
    dxShape: [n, c, h, w],
    pads: [p.top, h - p.top - p.outShape[2], p.left, w - p.left - p.outShape[3]],
  };
}
