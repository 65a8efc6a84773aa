/**
 * crop2d(x, { top, left, height, width }) on [N, C, H, W]: the window
 * rows [top, top + height) and columns [left, left + width), so
 * [N, C, height, width]. The window must lie inside the input.
 * Its adjoint is pad2d with zeros (crop2dBackward).
 */
import { ArgumentError } from '../errors.js';
import { checkOptions, checkShape, fmt, int, optionKeys, type Shape } from './params.js';

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
