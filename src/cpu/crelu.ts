/** CPU reference of crelu: literally concat(relu(x), relu(−x)) on channels. */
import { planCrelu } from '../ops/crelu.js';
import { concat, mul, relu } from './elementwise.js';
import type { CpuTensor } from './tensor.js';

export function crelu(x: CpuTensor): CpuTensor {
  planCrelu(x.shape);
  return concat([relu(x), relu(mul(x, -1))]);
}
