/**
 * Overlap maps and the checkerboard report against the maths: known answers
 * from o = i·s − p + t·d, a brute-force count, and the CPU reference's
 * convT(ones, ones), which counts the same (input, tap) pairs.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../../src/cpu/index.js';
import { ArgumentError, checkerboardReport, convTransposeOutSize, lcm, overlapMap, overlapMap2d } from '../../src/index.js';
import { predictedPeriod } from '../../demo/src/explorer/compute.js';
import { randInt, rng } from '../helpers/random.js';

/** For each output o, the taps t with (o + p − t·d) a multiple of s whose input (o + p − t·d)/s exists. */
function bruteForce(k: number, s: number, p: number, d: number, n: number, op: number): number[] {
  const size = convTransposeOutSize(n, k, s, p, d, op);
  return Array.from({ length: size }, (_, o) => {
    let c = 0;
    for (let t = 0; t < k; t++) {
      const num = o + p - t * d;
      if (num % s === 0 && num / s >= 0 && num / s < n) c++;
    }
    return c;
  });
}

function randomGeometry(r: () => number): { k: number; s: number; p: number; d: number; op: number; n: number } {
  const k = randInt(r, 1, 7),
    s = randInt(r, 1, 5),
    d = randInt(r, 1, 3);
  const op = randInt(r, 0, Math.max(s, d) - 1);
  const n = randInt(r, 1, 12);
  const p = randInt(r, 0, Math.max(0, Math.floor((convTransposeOutSize(n, k, s, 0, d, op) - 1) / 2)));
  return { k, s, p, d, op, n };
}

describe('overlapMap: taps per output of a transposed convolution', () => {
  it('k3 s2: 1, 1, 2, 1, 2, …, 2, 1, 1 (interior alternates 2, 1)', () => {
    expect([...overlapMap(3, 2, 0, 1, 5)]).toEqual([1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1]);
  });

  it('k4 s2 p1: 2 everywhere but the two border outputs', () => {
    expect([...overlapMap(4, 2, 1, 1, 5)]).toEqual([1, 2, 2, 2, 2, 2, 2, 2, 2, 1]);
  });

  it('k1 s2: gaps, every other output gets no tap; op adds one more empty output at the end', () => {
    expect([...overlapMap(1, 2, 0, 1, 4)]).toEqual([1, 0, 1, 0, 1, 0, 1]);
    expect([...overlapMap(1, 2, 0, 1, 4, 1)]).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
  });

  it('== brute-force count for 300 random (k, s, p, d, op, n)', () => {
    const r = rng(12);
    for (let i = 0; i < 300; i++) {
      const g = randomGeometry(r);
      expect([...overlapMap(g.k, g.s, g.p, g.d, g.n, g.op)], JSON.stringify(g)).toEqual(bruteForce(g.k, g.s, g.p, g.d, g.n, g.op));
    }
  });

  it('2-D == CPU reference convT(ones input, ones 1→1 kernel) for 40 random per-axis geometries', () => {
    const r = rng(13);
    for (let i = 0; i < 40; i++) {
      const a = randomGeometry(r),
        b = randomGeometry(r);
      const g = {
        kernel: [a.k, b.k] as const,
        stride: [a.s, b.s] as const,
        padding: [a.p, b.p] as const,
        dilation: [a.d, b.d] as const,
        outputPadding: [a.op, b.op] as const,
      };
      const got = overlapMap2d(g, [a.n, b.n]);
      const ones = (shape: number[]): cpu.CpuTensor => cpu.cpuTensor(new Float32Array(shape.reduce((x, y) => x * y)).fill(1), shape);
      const want = cpu.convTranspose2d(ones([1, 1, a.n, b.n]), ones([1, 1, a.k, b.k]), null, {
        stride: g.stride,
        padding: g.padding,
        dilation: g.dilation,
        outputPadding: g.outputPadding,
      });
      expect([got.height, got.width]).toEqual(want.shape.slice(2));
      expect([...got.data], JSON.stringify({ a, b })).toEqual([...want.data]);
    }
  });

  it('the interior (every tap has its input) repeats the report pattern: map[o] == pattern[o mod s]', () => {
    const r = rng(14);
    for (let i = 0; i < 200; i++) {
      const g = randomGeometry(r);
      const n = g.n + 12; // long enough to have an interior
      const map = overlapMap(g.k, g.s, g.p, g.d, n, g.op);
      const { pattern } = checkerboardReport({ kernel: g.k, stride: g.s, padding: g.p, dilation: g.d, outputPadding: g.op }).axes[0];
      for (let o = (g.k - 1) * g.d - g.p; o <= (n - 1) * g.s - g.p; o++) {
        if (o >= 0 && o < map.length) expect(map[o], JSON.stringify({ ...g, n, o })).toBe(pattern[o % g.s]);
      }
    }
  });

  it('refuses outputPadding >= max(stride, dilation), naming the rule', () => {
    expect(() => overlapMap(3, 2, 0, 1, 4, 2)).toThrow(ArgumentError);
    expect(() => overlapMap(3, 2, 0, 1, 4, 2)).toThrow(/outputPadding 2 must be < max\(stride 2, dilation 1\)/);
  });
});

