/** CPU references of clip, mish and hardSwish: the float64 definitions of src/ops/pointwise.ts, rounded once. */
import {
  clipScalar,
  hardSwishScalar,
  mishScalar,
  resolveClip,
  resolveHardSwish,
  type ClipOptions,
  type HardSwishOptions,
} from '../ops/pointwise.js';
import { zerosLike, type CpuTensor } from './tensor.js';

function map(x: CpuTensor, f: (v: number) => number): CpuTensor {
  const out = zerosLike(x, x.shape);
  for (let i = 0; i < x.data.length; i++) out.data[i] = f(x.data[i]);
  return out;
}

export function clip(x: CpuTensor, options: ClipOptions): CpuTensor {
  const { min, max } = resolveClip(options);
  return map(x, (v) => clipScalar(v, min, max));
}

export function mish(x: CpuTensor): CpuTensor {
  return map(x, mishScalar);
}

export function hardSwish(x: CpuTensor, options?: HardSwishOptions): CpuTensor {
  const { alpha, beta } = resolveHardSwish(options);
  return map(x, (v) => hardSwishScalar(v, alpha, beta));
}
