/**
 * Activations that can be fused into a convolution epilogue. 'crelu' doubles the
 * channels: concat(relu(v), relu(−v)) on the channel axis (channel co gets
 * relu(v), channel C + co gets relu(−v)), applied before outputScale, the
 * depth-to-space store and the residual, which all see the 2C channels.
 */
import { ArgumentError } from '../core/errors.js';
import { real } from '../core/params.js';

export type ActivationName = 'none' | 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'crelu';

const ACTIVATIONS: readonly ActivationName[] = ['none', 'relu', 'leakyRelu', 'sigmoid', 'tanh', 'crelu'];

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
  if (!ACTIVATIONS.includes(kind)) {
    throw new ArgumentError(
      `${op}: activation '${String(kind)}' must be ${ACTIVATIONS.slice(0, -1)
        .map((a) => `'${a}'`)
        .join(', ')} or '${ACTIVATIONS.at(-1)}'`,
    );
  }
  const slope = o.negativeSlope === undefined ? 0.01 : real(op, 'negativeSlope', o.negativeSlope);
  return { kind, slope };
}

/** Channels out per channel in: 2 for 'crelu', else 1. */
export function activationChannels(a: Activation): 1 | 2 {
  return a.kind === 'crelu' ? 2 : 1;
}

/** Logistic sigmoid 1/(1 + e^−x), in float64 (no overflow: exp(1000) = Infinity gives 0). */
export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * Scalar form of the channel-preserving activations, used by the CPU reference.
 * 'crelu' changes the shape, so it is not a scalar map: src/cpu/crelu.ts.
 */
export function applyActivation(a: Activation, v: number): number {
  if (a.kind === 'relu') return v > 0 ? v : 0;
  if (a.kind === 'leakyRelu') return v >= 0 ? v : v * a.slope;
  if (a.kind === 'sigmoid') return sigmoid(v);
  if (a.kind === 'tanh') return Math.tanh(v);
  if (a.kind === 'crelu') throw new Error('applyActivation: crelu changes the channel count; apply src/cpu/crelu.ts to the tensor');
  return v;
}
