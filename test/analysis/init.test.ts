/**
 * Initialisers against what they promise: He statistics within a confidence
 * interval derived from the sample size, fans per layout, ICNR == conv then
 * nearest upsample, balanced phase sums, bilinear convT == bilinear resize.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../../src/cpu/index.js';
import {
  ArgumentError,
  balancedConvTranspose,
  bilinearConvTranspose,
  bilinearGeometry,
  fans,
  gain,
  icnr,
  icnrInit,
  kaimingNormal,
  kaimingStd,
  kaimingUniform,
  normalSource,
  phaseSums,
  pytorchDefaultWeights,
  seededRandom,
} from '../../src/index.js';
import { randomTensor, rng } from '../helpers/random.js';

function moments(a: Float32Array): { mean: number; variance: number } {
  let mean = 0;
  for (const v of a) mean += v / a.length;
  let variance = 0;
  for (const v of a) variance += (v - mean) ** 2 / a.length;
  return { mean, variance };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const t = (data: Float32Array, shape: number[]): cpu.CpuTensor => cpu.cpuTensor(data, shape);

describe('fans: which axis is the input', () => {
  it('conv [Cout, Cin/g, kH, kW]: fan_in = Cin/g·k², fan_out = Cout/g·k² (PyTorch: Cout·k²)', () => {
    expect(fans([64, 32, 3, 3])).toEqual({ fanIn: 288, fanOut: 576 });
    expect(fans([64, 16, 3, 3], { groups: 4 })).toEqual({ fanIn: 144, fanOut: 144 });
    expect(fans([64, 16, 3, 3], { convention: 'torch' })).toEqual({ fanIn: 144, fanOut: 576 });
  });

  it('convT [Cin, Cout/g, kH, kW]: fan_in = Cin/g·k²/s² (stride s), fan_out = Cout/g·k²; PyTorch reads them the other way', () => {
    expect(fans([32, 64, 4, 4], { layout: 'convTranspose' })).toEqual({ fanIn: 512, fanOut: 1024 });
    expect(fans([32, 64, 4, 4], { layout: 'convTranspose', stride: 2 })).toEqual({ fanIn: 128, fanOut: 1024 });
    expect(fans([32, 64, 4, 4], { layout: 'convTranspose', stride: 2, convention: 'torch' })).toEqual({ fanIn: 1024, fanOut: 512 });
    expect(fans([32, 16, 4, 4], { layout: 'convTranspose', groups: 4, stride: [2, 1] })).toEqual({ fanIn: 64, fanOut: 256 });
  });

  it('gain: √2 for relu, √(2/(1 + a²)) for leaky_relu, 1 for linear; std = gain/√fan', () => {
    expect(gain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(gain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 12);
    expect(gain('linear')).toBe(1);
    expect(kaimingStd([8, 4, 3, 3], { mode: 'fan_out', nonlinearity: 'linear' })).toBeCloseTo(1 / Math.sqrt(72), 12);
  });

  it('typed errors name the argument', () => {
    expect(() => fans([6, 4, 3, 3], { groups: 4 })).toThrow(/dim 0 \(Cout\) 6 must be divisible by groups 4/);
    expect(() => kaimingNormal([4, 4, 3, 3], { mode: 'fan_inn' as 'fan_in' })).toThrow(ArgumentError);
    expect(() => kaimingNormal([4, 4, 3, 3], { seeed: 1 } as object)).toThrow(/did you mean 'seed'/);
  });
});

describe('He initialisation statistics (N = 256·128·3·3 = 294,912 samples, 5σ intervals)', () => {
  const shape = [256, 128, 3, 3];
  const n = 256 * 128 * 9;
  const sigma2 = 2 / (128 * 9);

  it('normal: mean 0 ± 5σ/√N, variance 2/fan_in ± 5·σ²·√(2/N), 68.3% within one σ', () => {
    const w = kaimingNormal(shape, { seed: 1 });
    const { mean, variance } = moments(w.data);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(sigma2 / n));
    expect(Math.abs(variance - sigma2)).toBeLessThan(5 * sigma2 * Math.sqrt(2 / n));
    const within = w.data.filter((v) => Math.abs(v) < Math.sqrt(sigma2)).length / n;
    expect(Math.abs(within - 0.682689)).toBeLessThan(5 * Math.sqrt((0.6827 * 0.3173) / n));
  });

  it('uniform: same variance (± 5·σ²·√(0.8/N), the fourth moment of a uniform), bounded by √3·σ', () => {
    const w = kaimingUniform(shape, { seed: 2, mode: 'fan_out' });
    const s2 = 2 / (256 * 9);
    const { mean, variance } = moments(w.data);
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(s2 / n));
    expect(Math.abs(variance - s2)).toBeLessThan(5 * s2 * Math.sqrt(0.8 / n));
    expect(w.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeLessThanOrEqual(Math.sqrt(3 * s2));
  });

  it('normalSource: standard normal moments (mean 0, variance 1, kurtosis 3)', () => {
    const z = normalSource(5);
    const a = Float32Array.from({ length: 200_000 }, () => z());
    const { mean, variance } = moments(a);
    let m4 = 0;
    for (const v of a) m4 += v ** 4 / a.length;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(a.length));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / a.length));
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / a.length));
  });

  it('seeded: the same seed gives the same weights, another seed others; a generator works as a seed', () => {
    expect(kaimingNormal([4, 4, 3, 3], { seed: 9 }).data).toEqual(kaimingNormal([4, 4, 3, 3], { seed: 9 }).data);
    expect(kaimingNormal([4, 4, 3, 3], { seed: 9 }).data).not.toEqual(kaimingNormal([4, 4, 3, 3], { seed: 10 }).data);
    expect(kaimingUniform([4, 4, 3, 3], { seed: seededRandom(3) }).data).toEqual(kaimingUniform([4, 4, 3, 3], { seed: 3 }).data);
    const w = pytorchDefaultWeights([8, 4, 3, 3], 4);
    expect(Math.max(...w.data.map(Math.abs))).toBeLessThan(1 / 6);
  });

  it('convT with the effective fan_in Cin·k²/s² keeps the output variance at gain² = 2 (k4 s2 p1, unit-variance input)', () => {
    const cIn = 64,
      cOut = 8;
    const w = kaimingNormal([cIn, cOut, 4, 4], { layout: 'convTranspose', stride: 2, seed: 6 });
    const z = normalSource(7);
    const x = t(
      Float32Array.from({ length: cIn * 12 * 12 }, () => z()),
      [1, cIn, 12, 12],
    );
    const y = cpu.convTranspose2d(x, t(w.data, w.shape), null, { stride: 2, padding: 1 });
    // Interior only (rows/cols 1 … 22 of 24 receive all 2 taps per axis); ±15%: 8·4 phases × 64·4 weights each.
    const inner: number[] = [];
    for (let c = 0; c < cOut; c++) for (let i = 1; i < 23; i++) for (let j = 1; j < 23; j++) inner.push(y.data[(c * 24 + i) * 24 + j]);
    const { variance } = moments(Float32Array.from(inner));
    expect(variance).toBeGreaterThan(2 * 0.85);
    expect(variance).toBeLessThan(2 * 1.15);
  });
});

describe('ICNR', () => {
  it('pixelShuffle(conv(x, icnr(base))) == nearest upsample of conv(x, base), r = 2, 3, grouped and not', () => {
    const r0 = rng(21);
    for (const r of [2, 3]) {
      for (const groups of [1, 2]) {
        const base = kaimingNormal([2, 4 / groups, 3, 3], { seed: r * 10 + groups });
        const x = randomTensor([1, 4, 5, 6], r0);
        const opts = { padding: 1, groups };
        const got = cpu.pixelShuffle(cpu.conv2d(x, t(icnr(base, r).data, icnr(base, r).shape), null, opts), r);
        const want = cpu.upsample(cpu.conv2d(x, t(base.data, base.shape), null, opts), { scale: r, mode: 'nearest' });
        expect(got.shape).toEqual(want.shape);
        expect(maxDiff(got.data, want.data), `r=${r} groups=${groups}`).toBe(0);
      }
    }
  });

  it('icnrInit: the r² sub-kernels of each output channel are equal, the base is He-normal', () => {
    const w = icnrInit([3 * 4, 2, 3, 3], 2, { seed: 4 });
    const per = 2 * 9;
    for (let c = 0; c < 3; c++) {
      for (let j = 1; j < 4; j++)
        expect(w.data.subarray((c * 4 + j) * per, (c * 4 + j + 1) * per)).toEqual(w.data.subarray(c * 4 * per, (c * 4 + 1) * per));
    }
    expect(() => icnrInit([6, 2, 3, 3], 2)).toThrow(/6 .* must be divisible by r² = 4/);
  });
});

describe('balanced convT init', () => {
  const cases: [number[], number | [number, number]][] = [
    [[4, 3, 4, 4], 2],
    [[3, 2, 3, 3], 2],
    [[2, 2, 5, 5], 3],
    [
      [2, 3, 3, 4],
      [2, 3],
    ],
    [[4, 2, 4, 4], 4],
  ];

  it('every channel pair has equal phase sums; plain He-normal has not', () => {
    for (const [shape, s] of cases) {
      const b = balancedConvTranspose(shape, s, { seed: 1 });
      expect(phaseSums(b.data, shape, s).maxSpread, JSON.stringify({ shape, s })).toBeLessThan(1e-6);
      expect(phaseSums(kaimingNormal(shape, { seed: 1 }).data, shape, s).maxSpread).toBeGreaterThan(1e-2);
    }
  });

  it('a constant input gives a constant interior output (CPU reference convT)', () => {
    for (const [shape, s] of cases) {
      const w = balancedConvTranspose(shape, s, { seed: 2 });
      const [sh, sw] = typeof s === 'number' ? [s, s] : s;
      const n = 6;
      const y = cpu.convTranspose2d(t(new Float32Array(shape[0] * n * n).fill(1), [1, shape[0], n, n]), t(w.data, w.shape), null, {
        stride: s,
      });
      const [, cOut, H, W] = y.shape;
      for (let c = 0; c < cOut; c++) {
        const inner: number[] = [];
        for (let i = shape[2] - 1; i <= (n - 1) * sh; i++)
          for (let j = shape[3] - 1; j <= (n - 1) * sw; j++) inner.push(y.data[(c * H + i) * W + j]);
        expect(Math.max(...inner) - Math.min(...inner), JSON.stringify({ shape, s, c })).toBeLessThan(1e-5);
      }
    }
  });

  it('gaps cannot be balanced: k < s is refused, naming the axis', () => {
    expect(() => balancedConvTranspose([2, 2, 3, 3], 4)).toThrow(
      /kernel 3 with stride 4, dilation 1 leaves phases without taps along height/,
    );
  });
});

describe('bilinear convT init', () => {
  it('== bilinear upsample (align_corners=false): pad 1 replicated pixel, convT, crop f per side; depthwise and dense, f = 2, 3, 4', () => {
    const r = rng(31);
    const [C, H, W] = [3, 5, 6];
    const x = randomTensor([1, C, H, W], r);
    const padded = new Float32Array(C * (H + 2) * (W + 2));
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < H + 2; i++) {
        for (let j = 0; j < W + 2; j++)
          padded[(c * (H + 2) + i) * (W + 2) + j] =
            x.data[(c * H + Math.min(H - 1, Math.max(0, i - 1))) * W + Math.min(W - 1, Math.max(0, j - 1))];
      }
    }
    for (const f of [2, 3, 4]) {
      const g = bilinearGeometry(f);
      const want = cpu.upsample(x, { scale: f, mode: 'bilinear' });
      for (const dense of [false, true]) {
        const w = bilinearConvTranspose(C, f, { dense });
        const y = cpu.convTranspose2d(t(padded, [1, C, H + 2, W + 2]), t(w.data, w.shape), null, {
          stride: f,
          padding: g.padding,
          groups: dense ? 1 : C,
        });
        const [, , YH, YW] = y.shape;
        expect([YH, YW]).toEqual([f * (H + 2), f * (W + 2)]);
        const crop = new Float32Array(C * f * H * f * W);
        for (let c = 0; c < C; c++)
          for (let i = 0; i < f * H; i++)
            for (let j = 0; j < f * W; j++) crop[(c * f * H + i) * f * W + j] = y.data[(c * YH + i + f) * YW + j + f];
        expect(maxDiff(crop, want.data), `f=${f} dense=${dense}`).toBeLessThan(1e-6);
      }
    }
  });

  it('its phase sums are all 1 (ratio 1, cv 0): balanced by construction', () => {
    for (const f of [2, 3, 4]) {
      const w = bilinearConvTranspose(1, f);
      const ps = phaseSums(w.data, w.shape, f);
      for (const v of ps.sums) expect(v).toBeCloseTo(1, 6);
      expect(ps.maxCv).toBeLessThan(1e-6);
    }
  });
});