describe('checkerboardReport', () => {
  it('k3 s2: uneven, pattern [2, 1], 2-D interior 1…4 taps (ratio 4), period 2', () => {
    const rep = checkerboardReport({ kernel: 3, stride: 2 });
    expect(rep.verdict).toBe('uneven');
    expect(rep.axes[0].pattern).toEqual([2, 1]);
    expect([rep.min, rep.max, rep.ratio]).toEqual([1, 4, 4]);
    expect(rep.period).toEqual([2, 2]);
    expect(rep.summary).toMatch(/^k3 s2: uneven overlap: interior outputs receive 1 to 4 taps \(ratio 4\)/);
  });

  it('k4 s2 p1: balanced, 4 taps everywhere (2 per axis)', () => {
    const rep = checkerboardReport({ kernel: 4, stride: 2, padding: 1 });
    expect(rep.verdict).toBe('balanced');
    expect([rep.min, rep.max, rep.ratio]).toEqual([4, 4, 1]);
    expect(rep.summary).toMatch(/balanced.*phase sums/);
  });

  it('k1 s2: gaps (ratio Infinity); k3 s2 d2: gaps too (dilation shares the factor 2 with the stride)', () => {
    for (const g of [
      { kernel: 1, stride: 2 },
      { kernel: 3, stride: 2, dilation: 2 },
    ]) {
      const rep = checkerboardReport(g);
      expect(rep.verdict, JSON.stringify(g)).toBe('gaps');
      expect(rep.min).toBe(0);
      expect(rep.ratio).toBe(Infinity);
      expect(rep.summary).toMatch(/gaps: 3 of every 4 interior outputs receive no tap/);
    }
  });

  it('d = 1: gaps iff k < s, balanced iff s divides k, else uneven (k, s in 1..8)', () => {
    for (let k = 1; k <= 8; k++) {
      for (let s = 1; s <= 8; s++) {
        const want = k < s ? 'gaps' : k % s === 0 ? 'balanced' : 'uneven';
        expect(checkerboardReport({ kernel: k, stride: s }).verdict, `k${k} s${s}`).toBe(want);
      }
    }
  });

  it('per-axis: the worse axis decides, and the 2-D min/max are the products', () => {
    const rep = checkerboardReport({ kernel: [4, 3], stride: 2 });
    expect(rep.verdict).toBe('uneven');
    expect([rep.min, rep.max]).toEqual([2, 4]);
    expect(rep.summary).toMatch(/k4 s2 \(height\) × k3 s2 \(width\)/);
  });

  it('encoder stride: period lcm(s_enc, s_dec); lcm(2, 3) = 6; in encoder outputs it is the explorer prediction', () => {
    expect(lcm(2, 3)).toBe(6);
    expect(checkerboardReport({ kernel: 3, stride: 3 }, { encoderStride: 2 }).period).toEqual([6, 6]);
    for (let sEnc = 1; sEnc <= 5; sEnc++) {
      for (let sDec = 1; sDec <= 5; sDec++) {
        const [period] = checkerboardReport({ kernel: 3, stride: sDec }, { encoderStride: sEnc }).period;
        expect(period / sEnc, `s_enc ${sEnc} s_dec ${sDec}`).toBe(predictedPeriod({ kEnc: 3, sEnc, kDec: 3, sDec, order: 'dec-enc' }));
      }
    }
  });

  it('refuses a typo-free but invalid geometry with a typed error', () => {
    expect(() => checkerboardReport({ kernel: 0, stride: 2 })).toThrow(ArgumentError);
    expect(() => checkerboardReport({ kernel: 3, stride: 2, outputPadding: 2 })).toThrow(/outputPadding 2 must be < max/);
  });
});
