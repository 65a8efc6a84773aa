/**
 * Weight initialisations for learnable upsamplers. Pure functions (no DOM, no
 * GPU), shared by the pages and by the Node tests that check the pages.
 */

/** A weight array and its shape (NCHW-style, as the engine takes it). */
export interface Weights {
  data: Float32Array;
  shape: [number, number, number, number];
}

/** mulberry32: a tiny seeded PRNG, so "random" pictures are reproducible from the seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The bilinear kernel of an f× transposed convolution (as in FCN's
 * `get_upsampling_filter`): length k = 2f − f mod 2, w[t] = 1 − |t − c| / f with
 * c = (k − 1)/2. With stride f and padding (k − f)/2 the output is exactly
 * bilinear interpolation with align_corners=false, e.g. f = 2: k4 s2 p1,
 * w = [¼, ¾, ¾, ¼].
 */
export function bilinearKernel1d(f: number): Float32Array {
  const k = 2 * f - (f % 2);
  const c = (k - 1) / 2;
  const w = new Float32Array(k);
  for (let t = 0; t < k; t++) w[t] = 1 - Math.abs(t - c) / f;
  return w;
}

/** Geometry of the bilinear transposed convolution for scale f. */
export function bilinearGeometry(f: number): { kernel: number; stride: number; padding: number } {
  const kernel = 2 * f - (f % 2);
  return { kernel, stride: f, padding: (kernel - f) / 2 };
}

/** Outer product a ⊗ b as a k×k kernel (row-major). */
export function outer(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length * b.length);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i * b.length + j] = a[i] * b[j];
  return out;
}

/** The 3×3 binomial smoothing kernel [1 2 1]ᵀ[1 2 1] / 16 (sums to 1, so flat images stay flat). */
export function smoothingKernel(): Float32Array {
  const b = Float32Array.from([0.25, 0.5, 0.25]);
  return outer(b, b);
}

/**
 * One k×k kernel applied to each of `channels` channels on its own: weight
 * [channels, 1, k, k], to be used with groups = channels. The same layout is a
 * conv weight [Cout, Cin/g, k, k] and a convT weight [Cin, Cout/g, k, k].
 */
export function depthwise(kernel: Float32Array, channels: number): Weights {
  const k = Math.round(Math.sqrt(kernel.length));
  const data = new Float32Array(channels * kernel.length);
  for (let c = 0; c < channels; c++) data.set(kernel, c * kernel.length);
  return { data, shape: [channels, 1, k, k] };
}

/** The depthwise bilinear transposed-convolution weight for scale f (a real learnable-upsampler init). */
export function bilinearConvTranspose(channels: number, f: number): Weights {
  const w1 = bilinearKernel1d(f);
  return depthwise(outer(w1, w1), channels);
}

/**
 * ICNR (Aitken et al. 2017, "Checkerboard artifact free sub-pixel convolution"):
 * a conv that feeds pixelShuffle(r) gets r² copies of one base kernel, so right
 * after initialisation conv + shuffle equals "conv, then nearest-neighbour
 * upsample" and has no checkerboard. Base [Cout, Cin/g, k, k] → [Cout·r², Cin/g, k, k],
 * output channel c·r² + j copying base channel c: the CRD order that PyTorch's
 * pixel_shuffle (engine.pixelShuffle) reads. With groups = Cout the grouping
 * stays right, because channels c·r² … c·r² + r² − 1 all belong to group c.
 */
export function icnr(base: Weights, r: number): Weights {
  const [cOut, cInG, kh, kw] = base.shape;
  const per = cInG * kh * kw;
  const data = new Float32Array(cOut * r * r * per);
  for (let c = 0; c < cOut; c++) {
    const src = base.data.subarray(c * per, (c + 1) * per);
    for (let j = 0; j < r * r; j++) data.set(src, (c * r * r + j) * per);
  }
  return { data, shape: [cOut * r * r, cInG, kh, kw] };
}

/** Uniform random weights in [−bound, bound), bound = 1/√fanIn (PyTorch's default conv init scale). */
export function randomWeights(shape: [number, number, number, number], rand: () => number): Weights {
  const fanIn = shape[1] * shape[2] * shape[3];
  const bound = 1 / Math.sqrt(fanIn);
  const data = new Float32Array(shape[0] * fanIn);
  for (let i = 0; i < data.length; i++) data[i] = (rand() * 2 - 1) * bound;
  return { data, shape };
}
