/**
 * upsampleBackward: the gradient of upsample (PyTorch's interpolate backward,
 * align_corners=False). upsample is linear, y = A·x with each output a convex
 * mix of at most 4 inputs (nearest: 1), so dx = Aᵀ·dy: every dy element adds
 * into the inputs its taps read, with the forward's weights. The weights are
 * separable, A = A_h ⊗ A_w, so dx(i, j) = Σ_o Σ_p A_h(o, i)·A_w(p, j)·dy(o, p).
 *
 * The GPU kernel gathers (one thread per dx element, no atomics): along each
 * axis only outputs o in `tapRange(i)` can read input i, and it recomputes the
 * forward's taps for each of them. The CPU reference scatters.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkOptions, checkShape, fmt, optionKeys, sameShape, type Shape } from '../core/params.js';
import { planUpsample, type UpsampleOptions, type UpsamplePlan } from './upsample.js';

export interface UpsampleBackwardOptions extends UpsampleOptions {
  /** The forward's input shape [N, C, H, W]: the shape of dx (floor(H·scale) loses H). */
  inputShape: readonly number[];
}

const UPSAMPLE_BACKWARD_KEYS = optionKeys<UpsampleBackwardOptions>({ scale: true, mode: true, inputShape: true });

export interface UpsampleBackwardPlan extends UpsamplePlan {
  /** [N, C, inH, inW]: the forward's input shape. */
  dxShape: [number, number, number, number];
}

/** The forward's plan, after checking that dy has the forward's output shape. */
export function planUpsampleBackward(dyShape: Shape, options: UpsampleBackwardOptions, op = 'upsampleBackward'): UpsampleBackwardPlan {
  checkShape(op, 'dy', dyShape, 4);
  if (!options || typeof options !== 'object') throw new ArgumentError(`${op}: options { scale, mode, inputShape } are required`);
  checkOptions(op, options, UPSAMPLE_BACKWARD_KEYS);
  const { inputShape, scale, mode } = options;
  if (inputShape === undefined) throw new ArgumentError(`${op}: option inputShape (the forward's input shape) is required`);
  checkShape(op, 'inputShape', inputShape, 4);
  if (mode === 'bicubic') throw new ArgumentError(`${op}: mode 'bicubic' has no backward (only 'nearest' and 'bilinear')`);
  const p = planUpsample(inputShape, { scale, mode }, op);
  if (!sameShape(dyShape, p.outShape)) {
    throw new ShapeError(
      `${op}: dy ${fmt(dyShape)} must have the forward's output shape ${fmt(p.outShape)} (inputShape ${fmt(inputShape)}, scale ${p.scale[0]}×${p.scale[1]})`,
    );
  }
  return { ...p, dxShape: [p.n, p.c, p.inH, p.inW] };
}

/**
 * Outputs [lo, hi] along one axis that may read input i (a superset: the
 * kernel checks each one's taps). nearest reads floor(o/s) = i for
 * o ∈ [i·s, (i+1)·s); bilinear reads i when floor(src) ∈ {i−1, i}, src =
 * (o + 0.5)/s − 0.5, i.e. o ∈ [(i − 0.5)·s − 0.5, (i + 1.5)·s − 0.5). One
 * more output on each side absorbs float32 rounding of the coordinates, and
 * the last input also takes every output the forward clamps onto it.
 */
export function tapRange(mode: UpsamplePlan['mode'], i: number, scale: number, inSize: number, outSize: number): [number, number] {
  const [a, b] = mode === 'nearest' ? [i * scale, (i + 1) * scale] : [(i - 0.5) * scale - 0.5, (i + 1.5) * scale - 0.5];
  const lo = Math.max(0, Math.floor(a) - 1);
  const hi = i === inSize - 1 ? outSize - 1 : Math.min(outSize - 1, Math.ceil(b) + 1);
  return [lo, hi];
}

/** Most outputs tapRange can return along an axis, for tolerances: the span plus rounding slack. */
export function maxTaps(mode: UpsamplePlan['mode'], scale: number): number {
  return Math.ceil((mode === 'nearest' ? 1 : 2) * scale) + 4;
}
