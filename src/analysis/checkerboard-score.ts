/**
 * Checkerboard score of an upsampler's OUTPUT: the fraction of its non-DC
 * spectral energy that sits at the stride's frequencies. Meant for the output
 * of a flat or smooth input, which has no energy there of its own: a balanced
 * upsampler scores ≈ 0, one whose phases differ (a k3 s2 convT) scores near 1.
 *
 * Per channel, with z = x − mean(x) (so the DC term is 0) and the 2-D DFT
 *   Z(u, v) = Σ_{h,w} z[h, w] · e^{−2πi (u·h/H + v·w/W)},
 * the stride-s frequencies are (u, v) = (a·H/s, b·W/s), a, b ∈ 0 … s−1, not both 0:
 * exactly the DFT frequencies of the s-periodic images. There e^{−2πi a h/s} only
 * depends on h mod s, so Z is a direct sum over the s² phase sums
 *   P[p, q] = Σ_{h ≡ p, w ≡ q (mod s)} z[h, w],   Z(a, b) = Σ_{p,q} P[p, q] · e^{−2πi (a p + b q)/s}
 * (O(H·W + s⁴), no FFT). The total non-DC energy is, by Parseval,
 *   Σ_{(u,v)} |Z(u, v)|² = H·W · Σ z².
 *   score = Σ_c Σ_{(a,b)≠0} |Z_c(a, b)|² / Σ_c H·W·Σ z_c²  ∈ [0, 1]
 * (channels pooled by energy, so a channel with more variation counts more;
 * 0 for an image with no non-DC energy at all). The whole image counts, borders
 * included: a checkerboard-free upsampler's flat output varies only at its
 * (zero-padded) border, whose energy spreads over all frequencies, and a
 * symmetric border has none at the stride's (the two edges' phases cancel).
 * H and W must be multiples of the stride (a ×s upsampler's output is), since
 * otherwise a·H/s is not a DFT frequency.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { int } from '../core/params.js';

/** C planes of H×W, row-major: data[(c·H + h)·W + w]. */
export interface ScoreImage {
  data: ArrayLike<number>;
  channels: number;
  height: number;
  width: number;
}

export interface FrequencyEnergy {
  /** Multiples of the base frequency: (u, v) = (a·H/s, b·W/s). */
  a: number;
  b: number;
  /** The DFT frequency indices u = a·H/s, v = b·W/s. */
  u: number;
  v: number;
  /** Σ_c |Z_c(u, v)|². */
  energy: number;
  /** energy / total non-DC energy (these sum to `score`). */
  fraction: number;
}

export interface CheckerboardScore {
  /** Fraction of the non-DC energy at the stride's frequencies, in [0, 1]. */
  score: number;
  /** The s² − 1 stride frequencies, a-major, with their energies. */
  perFrequency: FrequencyEnergy[];
  /** Σ_c H·W·Σ z_c²: the non-DC spectral energy (Parseval). */
  totalEnergy: number;
}

export function checkerboardScore(image: ScoreImage, stride: number): CheckerboardScore {
  const op = 'checkerboardScore';
  const s = int(op, 'stride', stride, { min: 1 });
  const { data, channels: C, height: H, width: W } = image;
  for (const [name, v] of [
    ['channels', C],
    ['height', H],
    ['width', W],
  ] as const)
    int(op, `image.${name}`, v, { min: 1 });
  if (data.length !== C * H * W)
    throw new ShapeError(`${op}: image.data has ${data.length} elements but ${C}×${H}×${W} needs ${C * H * W}`);
  if (H % s !== 0 || W % s !== 0) {
    throw new ArgumentError(
      `${op}: image ${H}×${W} must be a multiple of the stride ${s} in both axes (else a·H/s is not a DFT frequency)`,
    );
  }
  const energy = new Float64Array(s * s);
  const phase = new Float64Array(s * s);
  let total = 0;
  for (let c = 0; c < C; c++) {
    const base = c * H * W;
    let mean = 0;
    for (let i = 0; i < H * W; i++) mean += data[base + i];
    mean /= H * W;
    phase.fill(0);
    let sq = 0;
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        const z = data[base + h * W + w] - mean;
        sq += z * z;
        phase[(h % s) * s + (w % s)] += z;
      }
    }
    total += H * W * sq;
    for (let a = 0; a < s; a++) {
      for (let b = 0; b < s; b++) {
        if (a === 0 && b === 0) continue;
        let re = 0;
        let im = 0;
        for (let p = 0; p < s; p++) {
          for (let q = 0; q < s; q++) {
            const angle = (-2 * Math.PI * (a * p + b * q)) / s;
            re += phase[p * s + q] * Math.cos(angle);
            im += phase[p * s + q] * Math.sin(angle);
          }
        }
        energy[a * s + b] += re * re + im * im;
      }
    }
  }
  const perFrequency: FrequencyEnergy[] = [];
  let at = 0;
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) {
      if (a === 0 && b === 0) continue;
      const e = energy[a * s + b];
      at += e;
      perFrequency.push({ a, b, u: (a * H) / s, v: (b * W) / s, energy: e, fraction: total > 0 ? e / total : 0 });
    }
  }
  // The stride-frequency energy is a part of the total: clamp the rounding of a ratio that is 1 in exact arithmetic.
  return { score: total > 0 ? Math.min(1, at / total) : 0, perFrequency, totalEnergy: total };
}
