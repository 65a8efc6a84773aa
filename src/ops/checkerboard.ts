/**
 * The checkerboard regularizer of a transposed-convolution weight, and its
 * gradient: options and shape rule shared by the CPU reference
 * (src/cpu/checkerboard.ts) and the GPU kernel (src/kernels/checkerboard.ts).
 *
 * A convT with stride s = (sh, sw) and weight w [Cin, Cout/groups, kH, kW]
 * writes output row y from taps ky ≡ (y + padding) mod sh only, so the kernel
 * splits into P = sh·sw phase sub-kernels, phase (a, b) holding the taps with
 * ky mod sh = a, kx mod sw = b. Per channel pair (ci, co) let
 *
 *   S_ab = Σ_{ky ≡ a, kx ≡ b} w[ci, co, ky, kx]      (0 for a phase with no taps, k < s)
 *   m    = (1/P) Σ_ab S_ab  = (Σ all taps) / P
 *   R(w) = Σ_{ci, co} Σ_ab (S_ab − m)²
 *   ∂R/∂w[ci, co, ky, kx] = 2 (S_{ky mod sh, kx mod sw} − m)   (the −m term's derivative sums to 0)
 *
 * Why: an input that is flat per channel (x[ci] constant over the image) gives,
 * away from the borders, output Σ_ci x[ci]·S_ab(ci, co) + bias at every pixel of
 * phase (a, b). That is the same for all phases, for every choice of the x[ci],
 * iff S_ab(ci, co) is equal across phases for every pair: R = 0 ⇔ flat inputs
 * give flat outputs (no checkerboard). R is a sum, not a mean, over pairs and
 * phases; dilation is not considered (with dilation d the tap ky lands on phase
 * (d·ky) mod s instead).
 */
import { ArgumentError } from '../core/errors.js';
import { checkOptions, checkShape, optionKeys, pair, real, type Pair, type Shape } from '../core/params.js';

export interface CheckerboardOptions {
  /** The convT's stride, number or [h, w] (required). */
  stride: Pair;
}

export interface CheckerboardBackwardOptions extends CheckerboardOptions {
  /** Multiplies the gradient (the upstream ∂total/∂R, e.g. the regularizer's weight λ); default 1. */
  scale?: number;
}

const KEYS = optionKeys<CheckerboardBackwardOptions>({ stride: true, scale: true });

export interface CheckerboardPlan {
  /** Channel pairs: Cin · Cout/groups. */
  pairs: number;
  kH: number;
  kW: number;
  sh: number;
  sw: number;
  /** Phases P = sh·sw. */
  phases: number;
  scale: number;
}

export function planCheckerboard(weight: Shape, options: unknown, backward: boolean): CheckerboardPlan {
  const op = backward ? 'checkerboardPenaltyBackward' : 'checkerboardPenalty';
  checkShape(op, 'weight', weight, 4);
  if (options === undefined || options === null) throw new ArgumentError(`${op}: options { stride } are required`);
  const o = checkOptions(op, options, backward ? KEYS : KEYS.filter((k) => k !== 'scale'));
  if (o.stride === undefined) throw new ArgumentError(`${op}: stride is required (the convT's stride)`);
  const [sh, sw] = pair(op, 'stride', o.stride, 1, { min: 1 });
  const scale = o.scale === undefined ? 1 : real(op, 'scale', o.scale);
  const [cin, cout, kH, kW] = weight;
  return { pairs: cin * cout, kH, kW, sh, sw, phases: sh * sw, scale };
}
