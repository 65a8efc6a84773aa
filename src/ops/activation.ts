/** Activations that can be fused into a convolution epilogue. */
import { ArgumentError } from '../errors.js';
import { real } from './params.js';

export type ActivationName = 'none' | 'relu' | 'leakyRelu';

export interface ActivationOptions {
  /** Applied to every output after the bias. Default 'none'. */
  activation?: ActivationName;
  /** Slope for negative inputs of 'leakyRelu'. Default 0.01 (PyTorch). */
  negativeSlope?: number;
}

export interface Activation {
  kind: ActivationName;
  slope: number;
}

export function resolveActivation(op: string, o: ActivationOptions): Activation {
  const kind = o.activation ?? 'none';
  if (kind !== 'none' && kind !== 'relu' && kind !== 'leakyRelu') {
    throw new ArgumentError(`${op}: activation '${String(kind)}' must be 'none', 'relu' or 'leakyRelu'`);
  }
  const slope = o.negativeSlope === undefined ? 0.01 : real(op, 'negativeSlope', o.negativeSlope);
  return { kind, slope };
}

/** Scalar form, used by the CPU reference. */
export function applyActivation(a: Activation, v: number): number {
  if (a.kind === 'relu') return v > 0 ? v : 0;
  if (a.kind === 'leakyRelu') return v >= 0 ? v : v * a.slope;
  return v;
}
