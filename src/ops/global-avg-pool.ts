/**
 * globalAvgPool(x): [N, C, H, W] → [N, C, 1, 1], the mean of each (n, c)
 * plane over its H·W pixels (PyTorch adaptive_avg_pool2d(x, 1), ONNX
 * GlobalAveragePool, ncnn Pooling global).
 */
import { ShapeError } from '../core/errors.js';
import { checkOptions, checkShape, fmt, optionKeys, sameShape, type Shape } from '../core/params.js';

export interface GlobalAvgPoolPlan {
  outShape: [number, number, 1, 1];
  /** Planes: N·C. */
  planes: number;
  /** Pixels per plane: H·W. */
  hw: number;
}

export function planGlobalAvgPool(xShape: Shape, op = 'globalAvgPool'): GlobalAvgPoolPlan {
  checkShape(op, 'input', xShape, 4);
  const [n, c, h, w] = xShape;
  return { outShape: [n, c, 1, 1], planes: n * c, hw: h * w };
}

export interface GlobalAvgPoolBackwardOptions {
  /** The forward's input shape [N, C, H, W]. */
  inputShape: Shape;
}

const BACKWARD_KEYS = optionKeys<GlobalAvgPoolBackwardOptions>({ inputShape: true });

/** globalAvgPoolBackward(dy [N, C, 1, 1], { inputShape }): dx [N, C, H, W] = dy[n, c] / (H·W) at every pixel. */
export function planGlobalAvgPoolBackward(
  dyShape: Shape,
  options: GlobalAvgPoolBackwardOptions,
  op = 'globalAvgPoolBackward',
): GlobalAvgPoolPlan & { inShape: [number, number, number, number] } {
  checkShape(op, 'dy', dyShape, 4);
  const o = checkOptions(op, options, BACKWARD_KEYS);
  const inputShape = o.inputShape as Shape;
  checkShape(op, 'inputShape', inputShape, 4);
  const p = planGlobalAvgPool(inputShape, op);
  if (!sameShape(dyShape, p.outShape)) {
    throw new ShapeError(`${op}: dy ${fmt(dyShape)} must be [N, C, 1, 1] = ${fmt(p.outShape)} for input ${fmt(inputShape)}`);
  }
  const [n, c, h, w] = inputShape;
  return { ...p, inShape: [n, c, h, w] };
}
