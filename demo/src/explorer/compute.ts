/**
 * The explorer's pictures, each computed by the engine (no DOM here, so the
 * same code runs in Node tests).
 *
 * Why a constant input: a good upsampler maps a flat image to a flat image.
 * Whatever pattern comes out of a constant input is an artifact the layer adds
 * by itself: the checkerboard.
 */
import { convOutSize, convTransposeOutSize, lcm, type Engine, type Tensor } from '../../../src/index.js';
import { icnr, randomWeights, seededRandom, type Weights } from '../weights.js';

export interface Grid {
  data: Float32Array;
  height: number;
  width: number;
}

export interface ConvTGeometry {
  k: number;
  s: number;
  p: number;
  d: number;
  /** outputPadding. */
  op: number;
}

async function readGrid(t: Tensor): Promise<Grid> {
  const [, , height, width] = t.shape;
  return { data: await t.read(), height, width };
}

/** Runs `f` on tensors it creates through `make`, disposing all of them afterwards. */
async function scoped<T>(
  engine: Engine,
  f: (make: (data: Float32Array, shape: number[]) => Tensor, keep: (t: Tensor) => Tensor) => Promise<T>,
): Promise<T> {
  const owned: Tensor[] = [];
  const keep = (t: Tensor): Tensor => (owned.push(t), t);
  try {
    return await f((data, shape) => keep(engine.tensor(data, shape)), keep);
  } finally {
    for (const t of owned) t.dispose();
  }
}

const ones = (n: number): Float32Array => new Float32Array(n).fill(1);
const tensorOf = (make: (d: Float32Array, s: number[]) => Tensor, w: Weights): Tensor => make(w.data, w.shape);

/**
 * How many input taps reach each output pixel: convTranspose2d of an all-ones
 * n×n input with an all-ones 1→1 k×k kernel. Each input pixel adds 1 to every
 * output its kernel covers, so the output IS the overlap count. Zeros are gaps
 * (outputs no tap reaches: k < s, or dilation sharing a factor with s).
 */
export function overlapMap(engine: Engine, n: number, g: ConvTGeometry): Promise<Grid> {
  return constantThroughConvT(engine, n, g, { data: ones(g.k * g.k), shape: [1, 1, g.k, g.k] });
}

/** A constant (all-ones) n×n image through a 1→1 transposed conv with the given kernel. */
export function constantThroughConvT(engine: Engine, n: number, g: ConvTGeometry, kernel: Weights): Promise<Grid> {
  return scoped(engine, async (make, keep) => {
    const y = keep(
      engine.convTranspose2d(make(ones(n * n), [1, 1, n, n]), tensorOf(make, kernel), null, {
        stride: g.s,
        padding: g.p,
        dilation: g.d,
        outputPadding: g.op,
      }),
    );
    return readGrid(y);
  });
}

/** A k×k kernel with uniform random entries in [0, 1) (positive, so outputs relate to the overlap count). */
export function randomPositiveKernel(k: number, seed: number): Weights {
  const r = seededRandom(seed);
  return { data: new Float32Array(k * k).map(() => r()), shape: [1, 1, k, k] };
}

/**
 * A constant n×n image through "conv k×k to r² channels, then pixelShuffle(r)",
 * with random (PyTorch-default-scaled) or ICNR weights. Random: each of the r²
 * sub-pixel channels sums its own kernel, so the output tiles an r×r pattern.
 * ICNR: all r² kernels are copies, so the output is flat.
 */
export function pixelShuffleConstant(
  engine: Engine,
  n: number,
  r: number,
  k: number,
  init: 'random' | 'icnr',
  seed: number,
): Promise<Grid> {
  const rand = seededRandom(seed);
  const w = init === 'random' ? randomWeights([r * r, 1, k, k], rand) : icnr(randomWeights([1, 1, k, k], rand), r);
  return scoped(engine, async (make, keep) => {
    const z = keep(engine.conv2d(make(ones(n * n), [1, 1, n, n]), tensorOf(make, w), null, {}));
    return readGrid(keep(engine.pixelShuffle(z, r)));
  });
}

export interface EncoderDecoder {
  kEnc: number;
  sEnc: number;
  kDec: number;
  sDec: number;
  /** 'dec-enc': convT first, then the strided conv samples its periodic output. */
  order: 'enc-dec' | 'dec-enc';
}

/**
 * A constant n×n image through an encoder conv (k_enc, stride s_enc) and a
 * decoder convT (k_dec, stride s_dec), in the given order, with random
 * positive kernels (padding 0, so every value away from the border sees full windows).
 */
