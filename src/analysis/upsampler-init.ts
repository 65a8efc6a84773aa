/**
 * Initialisations that start a learnable upsampler without a checkerboard:
 * bilinear (a convT that IS bilinear interpolation), ICNR (a conv before a
 * pixel shuffle that IS conv-then-nearest), and balanced (a random convT whose
 * phase sub-kernels have equal sums, so a flat input stays flat).
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkShape, fmt, int, pair, type Pair, type Shape } from '../core/params.js';
import { kaimingNormal, type KaimingOptions, type Weights } from './init.js';
import { phaseTapCounts, tapPhase } from './overlap.js';

/**
 * The bilinear kernel of an f× transposed convolution (as in FCN's
 * `get_upsampling_filter`): length k = 2f − f mod 2, w[t] = 1 − |t − c| / f with
 * c = (k − 1)/2. With stride f and padding (k − f)/2 the output is exactly
 * bilinear interpolation with align_corners=false away from the border (the
 * convT reads zeros past the edge where interpolation clamps: pad the input by
 * one replicated pixel and crop f on each side to match everywhere), e.g.
 * f = 2: k4 s2 p1, w = [¼, ¾, ¾, ¼]. Its phase sums are all 1.
 */
export function bilinearKernel1d(f: number): Float32Array {
  int('bilinearKernel1d', 'f', f, { min: 1 });
  const k = 2 * f - (f % 2);
  const c = (k - 1) / 2;
  const w = new Float32Array(k);
  for (let t = 0; t < k; t++) w[t] = 1 - Math.abs(t - c) / f;
  return w;
}

/** Geometry of the bilinear transposed convolution for scale f (output exactly f·n). */
export function bilinearGeometry(f: number): { kernel: number; stride: number; padding: number } {
  int('bilinearGeometry', 'f', f, { min: 1 });
  const kernel = 2 * f - (f % 2);
  return { kernel, stride: f, padding: (kernel - f) / 2 };
}

/** Outer product a ⊗ b as a kernel of a.length rows and b.length columns (row-major). */
export function outer(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length * b.length);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i * b.length + j] = a[i] * b[j];
  return out;
}

/**
 * One square k×k kernel applied to each of `channels` channels on its own:
 * weight [channels, 1, k, k], to be used with groups = channels. The same
 * layout is a conv weight [Cout, Cin/g, k, k] and a convT weight [Cin, Cout/g, k, k].
 */
export function depthwise(kernel: Float32Array, channels: number): Weights {
  const k = Math.round(Math.sqrt(kernel.length));
  if (k * k !== kernel.length) throw new ShapeError(`depthwise: kernel has ${kernel.length} elements, not a square k×k`);
  const data = new Float32Array(channels * kernel.length);
  for (let c = 0; c < channels; c++) data.set(kernel, c * kernel.length);
  return { data, shape: [channels, 1, k, k] };
}

/**
 * The bilinear transposed-convolution weight for scale f (see bilinearKernel1d
 * and bilinearGeometry). Default: depthwise [C, 1, k, k], used with groups = C.
 * `dense: true`: [C, C, k, k] for groups = 1, the kernel on the diagonal
 * (channel c → c) and zeros elsewhere, as FCN initialises its score upsampler.
 */
export function bilinearConvTranspose(channels: number, f: number, options: { dense?: boolean } = {}): Weights {
  const w1 = bilinearKernel1d(f);
  const k2d = outer(w1, w1);
  if (!options.dense) return depthwise(k2d, channels);
  const k = w1.length;
  const data = new Float32Array(channels * channels * k * k);
  for (let c = 0; c < channels; c++) data.set(k2d, (c * channels + c) * k * k);
  return { data, shape: [channels, channels, k, k] };
}

/**
 * ICNR (Aitken et al. 2017, "Checkerboard artifact free sub-pixel convolution"):
 * a conv that feeds pixelShuffle(r) gets r² copies of one base kernel, so right
 * after initialisation conv + shuffle equals "conv with the base, then
 * nearest-neighbour upsample" and has no checkerboard. Base [Cout, Cin/g, k, k]
 * → [Cout·r², Cin/g, k, k], output channel c·r² + j copying base channel c:
 * the CRD order that PyTorch's pixel_shuffle (engine.pixelShuffle) reads. With
 * groups = Cout the grouping stays right, because channels c·r² … c·r² + r² − 1
 * all belong to group c.
 */
