/**
 * gaussianBlur and gaussianBlurBackward: a depthwise (per channel) Gaussian
 * blur whose width σ is a learned GPU tensor, the fix for checkerboard
 * artifacts as a blur after a transposed convolution. Options and shape rule.
 *
 * Forward. k odd (option `kernel`, default 5), r = (k − 1)/2, taps t = −r … r:
 *   e_t = exp(−t² / (2σ²)),  S = Σ_t e_t,  g_t = e_t / S            (normalised: Σ g = 1)
 *   y[n, c, h, w] = Σ_{i, j = −r…r} g_i g_j · x[n, c, h + i, w + j]  (the separable 2-D kernel G = g ⊗ g)
 * σ is `sigma[0]` for every channel (shape [1]) or `sigma[c]` (shape [C]).
 * Border: ZERO padding by r, so the size is kept and a pixel within r of the
 * edge loses the weight of its outside taps (a constant image darkens there;
 * the interior stays constant). Chosen over replicate because it makes the
 * blur its own adjoint (below), and it is conv2d's padding. σ² is clamped at
 * 1e−30, so σ = 0 is the identity (e_0 = 1, every other tap underflows to 0).
 * G only depends on σ², so −σ blurs as σ does.
 *
 * Backward, given dy = ∂L/∂y:
 *   dx = blur(dy) with the same G: the adjoint of a stride-1 correlation with zero
 *        padding is the correlation with the flipped kernel, and G is symmetric
 *        (g_{−t} = g_t), so it is the forward itself.
 *   dσ: differentiate the normalised weights. ∂e_t/∂σ = e_t · t²/σ³, so
 *        ∂g_t/∂σ = (∂e_t/∂σ)/S − e_t/S² · Σ_u ∂e_u/∂σ = g_t · (t² − m) / σ³,  m = Σ_u g_u u²
 *        (m is the discrete kernel's variance: a tap wider than it gains weight as σ grows).
 *        ∂y/∂σ = Σ_{i,j} (g'_i g_j + g_i g'_j) · x[n, c, h + i, w + j], hence
 *        dσ_c = Σ_{i,j} (g'_i g_j + g_i g'_j) · D_c[i, j],
 *        D_c[i, j] = Σ_{n,h,w} dy[n, c, h, w] · x[n, c, h + i, w + j]
 *        (exactly conv2dBackward's dw of the depthwise conv, groups = C);
 *        a shared σ sums dσ_c over c. When every off-centre tap has underflowed
 *        (m = 0: σ ≲ 0.08 in float32) g' is taken as 0, the limit as σ → 0.
 * `needs: { dx, dsigma }` (each default true) skips one, which is then null.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkOptions, checkShape, fmt, int, optionKeys, sameShape, type Shape } from '../core/params.js';

export interface GaussianBlurOptions {
  /** Taps per axis, odd, ≥ 1 (default 5); the blur pads by (kernel − 1)/2 with zeros. */
  kernel?: number;
}

/** Which of gaussianBlur's gradients to compute; each defaults to true (a skipped one is null). */
export interface GaussianBlurBackwardNeeds {
  dx?: boolean;
  dsigma?: boolean;
}

export interface GaussianBlurBackwardOptions extends GaussianBlurOptions {
  needs?: GaussianBlurBackwardNeeds;
}

/** gaussianBlur's gradients, null where `needs` left one out. (A type alias, so that it is a record of tensors to the op table.) */
export type GaussianBlurGradients<T> = {
  /** ∂L/∂x, x's shape. */
  dx: T | null;
  /** ∂L/∂σ, sigma's shape ([1] or [C]). */
  dsigma: T | null;
};

const KEYS = optionKeys<GaussianBlurOptions>({ kernel: true });
const BACKWARD_KEYS = optionKeys<GaussianBlurBackwardOptions>({ kernel: true, needs: true });
const NEEDS_KEYS = optionKeys<GaussianBlurBackwardNeeds>({ dx: true, dsigma: true });