export function encoderDecoder(engine: Engine, n: number, e: EncoderDecoder, seed: number): Promise<Grid> {
  return scoped(engine, async (make, keep) => {
    const enc = tensorOf(make, randomPositiveKernel(e.kEnc, seed));
    const dec = tensorOf(make, randomPositiveKernel(e.kDec, seed + 1));
    const x = make(ones(n * n), [1, 1, n, n]);
    const conv = (t: Tensor): Tensor => keep(engine.conv2d(t, enc, null, { stride: e.sEnc }));
    const convT = (t: Tensor): Tensor => keep(engine.convTranspose2d(t, dec, null, { stride: e.sDec }));
    const y = e.order === 'enc-dec' ? convT(conv(x)) : conv(convT(x));
    return readGrid(y);
  });
}

/** Output width of encoderDecoder for an n×n input (padding 0 throughout). */
export function encoderDecoderWidth(n: number, e: EncoderDecoder): number {
  const enc = (w: number): number => convOutSize(w, e.kEnc, e.sEnc, 0, 1);
  const dec = (w: number): number => convTransposeOutSize(w, e.kDec, e.sDec, 0, 1, 0);
  return e.order === 'enc-dec' ? dec(enc(n)) : enc(dec(n));
}

/**
 * The smallest input size (at least 8) whose output shows three whole periods
 * between the borders, so the period can be read off reliably.
 */
export function encoderDecoderInputSize(e: EncoderDecoder): number {
  const need = 3 * predictedPeriod(e) + 2 * periodMargin(e) + 1;
  let n = Math.max(8, e.kEnc);
  while (encoderDecoderWidth(n, e) < need) n++;
  return n;
}

/** Least common multiple (the library's, which checkerboardReport uses for the same period). */
export { lcm };

/**
 * The period, in output pixels, that theory predicts for a constant image.
 * enc-dec: the encoder's output is constant, so only the decoder's s_dec shows.
 * dec-enc: the decoder's output repeats every s_dec pixels; sampling it every
 * s_enc pixels repeats after lcm(s_enc, s_dec) upsampled pixels, which is
 * lcm / s_enc = s_dec / gcd(s_enc, s_dec) output pixels.
 */
export function predictedPeriod(e: EncoderDecoder): number {
  return e.order === 'enc-dec' ? e.sDec : lcm(e.sEnc, e.sDec) / e.sEnc;
}

/**
 * Output pixels at each border that do not see the full pattern (padding is 0).
 * enc-dec: the encoder's output is exactly constant; decoder outputs closer than
 * k_dec − 1 to the border get fewer taps. dec-enc: the decoder's output is
 * short of taps within k_dec − 1 upsampled px of the border, which the encoder
 * reads up to ceil((k_dec − 1)/s_enc) outputs in (one more for its own window).
 */
export function periodMargin(e: EncoderDecoder): number {
  return e.order === 'enc-dec' ? e.kDec - 1 : Math.ceil((e.kDec - 1) / e.sEnc) + 1;
}

/**
 * The smallest P with g[y][x] = g[y][x + P] (relative tolerance 1e-4) for every
 * interior row y and every x in [margin, width − margin − P): the horizontal
 * repeat length away from the border (every row, since one row alone can sit in
 * a gap and look flat). Null when the interior is too short to tell.
 */
export function measuredPeriod(g: Grid, margin: number): number | null {
  const lo = margin;
  const hi = g.width - margin;
  const rows: Float32Array[] = [];
  for (let y = margin; y < g.height - margin; y++) rows.push(g.data.subarray(y * g.width, (y + 1) * g.width));
  let scale = 0;
  for (const row of rows) for (let i = lo; i < hi; i++) scale = Math.max(scale, Math.abs(row[i]));
  const tol = 1e-4 * Math.max(scale, 1e-12);
  for (let P = 1; 2 * P <= hi - lo; P++) {
    const repeats = rows.every((row) => {
      for (let i = lo; i + P < hi; i++) if (Math.abs(row[i] - row[i + P]) > tol) return false;
      return true;
    });
    if (repeats) return P;
  }
  return null;
}

/**
 * A uniform k×k kernel scaled to s²/k²: where the taps tile the output evenly
 * (k a multiple of s, no gaps) a constant 1 comes out as a constant 1, so any
 * other value in the picture is the layer's own artifact.
 */
export function uniformKernel(k: number, s: number): Weights {
  return { data: new Float32Array(k * k).fill((s * s) / (k * k)), shape: [1, 1, k, k] };
}
