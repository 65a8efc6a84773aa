/**
 * Resampling maths written once, for the CPU references and (as WGSL text)
 * the shaders: the cubic convolution kernel, the source-coordinate transform
 * of bicubic upsampling, and the per-axis windows of downsampling.
 *
 * Cubic convolution kernel (Keys 1981), the one ONNX Resize `cubic`, PyTorch
 * `bicubic` and PIL `BICUBIC` use, with free parameter a:
 *   W(x) = (a + 2)|x|³ − (a + 3)|x|² + 1        |x| ≤ 1
 *   W(x) = a|x|³ − 5a|x|² + 8a|x| − 4a          1 < |x| < 2
 *   W(x) = 0                                    otherwise
 * a = −0.75 is PyTorch's and OpenCV's; a = −0.5 is Keys', TensorFlow's, PIL's
 * and PyTorch's antialias path's.
 * For any a, Σₖ W(t − k) = 1, so constants come out exactly wherever no tap
 * is clamped; only a = −0.5 also reproduces linear ramps and quadratics (with
 * a = −0.75 a ramp picks up a small periodic ripple).
 */

/** W(x) for cubic coefficient a (see above). */
export function cubicWeight(x: number, a: number): number {
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/** WGSL twin of cubicWeight, as a module-scope function `cubicWeight(x, a)`. */
export const WGSL_CUBIC_WEIGHT = `
fn cubicWeight(x: f32, a: f32) -> f32 {
  let t = abs(x);
  if (t <= 1.0) { return ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0; }
  if (t < 2.0) { return ((a * t - 5.0 * a) * t + 8.0 * a) * t - 4.0 * a; }
  return 0.0;
}
`;

/**
 * Output → source coordinate of bicubic upsampling along one axis, as
 * src = (dst + off) · mul − off:
 *   half_pixel (align_corners=False): off = ½, mul = 1/scale (PyTorch with a
 *     scale_factor uses 1/scale, not in/out; ONNX Resize with `scales` does too);
 *   align_corners: off = 0, mul = (in − 1)/(out − 1), or 0 when out = 1.
 * The GPU kernel takes (mul, off) as uniforms and evaluates the same formula in f32.
 */
export function cubicTransform(scale: number, inSize: number, outSize: number, alignCorners: boolean): { mul: number; off: number } {
  if (alignCorners) return { mul: outSize > 1 ? (inSize - 1) / (outSize - 1) : 0, off: 0 };
  return { mul: 1 / scale, off: 0.5 };
}

/**
 * The four taps of bicubic upsampling at output `dst`: source indices
 * ⌊src⌋ − 1 … ⌊src⌋ + 2 clamped to [0, in − 1] (ONNX exclude_outside = 0,
 * PyTorch's bounded reads), with weights W(t + 1), W(t), W(1 − t), W(2 − t),
 * t = src − ⌊src⌋.
 */
export function cubicTaps(dst: number, t: { mul: number; off: number }, inSize: number, a: number): { index: number[]; weight: number[] } {
  const src = (dst + t.off) * t.mul - t.off;
  const i = Math.floor(src);
  const f = src - i;
  const index = [-1, 0, 1, 2].map((k) => Math.min(Math.max(i + k, 0), inSize - 1));
  const weight = [f + 1, f, 1 - f, 2 - f].map((d) => cubicWeight(d, a));
  return { index, weight };
}

/**
 * PyTorch adaptive_avg_pool window (what interpolate(mode='area') runs) of
 * output `o` along one axis: [⌊o·in/out⌋, ⌈(o + 1)·in/out⌉). For an integer
 * factor f = in/out these are the f×f blocks; otherwise neighbouring windows overlap by one.
 */
export function areaWindow(o: number, inSize: number, outSize: number): [lo: number, hi: number] {
  return [Math.floor((o * inSize) / outSize), Math.ceil(((o + 1) * inSize) / outSize)];
}

/**
 * The antialiased bicubic window of output `o` along one axis, PyTorch's
 * `_upsample_bicubic2d_aa` (align_corners=False) for a downscale factor
 * `scale` ≥ 1, which is PIL's resample: the kernel W with a = −0.5 stretched
 * by `scale`, so its support is 2·scale input pixels either side:
 *   center = scale·(o + ½), support = 2·scale,
 *   lo = max(trunc(center − support + ½), 0), hi = min(trunc(center + support + ½), in),
 *   w_j = W((j − center + ½) / scale) for j in [lo, hi), then divided by Σ w_j.
 */
export const AA_CUBIC_A = -0.5;

export function aaCubicWindow(o: number, scale: number, inSize: number): { lo: number; weight: number[] } {
  const center = scale * (o + 0.5);
  const support = 2 * scale;
  const lo = Math.max(Math.trunc(center - support + 0.5), 0);
  const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
  const weight: number[] = [];
  for (let j = lo; j < hi; j++) weight.push(cubicWeight((j - center + 0.5) / scale, AA_CUBIC_A));
  const total = weight.reduce((s, w) => s + w, 0);
  return { lo, weight: total !== 0 ? weight.map((w) => w / total) : weight };
}
