/**
 * globalAvgPool(x): [N, C, H, W] → [N, C, 1, 1], the mean of each (n, c)
 * plane over its H·W pixels (PyTorch adaptive_avg_pool2d(x, 1), ONNX
 * GlobalAveragePool, ncnn Pooling global).
 */
import { checkShape, type Shape } from './params.js';

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
