/**
 * Kernel balance of a learned transposed convolution.
 *
 * A stride-s convT is s² ordinary convolutions interleaved: output (oy, ox)
 * only receives the taps (ty, tx) whose phase (t·d mod s, see tapPhase)
 * matches ((oy + p) mod s, (ox + p) mod s). For a constant input x ≡ c_ci per
 * input channel, an interior output of channel co at phase φ is therefore
 *   y = b_co + Σ_ci c_ci · S_φ(ci, co),   S_φ(ci, co) = Σ_{t ∈ phase φ} w[ci, co, t],
 * so a constant input gives a constant output for every choice of the c_ci
 * exactly when, for each channel pair, the s² phase sums S_φ are equal. Equal
 * overlap counts (k a multiple of s) are not enough: the sums of learned
 * weights differ, and the difference is the checkerboard a flat region shows.
 */
import { ShapeError } from '../core/errors.js';
import { checkShape, fmt, pair, sizeOf, type Pair, type Shape } from '../core/params.js';
import { tapPhase } from './overlap.js';

export interface PhaseSums {
  /** [sH, sW]: the sub-kernel grid; phase φ = a·sW + b for vertical phase a, horizontal phase b. */
  stride: [number, number];
  phases: number;
  /** Cin and Cout/groups of the weight: pair (ci, co) is entry ci·coPerGroup + co. */
  cIn: number;
  coPerGroup: number;
  /** [Cin, Cout/g, sH·sW]: the sum of each phase sub-kernel per channel pair. */
  sums: Float64Array;
  /** [Cin, Cout/g]: max |S_φ| / min |S_φ| (Infinity when a phase sums to 0 and another does not; 1 when all are 0). */
  ratio: Float64Array;
  /** [Cin, Cout/g]: coefficient of variation of the sums, std / |mean| (population std; Infinity for mean 0 and std > 0, 0 when all equal). */
  cv: Float64Array;
  /** [Cin, Cout/g]: max S_φ − min S_φ, which stays meaningful when the sums change sign. */
  spread: Float64Array;
  /** The largest ratio, cv and spread over all channel pairs. */
  maxRatio: number;
  maxCv: number;
  maxSpread: number;
}

/**
 * Splits a convT weight [Cin, Cout/g, kH, kW] into its sH·sW phase sub-kernels
 * and reports, per channel pair, the sum of each and how unequal they are.
 * `dilation` (default 1) changes which taps share a phase (t·d mod s).
 * A phase with no taps (k < s) sums to 0: those outputs only get the bias.
 */
export function phaseSums(weight: Float32Array | Float64Array, shape: Shape, stride: Pair, dilation: Pair = 1): PhaseSums {
  const op = 'phaseSums';
  checkShape(op, 'weight', shape, 4);
  if (weight.length !== sizeOf(shape))
    throw new ShapeError(`${op}: weight has ${weight.length} elements, shape ${fmt(shape)} needs ${sizeOf(shape)}`);
  const s = pair(op, 'stride', stride, 1, { min: 1 });
  const d = pair(op, 'dilation', dilation, 1, { min: 1 });
  const [cIn, coPerGroup, kH, kW] = shape;
  const phases = s[0] * s[1];
  const pairs = cIn * coPerGroup;
  const sums = new Float64Array(pairs * phases);
  const ratio = new Float64Array(pairs);
  const cv = new Float64Array(pairs);
  const spread = new Float64Array(pairs);
  for (let q = 0; q < pairs; q++) {
    const w = q * kH * kW;
    const out = sums.subarray(q * phases, (q + 1) * phases);
    for (let ty = 0; ty < kH; ty++) {
      for (let tx = 0; tx < kW; tx++) out[tapPhase(ty, s[0], d[0]) * s[1] + tapPhase(tx, s[1], d[1])] += weight[w + ty * kW + tx];
    }
    let lo = Infinity,
      hi = -Infinity,
      absLo = Infinity,
      absHi = 0,
      mean = 0;
    for (const v of out) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      absLo = Math.min(absLo, Math.abs(v));
      absHi = Math.max(absHi, Math.abs(v));
      mean += v / phases;
    }
    let variance = 0;
    for (const v of out) variance += (v - mean) ** 2 / phases;
    const std = Math.sqrt(variance);
    spread[q] = hi - lo;
    ratio[q] = absHi === 0 ? 1 : absLo === 0 ? Infinity : absHi / absLo;
    cv[q] = std === 0 ? 0 : mean === 0 ? Infinity : std / Math.abs(mean);
  }
  const maxOf = (a: Float64Array): number => a.reduce((m, v) => Math.max(m, v), 0);
  return {
    stride: s,
    phases,
    cIn,
    coPerGroup,
    sums,
    ratio,
    cv,
    spread,
    maxRatio: maxOf(ratio),
    maxCv: maxOf(cv),
    maxSpread: maxOf(spread),
  };
}
