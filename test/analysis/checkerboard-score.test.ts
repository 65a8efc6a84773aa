/** checkerboardScore: the fraction of an output's non-DC energy at the stride's frequencies (a·H/s, b·W/s). */
import { describe, expect, it } from 'vitest';
import * as cpu from '../../src/cpu/index.js';
import { ArgumentError, bilinearConvTranspose, checkerboardScore, type ScoreImage } from '../../src/index.js';
import { randomData, rng } from '../helpers/random.js';

function image(channels: number, H: number, W: number, f: (c: number, h: number, w: number) => number): ScoreImage {
  const data = new Float64Array(channels * H * W);
  for (let c = 0; c < channels; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) data[(c * H + h) * W + w] = f(c, h, w);
  return { data, channels, height: H, width: W };
}

/** The convT output of a constant input (value 0.5), as a ScoreImage. */
function flatConvT(
  weight: Float32Array,
  shape: [number, number, number, number],
  options: { stride: number; padding: number; outputPadding?: number; groups?: number },
  size = 16,
): ScoreImage {
  const cIn = shape[0];
  const x = { data: new Float32Array(cIn * size * size).fill(0.5), shape: [1, cIn, size, size] };
  const y = cpu.convTranspose2d(x, { data: weight, shape }, null, options);
  return { data: y.data, channels: y.shape[1], height: y.shape[2], width: y.shape[3] };
}

describe('checkerboardScore', () => {
  it('a pure checkerboard (−1)^(h+w) scores 1 for s = 2, all of it at (H/2, W/2)', () => {
    const r = checkerboardScore(
      image(2, 8, 10, (_c, h, w) => 3 + (-1) ** (h + w)),
      2,
    );
    expect(r.score).toBeCloseTo(1, 12);
    expect(r.perFrequency.map((f) => [f.a, f.b, f.u, f.v])).toEqual([
      [0, 1, 0, 5],
      [1, 0, 4, 0],
      [1, 1, 4, 5],
    ]);
    expect(r.perFrequency[2].fraction).toBeCloseTo(1, 12);
    // |Z(4, 5)|² = (H·W)² per channel, and Parseval's total is H·W·Σz² = (H·W)² too.
    expect(r.perFrequency[2].energy).toBeCloseTo(2 * 80 * 80, 6);
    expect(r.totalEnergy).toBeCloseTo(2 * 80 * 80, 6);
  });

  it('stripes of period 2 along w score 1 at (0, W/2) only; period 3 at s = 3 scores 1', () => {
    const r = checkerboardScore(
      image(1, 6, 6, (_c, _h, w) => w % 2),
      2,
    );
    expect(r.score).toBeCloseTo(1, 12);
    expect(r.perFrequency[0].fraction).toBeCloseTo(1, 12);
    expect(
      checkerboardScore(
        image(1, 9, 12, (_c, h, w) => ((h % 3) * 2 + (w % 3)) ** 2),
        3,
      ).score,
    ).toBeCloseTo(1, 12);
  });

  it('a smooth image scores ≈ 0: a low-frequency cosine exactly 0, a ramp 3/H² (its wrap-around jump), < 1e-3 at 64×64', () => {
    const cosine = checkerboardScore(
      image(1, 32, 32, (_c, h, w) => Math.cos((2 * Math.PI * h) / 32) + Math.sin((2 * Math.PI * 2 * w) / 32)),
      2,
    );
    expect(cosine.score).toBeLessThan(1e-28);
    const ramp = checkerboardScore(
      image(3, 64, 64, (c, h, w) => 0.2 + (0.6 * (h + w)) / 126 + c),
      2,
    );
    expect(ramp.score).toBeLessThan(1e-3);
  });

  it('a random k3 s2 convT of a flat image scores > 0.5; bilinear k4 s2 scores < 1e-6', () => {
    const r = rng(61);
    for (let seed = 0; seed < 5; seed++) {
      const w = randomData(2 * 3 * 9, r);
      const score = checkerboardScore(flatConvT(w, [2, 3, 3, 3], { stride: 2, padding: 1, outputPadding: 1 }), 2).score;
      expect(score, `k3 s2 random convT seed ${seed}`).toBeGreaterThan(0.5);
    }
    const bil = bilinearConvTranspose(3, 2);
    const score = checkerboardScore(flatConvT(bil.data, bil.shape, { stride: 2, padding: 1, groups: 3 }), 2).score;
    expect(score, 'bilinear k4 s2 convT').toBeLessThan(1e-6);
  });

  it('0 for a flat image (no non-DC energy); sizes that are not multiples of the stride are refused by name', () => {
    expect(
      checkerboardScore(
        image(1, 4, 4, () => 7),
        2,
      ).score,
    ).toBe(0);
    expect(() =>
      checkerboardScore(
        image(1, 5, 4, () => 0),
        2,
      ),
    ).toThrow(ArgumentError);
    expect(() =>
      checkerboardScore(
        image(1, 5, 4, () => 0),
        2,
      ),
    ).toThrow('checkerboardScore: image 5×4 must be a multiple of the stride 2');
    expect(() =>
      checkerboardScore(
        image(1, 4, 4, () => 0),
        0,
      ),
    ).toThrow('checkerboardScore: stride 0 must be >= 1');
    expect(() => checkerboardScore({ data: new Float32Array(3), channels: 1, height: 2, width: 2 }, 2)).toThrow(
      'checkerboardScore: image.data has 3 elements but 1×2×2 needs 4',
    );
  });
});
