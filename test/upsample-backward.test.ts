/**
 * upsampleBackward: the transpose of upsample's interpolation (PyTorch's
 * upsample_{nearest,bilinear}2d_backward, align_corners=False).
 *
 * GPU tolerance, derived (u = 2⁻²⁴): the GPU gathers K ≤ Ky·Kx products
 * (Ky, Kx: maxTaps per axis) in float32, so summation costs 2·γ_K·Σ|w·dy| as in
 * helpers/compare.ts (Σ|w·dy| = upsampleBackward(|dy|), the weights being ≥ 0).
 * Bilinear weights also come from float32 coordinates: s = (o + 0.5)·(1/scale) − 0.5
 * is off by ≤ 3u·(in + 1) (1/scale, the product and the difference each round
 * once, all ≤ in + 1 in size), t = s − ⌊s⌋ is exact and 1 − t rounds once, so each
 * axis weight is off by δ ≤ (3·(in + 1) + 1)·u. A coordinate that lands on the
 * other side of an integer only moves weight continuously between two taps, so
 * the same δ holds there. Each of the Ky·Kx candidate taps then errs by ≤ δy + δx
 * times |dy| ≤ max|dy|.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { ArgumentError, ShapeError } from '../src/index.js';
import { bilinearSource, nearestSource } from '../src/ops/upsample.js';
import { maxTaps, tapRange } from '../src/ops/upsample-backward.js';
import { useEngine } from './helpers/engine.js';
import { expectCloseSums, expectExact, gammaBound } from './helpers/compare.js';
import { centralDiff, d64, expectGradClose, f64 } from './helpers/finite-diff.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();
const U = 2 ** -24;

type Mode = 'nearest' | 'bilinear';
interface Case {
  mode: Mode;
  scale: [number, number];
  shape: number[];
}

/** A random forward: mode, per-axis scales (integer, fractional, below 1) and an input shape. */
function randomCase(r: () => number): Case {
  const mode = pick(r, ['nearest', 'bilinear'] as const);
  const scale: [number, number] = [pick(r, [1, 2, 3, 4, 1.5, 2.5]), pick(r, [1, 2, 3, 0.5, 1.75])];
  return { mode, scale, shape: [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 2, 7), randInt(r, 2, 7)] };
}

const outShapeOf = (c: Case) => [c.shape[0], c.shape[1], Math.floor(c.shape[2] * c.scale[0]), Math.floor(c.shape[3] * c.scale[1])];
const describeCase = (seed: number, c: Case) => `seed ${seed} ${c.mode} scale ${c.scale.join('×')} input [${c.shape}]`;

function dotOf(a: ArrayLike<number>, b: ArrayLike<number>): { value: number; abs: number } {
  let value = 0;
  let abs = 0;
  for (let i = 0; i < a.length; i++) {
    value += a[i] * b[i];
    abs += Math.abs(a[i] * b[i]);
  }
  return { value, abs };
}