/** σ² never goes below this, so σ = 0 is the identity instead of 0/0. */
export const GAUSSIAN_MIN_SIGMA2 = 1e-30;

/**
 * The normalised 1-D weights g_t and their σ-derivatives g'_t (t = −r … r, index t + r),
 * in float64: the specification the GPU's weight kernel follows (see the derivation above).
 */
export function gaussianTaps(sigma: number, kernel: number): { g: number[]; dg: number[] } {
  const r = (kernel - 1) / 2;
  const s2 = Math.max(sigma * sigma, GAUSSIAN_MIN_SIGMA2);
  const e = Array.from({ length: kernel }, (_, i) => (i === r ? 1 : Math.exp(-((i - r) ** 2) / (2 * s2))));
  const sum = e.reduce((a, b) => a + b, 0);
  const g = e.map((v) => v / sum);
  const m = g.reduce((a, v, i) => a + v * (i - r) ** 2, 0);
  const dg = g.map((v, i) => (m > 0 ? (v * ((i - r) ** 2 - m)) / (sigma * s2) : 0));
  return { g, dg };
}

export interface GaussianBlurPlan {
  n: number;
  channels: number;
  height: number;
  width: number;
  kernel: number;
  /** Zero padding per side: (kernel − 1)/2. */
  radius: number;
  /** σ values given: 1 (shared) or `channels`. */
  sigmas: number;
}

export function planGaussianBlur(
  xShape: Shape,
  sigmaShape: Shape,
  options: GaussianBlurOptions = {},
  op = 'gaussianBlur',
  keys = KEYS,
): GaussianBlurPlan {
  const o = checkOptions(op, options, keys);
  checkShape(op, 'input', xShape, 4);
  checkShape(op, 'sigma', sigmaShape, 1);
  const kernel = int(op, 'kernel', o.kernel ?? 5, { min: 1 });
  if (kernel % 2 !== 1) throw new ArgumentError(`${op}: kernel ${kernel} must be odd (taps −(k−1)/2 … (k−1)/2 around the centre)`);
  const [n, channels, height, width] = xShape;
  const sigmas = sigmaShape[0];
  if (sigmas !== 1 && sigmas !== channels) {
    throw new ShapeError(
      `${op}: sigma ${fmt(sigmaShape)} must have 1 or ${channels} elements (one per input channel, axis 1 of input ${fmt(xShape)})`,
    );
  }
  return { n, channels, height, width, kernel, radius: (kernel - 1) / 2, sigmas };
}

export interface GaussianBlurBackwardPlan extends GaussianBlurPlan {
  needs: Required<GaussianBlurBackwardNeeds>;
  shapes: GaussianBlurGradients<Shape>;
}

export function planGaussianBlurBackward(
  xShape: Shape,
  sigmaShape: Shape,
  dyShape: Shape,
  options: GaussianBlurBackwardOptions = {},
  op = 'gaussianBlurBackward',
): GaussianBlurBackwardPlan {
  const p = planGaussianBlur(xShape, sigmaShape, options, op, BACKWARD_KEYS);
  checkShape(op, 'dy', dyShape, 4);
  if (!sameShape(dyShape, xShape))
    throw new ShapeError(`${op}: dy ${fmt(dyShape)} must have the input's shape ${fmt(xShape)} (the blur keeps the size)`);
  const n = checkOptions(op, options.needs, NEEDS_KEYS, 'needs.');
  const flag = (k: keyof GaussianBlurBackwardNeeds): boolean => {
    const v = n[k] ?? true;
    if (typeof v !== 'boolean') throw new ArgumentError(`${op}: needs.${k} ${String(v)} must be a boolean`);
    return v;
  };
  const needs = { dx: flag('dx'), dsigma: flag('dsigma') };
  return { ...p, needs, shapes: { dx: needs.dx ? [...xShape] : null, dsigma: needs.dsigma ? [...sigmaShape] : null } };
}