export function icnr(base: Weights, r: number): Weights {
  int('icnr', 'r', r, { min: 1 });
  const [cOut, cInG, kh, kw] = base.shape;
  const per = cInG * kh * kw;
  const data = new Float32Array(cOut * r * r * per);
  for (let c = 0; c < cOut; c++) {
    const src = base.data.subarray(c * per, (c + 1) * per);
    for (let j = 0; j < r * r; j++) data.set(src, (c * r * r + j) * per);
  }
  return { data, shape: [cOut * r * r, cInG, kh, kw] };
}

/**
 * ICNR with a He-normal base: `shape` is the conv's weight [Cout·r², Cin/g, k, k];
 * the base [Cout, Cin/g, k, k] is drawn by kaimingNormal (layout 'conv') and
 * copied r² times, as fastai's `icnr_init` does.
 */
export function icnrInit(shape: Shape, r: number, options: Omit<KaimingOptions, 'layout'> = {}): Weights {
  checkShape('icnrInit', 'shape', shape, 4);
  int('icnrInit', 'r', r, { min: 1 });
  if (shape[0] % (r * r) !== 0)
    throw new ShapeError(`icnrInit: output channels ${shape[0]} of ${fmt(shape)} must be divisible by r² = ${r * r}`);
  return icnr(kaimingNormal([shape[0] / (r * r), shape[1], shape[2], shape[3]], { ...options, layout: 'conv' }), r);
}

/**
 * A random convT weight [Cin, Cout/g, kH, kW] whose phase sub-kernels have
 * equal sums in every channel pair (see phaseSums), so a constant input gives
 * a constant output from the first step. Drawn by kaimingNormal (layout
 * 'convTranspose', this stride), then each phase φ with n_φ taps is shifted by
 * (S̄ − S_φ)/n_φ per tap, S̄ the mean of the phase sums: the total sum is kept
 * and the variance lowered only by the s² − 1 directions removed per pair.
 * Needs every phase to hold a tap (k ≥ s, d coprime to s along each axis).
 */
export function balancedConvTranspose(
  shape: Shape,
  stride: Pair,
  options: Omit<KaimingOptions, 'layout' | 'stride'> & { dilation?: Pair } = {},
): Weights {
  const op = 'balancedConvTranspose';
  checkShape(op, 'shape', shape, 4);
  const s = pair(op, 'stride', stride, 1, { min: 1 });
  const d = pair(op, 'dilation', options.dilation, 1, { min: 1 });
  const [cIn, coG, kH, kW] = shape;
  const counts = [phaseTapCounts(kH, s[0], d[0]), phaseTapCounts(kW, s[1], d[1])];
  for (const a of [0, 1]) {
    if (counts[a].includes(0)) {
      throw new ArgumentError(
        `${op}: kernel ${shape[2 + a]} with stride ${s[a]}, dilation ${d[a]} leaves phases without taps along ${a === 0 ? 'height' : 'width'} (gaps cannot be balanced: need k >= s and d coprime to s)`,
      );
    }
  }
  const { dilation: _d, ...kaiming } = options;
  const w = kaimingNormal(shape, { ...kaiming, layout: 'convTranspose', stride: s });
  const phases = s[0] * s[1];
  const phaseOf = new Int32Array(kH * kW);
  const perPhase = new Float64Array(phases);
  for (let ty = 0; ty < kH; ty++) {
    for (let tx = 0; tx < kW; tx++) {
      phaseOf[ty * kW + tx] = tapPhase(ty, s[0], d[0]) * s[1] + tapPhase(tx, s[1], d[1]);
      perPhase[phaseOf[ty * kW + tx]]++;
    }
  }
  const sums = new Float64Array(phases);
  for (let q = 0; q < cIn * coG; q++) {
    const kernel = w.data.subarray(q * kH * kW, (q + 1) * kH * kW);
    sums.fill(0);
    for (let t = 0; t < kernel.length; t++) sums[phaseOf[t]] += kernel[t];
    const mean = sums.reduce((x, y) => x + y, 0) / phases;
    for (let t = 0; t < kernel.length; t++) kernel[t] += (mean - sums[phaseOf[t]]) / perPhase[phaseOf[t]];
  }
  return w;
}