describe('upsampleBackward', () => {
  it('known answers: nearest ×2 sums each 2×2 block; bilinear ×2 along w spreads [0.75, 0.25] taps back', async () => {
    const e = h.engine;
    const dy = e.tensor(
      Float32Array.from({ length: 16 }, (_, i) => i + 1),
      [1, 1, 4, 4],
    );
    const dx = await e.upsampleBackward(dy, { scale: 2, inputShape: [1, 1, 2, 2] }).read();
    // Blocks: {1,2,5,6}, {3,4,7,8}, {9,10,13,14}, {11,12,15,16}.
    expect(Array.from(dx)).toEqual([14, 22, 46, 54]);
    // Forward [a, b] → [a, 0.75a + 0.25b, 0.25a + 0.75b, b], so dx = [1 + 0.75·2 + 0.25·3, 0.25·2 + 0.75·3 + 4].
    const opts = { scale: [1, 2] as [number, number], mode: 'bilinear' as const, inputShape: [1, 1, 1, 2] };
    const g = await e.upsampleBackward(e.tensor([1, 2, 3, 4], [1, 1, 1, 4]), opts).read();
    expect(Array.from(g)).toEqual([3.25, 6.75]);
    expect(Array.from(cpu.upsampleBackward(cpu.cpuTensor(Float32Array.from([1, 2, 3, 4]), [1, 1, 1, 4]), opts).data)).toEqual([3.25, 6.75]);
  });

  it('tapRange (the outputs the GPU gather visits) covers every output whose taps read the input, within maxTaps', () => {
    for (const mode of ['nearest', 'bilinear'] as const) {
      for (const scale of [0.5, 0.75, 1, 1.5, 1.75, 2, 2.5, 3, 4, 7.3]) {
        for (const inSize of [1, 2, 3, 5, 8, 13]) {
          const outSize = Math.floor(inSize * scale);
          if (outSize < 1) continue;
          for (let i = 0; i < inSize; i++) {
            const [lo, hi] = tapRange(mode, i, scale, inSize, outSize);
            const ctx = `${mode} scale ${scale} in ${inSize} input ${i}: range [${lo}, ${hi}]`;
            expect(hi - lo + 1, ctx).toBeLessThanOrEqual(maxTaps(mode, scale));
            for (let o = 0; o < outSize; o++) {
              const b = bilinearSource(o, scale, inSize);
              const reads = mode === 'nearest' ? nearestSource(o, scale, inSize) === i : (b.i0 === i && b.t < 1) || (b.i1 === i && b.t > 0);
              if (reads) expect(o >= lo && o <= hi, `${ctx} misses output ${o}`).toBe(true);
            }
          }
        }
      }
    }
  });

  it('float64 CPU backward == central differences of the float64 CPU forward on 16 random cases (linear: no truncation error)', () => {
    for (let seed = 1; seed <= 16; seed++) {
      const r = rng(1200 + seed);
      const c = randomCase(r);
      const x = f64(randomTensor(c.shape, r));
      const dy = f64(randomTensor(outShapeOf(c), r));
      const options = { scale: c.scale, mode: c.mode };
      const dx = cpu.upsampleBackward(dy, { ...options, inputShape: c.shape });
      const fd = centralDiff((v) => cpu.upsample(v, options), x, d64(dy), 1 / 64);
      const k = maxTaps(c.mode, c.scale[0]) * maxTaps(c.mode, c.scale[1]);
      const mag = d64(
        cpu.upsampleBackward(
          { data: d64(dy).map(Math.abs) as unknown as Float32Array, shape: dy.shape },
          { ...options, inputShape: c.shape },
        ),
      );
      expectGradClose(d64(dx), fd, describeCase(seed, c), { k, analyticMag: mag });
    }
  });

  it('adjoint: <upsample(x), dy> == <x, upsampleBackward(dy)>, float64 CPU and float32 GPU, 12 random cases', async () => {
    const e = h.engine;
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(1300 + seed);
      const c = randomCase(r);
      const x = randomTensor(c.shape, r);
      const dy = randomTensor(outShapeOf(c), r);
      const options = { scale: c.scale, mode: c.mode };
      const ctx = describeCase(seed, c);
      // float64: both sides sum the same products in another order: ≤ (n + 8)·ε·Σ|terms| apart.
      const lhs = dotOf(d64(cpu.upsample(f64(x), options)), dy.data);
      const rhs = dotOf(x.data, d64(cpu.upsampleBackward(f64(dy), { ...options, inputShape: c.shape })));
      expect(Math.abs(lhs.value - rhs.value), ctx).toBeLessThanOrEqual((dy.data.length * 16 + 8) * 2 ** -53 * lhs.abs);
      // float32 GPU: each side is off from the exact L by Σ|weights|·|its float32 error| (the sweep's bound
      // for dx; for y, 2·γ_4·Σ|w·x| + 4 taps' coordinate error), summed here in float64.
      const yg = e.upsample(e.tensor(x.data, x.shape), options);
      const dxg = e.upsampleBackward(e.tensor(dy.data, dy.shape), { ...options, inputShape: c.shape });
      const g1 = dotOf(await yg.read(), dy.data);
      const g2 = dotOf(x.data, await dxg.read());
      const [ky, kx] = [maxTaps(c.mode, c.scale[0]), maxTaps(c.mode, c.scale[1])];
      const delta = c.mode === 'bilinear' ? (3 * (c.shape[2] + 1) + 1) * U + (3 * (c.shape[3] + 1) + 1) * U : 0;
      const absX = x.data.map(Math.abs);
      const absDy = dy.data.map(Math.abs);
      const maxX = Math.max(...absX);
      const maxDy = Math.max(...absDy);
      const yMag = cpu.upsample(f64({ data: absX, shape: x.shape }), options).data;
      const dxMag = cpu.upsampleBackward(f64({ data: absDy, shape: dy.shape }), { ...options, inputShape: c.shape }).data;
      let bound = 0;
      for (let k = 0; k < absDy.length; k++) bound += absDy[k] * (2 * gammaBound(4) * yMag[k] + 4 * delta * maxX + U * yMag[k]);
      for (let i = 0; i < absX.length; i++)
        bound += absX[i] * (2 * gammaBound(ky * kx) * dxMag[i] + delta * ky * kx * maxDy + U * dxMag[i]);
      bound += (absDy.length + absX.length + 8) * 2 ** -53 * (g1.abs + g2.abs);
      expect(Math.abs(g1.value - g2.value), ctx).toBeLessThanOrEqual(bound);
      yg.dispose();
      dxg.dispose();
    }
  });

  it('GPU (a gather) == float64 CPU (a scatter) on 24 random cases within the derived float32 bound; nearest at integer scales exactly', async () => {
    const e = h.engine;
    for (let seed = 1; seed <= 24; seed++) {
      const r = rng(1400 + seed);
      const c = randomCase(r);
      const dy = randomTensor(outShapeOf(c), r);
      const options = { scale: c.scale, mode: c.mode, inputShape: c.shape };
      const ref = d64(cpu.upsampleBackward(f64(dy), options));
      const mag = d64(cpu.upsampleBackward(f64({ data: dy.data.map(Math.abs), shape: dy.shape }), options));
      const dxg = e.upsampleBackward(e.tensor(dy.data, dy.shape), options);
      const out = await dxg.read();
      dxg.dispose();
      const ctx = describeCase(seed, c);
      const [ky, kx] = [maxTaps(c.mode, c.scale[0]), maxTaps(c.mode, c.scale[1])];
      const k = ky * kx;
      if (c.mode === 'nearest' && Number.isInteger(c.scale[0]) && Number.isInteger(c.scale[1]) && c.scale[0] * c.scale[1] <= 2) {
        // One or two taps of weight 1: a single correctly rounded addition at most, on both sides.
        expectExact(out, Float32Array.from(ref), ctx);
        continue;
      }
      const g = gammaBound(k);
      const coord =
        c.mode === 'bilinear'
          ? ((3 * (c.shape[2] + 1) + 1) * U + (3 * (c.shape[3] + 1) + 1) * U) * k * Math.max(...dy.data.map(Math.abs))
          : 0;
      // Fold the coordinate term into the magnitude expectCloseSums scales by 2·γ_K.
      expectCloseSums(
        out,
        Float32Array.from(ref),
        Float32Array.from(mag, (m) => m + coord / (2 * g)),
        k,
        ctx,
      );
    }
  });

  it('refuses what the forward refuses, plus a dy of the wrong shape, a missing inputShape and bicubic (not implemented)', () => {
    const e = h.engine;
    const dy = e.tensor(new Float32Array(16), [1, 1, 4, 4]);
    expect(() => e.upsampleBackward(dy, { scale: 2, inputShape: [1, 1, 3, 2] })).toThrow(
      "upsampleBackward: dy [1, 1, 4, 4] must have the forward's output shape [1, 1, 6, 4] (inputShape [1, 1, 3, 2], scale 2×2)",
    );
    expect(() => e.upsampleBackward(dy, { scale: 2, inputShape: [1, 1, 3, 2] })).toThrow(ShapeError);
    expect(() => e.upsampleBackward(dy, { scale: 2 } as never)).toThrow(
      "upsampleBackward: option inputShape (the forward's input shape) is required",
    );
    expect(() => e.upsampleBackward(dy, { scale: 2, inputShape: [1, 1, 2, 2], mode: 'bicubic' as never })).toThrow(
      "upsampleBackward: mode 'bicubic' has no backward (only 'nearest' and 'bilinear')",
    );
    expect(() => e.upsampleBackward(dy, { scale: 2, inputshape: [1, 1, 2, 2] } as never)).toThrow(ArgumentError);
    expect(() => e.upsampleBackward(dy, { scale: 2, inputshape: [1, 1, 2, 2] } as never)).toThrow("did you mean 'inputShape'");
    expect(() => cpu.upsampleBackward(cpu.zeros([1, 1, 4, 4]), { scale: 0, inputShape: [1, 1, 2, 2] })).toThrow(
      'upsampleBackward: scale 0 must be a finite number > 0',
    );
    dy.dispose();
  });
});
