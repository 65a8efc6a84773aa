/**
 * Phase sums of a convT kernel: the s² sub-kernels, and the statement that a
 * constant input gives, at phase φ, bias + Σ_ci c_ci·S_φ(ci, co).
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../../src/cpu/index.js';
import { phaseSums, ShapeError } from '../../src/index.js';
import { randomData, rng } from '../helpers/random.js';

describe('phaseSums', () => {
  it('all-ones k3 s2: the phase sums are the tap counts 2·2, 2·1, 1·2, 1·1 (ratio 4)', () => {
    const ps = phaseSums(new Float32Array(9).fill(1), [1, 1, 3, 3], 2);
    expect([...ps.sums]).toEqual([4, 2, 2, 1]);
    expect(ps.ratio[0]).toBe(4);
    expect(ps.spread[0]).toBe(3);
    expect(ps.cv[0]).toBeCloseTo(Math.sqrt(4.75 / 4) / 2.25, 12); // mean 2.25, population variance (1.75² + 0.25² + 0.25² + 1.25²)/4
  });

  it('k1 s2: three of the four phases are empty (ratio Infinity)', () => {
    const ps = phaseSums(Float32Array.of(0.5), [1, 1, 1, 1], 2);
    expect([...ps.sums]).toEqual([0.5, 0, 0, 0]);
    expect(ps.maxRatio).toBe(Infinity);
  });

  it('constant input through convT: interior output at phase φ == bias + Σ_ci c_ci·S_φ(ci, co) (random kernels, k4 s2 and k5 s3)', () => {
    const r = rng(41);
    for (const [k, s] of [
      [4, 2],
      [5, 3],
      [3, 2],
    ]) {
      const [cIn, cOut, n] = [3, 2, 7];
      const w = randomData(cIn * cOut * k * k, r);
      const b = randomData(cOut, r);
      const c = randomData(cIn, r);
      const x = new Float32Array(cIn * n * n);
      for (let ci = 0; ci < cIn; ci++) x.fill(c[ci], ci * n * n, (ci + 1) * n * n);
      const y = cpu.convTranspose2d(cpu.cpuTensor(x, [1, cIn, n, n]), cpu.cpuTensor(w, [cIn, cOut, k, k]), cpu.cpuTensor(b, [cOut]), {
        stride: s,
      });
      const ps = phaseSums(w, [cIn, cOut, k, k], s);
      const [, , H, W] = y.shape;
      for (let co = 0; co < cOut; co++) {
        for (let i = k - 1; i <= (n - 1) * s; i++) {
          for (let j = k - 1; j <= (n - 1) * s; j++) {
            let want = b[co];
            for (let ci = 0; ci < cIn; ci++) want += c[ci] * ps.sums[(ci * cOut + co) * s * s + (i % s) * s + (j % s)];
            expect(y.data[(co * H + i) * W + j], JSON.stringify({ k, s, co, i, j })).toBeCloseTo(want, 5);
          }
        }
      }
    }
  });

  it('dilation regroups the taps: k3 s2 d2 puts every tap in phase 0', () => {
    const ps = phaseSums(new Float32Array(9).fill(1), [1, 1, 3, 3], 2, 2);
    expect([...ps.sums]).toEqual([9, 0, 0, 0]);
  });

  it('a weight whose length does not match its shape is a ShapeError', () => {
    expect(() => phaseSums(new Float32Array(8), [1, 1, 3, 3], 2)).toThrow(ShapeError);
  });
});
