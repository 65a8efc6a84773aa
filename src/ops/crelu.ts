/**
 * crelu (concatenated ReLU, Shang et al. 2016; Anime4K's networks): shape rule.
 *   crelu(x) = concat(relu(x), relu(−x)) on the channel axis: [N, C, H, W] → [N, 2C, H, W],
 * output channel c < C holds relu(x_c), channel C + c holds relu(−x_c).
 * Also fusable into the conv epilogue (`activation: 'crelu'`, src/ops/activation.ts).
 */
import { checkShape, type Shape } from '../core/params.js';

export function planCrelu(xShape: Shape, op = 'crelu'): [number, number, number, number] {
  checkShape(op, 'input', xShape, 4);
  const [n, c, h, w] = xShape;
  return [n, 2 * c, h, w];
}
