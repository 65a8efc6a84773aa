/** CPU references of clip, mish and hardSwish: the float64 definitions of src/ops/pointwise.ts, rounded once. */
import { planActivationBackward } from '../ops/activation-backward.js';
import {
  clipDerivative,
  clipScalar,
  hardSwishDerivative,
  hardSwishScalar,
  mishDerivative,
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

function zip(dy: CpuTensor, x: CpuTensor, op: string, f: (v: number) => number): CpuTensor {
  planActivationBackward(op, dy.shape, x.shape);
  const dx = zerosLike(dy, dy.shape);
  for (let i = 0; i < dy.data.length; i++) dx.data[i] = dy.data[i] * f(x.data[i]);
  return dx;
}

/** dx = dy · [min ≤ x ≤ max]. */
export function clipBackward(dy: CpuTensor, x: CpuTensor, options: ClipOptions): CpuTensor {
  const { min, max } = resolveClip(options, 'clipBackward');
  return zip(dy, x, 'clipBackward', (v) => clipDerivative(v, min, max));
}

/** dx = dy · mish'(x), in float64. */
export function mishBackward(dy: CpuTensor, x: CpuTensor): CpuTensor {
  return zip(dy, x, 'mishBackward', mishDerivative);
}

/** dx = dy · hardSwish'(x), in float64. */
export function hardSwishBackward(dy: CpuTensor, x: CpuTensor, options?: HardSwishOptions): CpuTensor {
  const { alpha, beta } = resolveHardSwish(options, 'hardSwishBackward');
  return zip(dy, x, 'hardSwishBackward', (v) => hardSwishDerivative(v, alpha, beta));
}
