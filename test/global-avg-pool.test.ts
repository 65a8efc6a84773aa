/**
 * globalAvgPool: [N, C, H, W] → [N, C, 1, 1], the mean of each plane. The CPU
 * sums in float64 and rounds once; the GPU (one workgroup per plane) sums each
 * element through at most K = ⌈H·W / WG⌉ + log2(WG) float32 additions and then
 * multiplies by f32(1 / H·W), so |gpu − ref| ≤ 2·γ_K·mean|x| + 4u·|ref| (the
 * bound of helpers/compare.ts, with the magnitude the plane's mean of |x|).
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { ShapeError } from '../src/core/errors.js';
import { GLOBAL_AVG_POOL_WORKGROUP as WG } from '../src/kernels/global-avg-pool.js';
import { expectCloseSums } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { centralDiff, d64, expectGradClose, f64 } from './helpers/finite-diff.js';
import { randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();

describe('globalAvgPool', () => {
  it('the mean of each plane, by hand: [[1, 2], [3, 6]] → 3, a constant plane → itself', async () => {
    const x = cpu.cpuTensor(Float32Array.from([1, 2, 3, 6, -5, -5, -5, -5]), [1, 2, 2, 2]);
    const ref = cpu.globalAvgPool(x);
    expect(ref.shape).toEqual([1, 2, 1, 1]);
    expect(Array.from(ref.data)).toEqual([3, -5]);
    const g = h.engine.tensor(x.data, x.shape);
    const y = h.engine.globalAvgPool(g);
    expect([...y.shape]).toEqual([1, 2, 1, 1]);
    expect(Array.from(await y.read())).toEqual([3, -5]);
    g.dispose();
    y.dispose();
  });

  it('GPU == CPU within the summation bound on 16 random shapes, from 1 pixel to planes larger than a workgroup sweep', async () => {
    const r = rng(53);
    for (let seed = 0; seed < 16; seed++) {
      const big = seed % 4 === 3;
      const shape = [randInt(r, 1, 2), randInt(r, 1, 4), randInt(r, 1, big ? 40 : 9), randInt(r, 1, big ? 40 : 9)];
      const x = randomTensor(shape, r);
      // An offset makes the mean non-trivial (uniform [-1, 1) data averages to ~0).
      const offset = r() * 4 - 2;
      for (let i = 0; i < x.data.length; i++) x.data[i] += offset;
      const g = h.engine.tensor(x.data, x.shape);
      const y = h.engine.globalAvgPool(g);
      const ref = cpu.globalAvgPool(x);
      const magnitude = cpu.globalAvgPool({ data: x.data.map(Math.abs), shape: x.shape }).data;
      const hw = shape[2] * shape[3];
      const k = Math.ceil(hw / WG) + Math.log2(WG) + 1;
      expectCloseSums(await y.read(), ref.data, magnitude, k, `seed ${seed} x ${JSON.stringify(shape)}`);
      g.dispose();
      y.dispose();
    }
  });

  it('a plane of 64×64 = 16 WG-strides of ones sums to exactly 1; rank ≠ 4 is a ShapeError', async () => {
    const x = h.engine.tensor(new Float32Array(3 * 64 * 64).fill(1), [1, 3, 64, 64]);
    const y = h.engine.globalAvgPool(x);
    expect(Array.from(await y.read())).toEqual([1, 1, 1]);
    x.dispose();
    y.dispose();
    expect(() => cpu.globalAvgPool(cpu.zeros([3, 4, 4]))).toThrow(ShapeError);
    expect(() => cpu.globalAvgPool(cpu.zeros([3, 4, 4]))).toThrow('globalAvgPool: input must have rank 4, got shape [3, 4, 4]');
  });
});

describe('globalAvgPoolBackward', () => {
  it('spreads dy[n, c] / (H·W) over the plane; == central differences of the float64 forward; GPU within 2.5 ULP + rounding', async () => {
    const by = cpu.globalAvgPoolBackward(cpu.cpuTensor(Float32Array.from([8, -4]), [1, 2, 1, 1]), { inputShape: [1, 2, 2, 2] });
    expect(Array.from(by.data)).toEqual([2, 2, 2, 2, -1, -1, -1, -1]);
    const r = rng(59);
    for (let seed = 0; seed < 8; seed++) {
      const shape = [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 1, 7), randInt(r, 1, 7)];
      const o = { inputShape: shape };
      const dy = randomTensor([shape[0], shape[1], 1, 1], r);
      const x = f64(randomTensor(shape, r));
      // Linear: no truncation error.
      expectGradClose(
        d64(cpu.globalAvgPoolBackward(f64(dy), o)),
        centralDiff((v) => cpu.globalAvgPool(v), x, d64(f64(dy)), 2 ** -10),
        `seed ${seed}`,
        {
          k: shape[2] * shape[3],
        },
      );
      const ref = cpu.globalAvgPoolBackward(dy, o).data;
      const g = h.engine.tensor(dy.data, dy.shape);
      const y = h.engine.globalAvgPoolBackward(g, o);
      const got = await y.read();
      for (let i = 0; i < ref.length; i++) {
        expect(Math.abs(got[i] - ref[i]), `seed ${seed} element ${i}`).toBeLessThanOrEqual(6 * 2 ** -24 * Math.abs(ref[i]) + 1e-38);
      }
      g.dispose();
      y.dispose();
    }
  });

  it('refuses a dy that is not [N, C, 1, 1] of the input', () => {
    expect(() => cpu.globalAvgPoolBackward(cpu.zeros([1, 2, 1, 1]), { inputShape: [1, 3, 4, 4] })).toThrow(ShapeError);
    expect(() => cpu.globalAvgPoolBackward(cpu.zeros([1, 2, 1, 1]), { inputShape: [1, 3, 4, 4] })).toThrow(
      'globalAvgPoolBackward: dy [1, 2, 1, 1] must be [N, C, 1, 1] = [1, 3, 1, 1] for input [1, 3, 4, 4]',
    );
  });
});
