/**
 * The checkerboard regularizer R(w) = Σ_pairs Σ_phases (S_ab − mean S)²
 * (src/ops/checkerboard.ts): GPU vs the float64 CPU reference, its gradient vs
 * finite differences, and the property it stands for: R = 0 ⇔ flat inputs give
 * flat convT outputs.
 *
 * Tolerance, derived per channel pair: the phase sums and the pair's total are
 * float32 sums of ≤ k = kH·kW taps, so each d = S − m is off by at most
 * e = 2γ_{k+3}·A (A = Σ|taps| of the pair, which bounds each phase's and the
 * mean's magnitude) + u|d|; d² then by 2|d|e + e² + u·d², the P-term sum adds
 * γ_P·Σd², and the tree over pairs γ_D·R (src/kernels/reduce.ts).
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { cpuTensor, type CpuTensor } from '../src/cpu/index.js';
import { ArgumentError } from '../src/index.js';
import { reduceDepth } from '../src/kernels/reduce.js';
import { createSgd } from '../src/train/index.js';
import { gammaBound } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { randomData, rng } from './helpers/random.js';

const U = 2 ** -24;
const h = useEngine();

/** Per pair: [Σ|taps|, phase differences d_ab] from the float64 definition. */
function pairStats(w: CpuTensor, sh: number, sw: number): { a: number; d: number[] }[] {
  const [ci, co, kH, kW] = w.shape;
  const out = [];
  for (let pair = 0; pair < ci * co; pair++) {
    const s = new Array<number>(sh * sw).fill(0);
    let a = 0;
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++) {
        const v = w.data[pair * kH * kW + ky * kW + kx];
        s[(ky % sh) * sw + (kx % sw)] += v;
        a += Math.abs(v);
      }
    }
    const m = s.reduce((x, y) => x + y, 0) / s.length;
    out.push({ a, d: s.map((v) => v - m) });
  }
  return out;
}

const bilinear1d = [0.25, 0.75, 0.75, 0.25];

function outer(ci: number, co: number, k1: number[]): CpuTensor {
  const k = k1.length;
  const data = new Float32Array(ci * co * k * k);
  for (let p = 0; p < ci * co; p++)
    for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) data[p * k * k + y * k + x] = k1[y] * k1[x] * (1 + p);
  return cpuTensor(data, [ci, co, k, k]);
}

describe('checkerboardPenalty: GPU == float64 CPU reference within the derived bound', () => {
  const cases: [number[], number | [number, number]][] = [
    [[3, 4, 3, 3], 2],
    [[2, 2, 4, 4], 2],
    [
      [8, 16, 5, 3],
      [2, 3],
    ],
    [[4, 3, 1, 1], 2],
    [[2, 2, 6, 6], 3],
    [[64, 32, 4, 4], 2],
    [[3, 5, 3, 3], 1],
  ];
  for (const [shape, stride] of cases) {
    it(`w [${shape}], stride ${JSON.stringify(stride)}: R and ∂R/∂w`, async () => {
      const w = cpuTensor(
        randomData(
          shape.reduce((x, y) => x * y, 1),
          rng(shape[0] * 31 + shape[2]),
        ),
        shape,
      );
      const [sh, sw] = typeof stride === 'number' ? [stride, stride] : stride;
      const wg = h.engine.tensor(w.data, shape);
      const rg = h.engine.checkerboardPenalty(wg, { stride });
      const gg = h.engine.checkerboardPenaltyBackward(wg, { stride, scale: 0.5 });
      const [r] = await rg.read();
      const g = await gg.read();
      const ref = cpu.checkerboardPenalty(w, { stride }).data[0];
      const gref = cpu.checkerboardPenaltyBackward(w, { stride, scale: 0.5 }).data;
      const k = shape[2] * shape[3];
      const stats = pairStats(w, sh, sw);
      let bound = gammaBound(reduceDepth(stats.length)) * ref;
      for (const { a, d } of stats) {
        for (const x of d) {
          const e = 2 * gammaBound(k + 3) * a + U * Math.abs(x);
          bound += 2 * Math.abs(x) * e + e * e + (U + gammaBound(sh * sw)) * x * x;
        }
      }
      expect(Math.abs(r - ref), `R gpu=${r} ref=${ref}`).toBeLessThanOrEqual(bound + 1e-30);
      const kHW = shape[2] * shape[3];
      for (let i = 0; i < g.length; i++) {
        const { a, d } = stats[Math.floor(i / kHW)];
        const tol = 0.5 * 2 * (2 * gammaBound(k + 3) * a + U * Math.max(...d.map(Math.abs))) + 2 * U * Math.abs(gref[i]) + 1e-30;
        if (!(Math.abs(g[i] - gref[i]) <= tol)) expect.fail(`grad element ${i}: gpu=${g[i]} ref=${gref[i]} tol=${tol}`);
      }
      for (const t of [wg, rg, gg]) t.dispose();
    });
  }
});

describe('checkerboardPenalty: what it means', () => {
  it('R = 0 for a bilinear k4 s2 kernel (phase sums 1 each, exactly, on both paths), > 0 for a random k3 s2 kernel', async () => {
    const w = outer(2, 3, bilinear1d);
    expect(cpu.checkerboardPenalty(w, { stride: 2 }).data[0]).toBe(0);
    const wg = h.engine.tensor(w.data, w.shape);
    const rg = h.engine.checkerboardPenalty(wg, { stride: 2 });
    expect((await rg.read())[0]).toBe(0);
    const w3 = cpuTensor(randomData(2 * 3 * 9, rng(9)), [2, 3, 3, 3]);
    expect(cpu.checkerboardPenalty(w3, { stride: 2 }).data[0]).toBeGreaterThan(0.1);
    // A k3 s2 kernel has 4, 2, 2 and 1 taps in its phases: even all-ones weights are penalised.
    expect(cpu.checkerboardPenalty(cpuTensor(new Float32Array(9).fill(1), [1, 1, 3, 3]), { stride: 2 }).data[0]).toBe(
      (4 - 2.25) ** 2 + 2 * (2 - 2.25) ** 2 + (1 - 2.25) ** 2,
    );
    for (const t of [wg, rg]) t.dispose();
  });

  it('R = 0 ⇔ a per-channel flat input gives a flat convT output (away from the borders)', () => {
    const x = cpuTensor(new Float32Array(2 * 6 * 6), [1, 2, 6, 6]);
    x.data.fill(0.7, 0, 36);
    x.data.fill(-0.3, 36);
    const spread = (w: CpuTensor): number => {
      const y = cpu.convTranspose2d(x, w, null, { stride: 2, padding: 1 });
      const [, c, H, W] = y.shape;
      let worst = 0;
      for (let ch = 0; ch < c; ch++) {
        const inner: number[] = [];
        for (let yy = 3; yy < H - 3; yy++) for (let xx = 3; xx < W - 3; xx++) inner.push(y.data[(ch * H + yy) * W + xx]);
        worst = Math.max(worst, Math.max(...inner) - Math.min(...inner));
      }
      return worst;
    };
    expect(spread(outer(2, 3, bilinear1d))).toBeLessThan(1e-6);
    expect(spread(cpuTensor(randomData(2 * 3 * 9, rng(2)), [2, 3, 3, 3]))).toBeGreaterThan(1e-2);
  });

  it('∂R/∂w == central finite difference of R, in float64', () => {
    const shape = [2, 3, 3, 4];
    const w = Float64Array.from(randomData(72, rng(4)));
    const f64 = (d: Float64Array): CpuTensor => ({ data: d as unknown as Float32Array, shape });
    for (const stride of [2, [3, 2] as [number, number]]) {
      const g = cpu.checkerboardPenaltyBackward(f64(w), { stride, scale: 1.3 }).data;
      expect(g).toBeInstanceOf(Float64Array);
      for (let i = 0; i < w.length; i++) {
        const hs = 1e-5;
        const wp = Float64Array.from(w);
        const wm = Float64Array.from(w);
        wp[i] += hs;
        wm[i] -= hs;
        const fd =
          (1.3 * (cpu.checkerboardPenalty(f64(wp), { stride }).data[0] - cpu.checkerboardPenalty(f64(wm), { stride }).data[0])) / (2 * hs);
        expect(Math.abs(fd - g[i]), `stride ${JSON.stringify(stride)} element ${i}`).toBeLessThan(1e-8);
      }
    }
  });

  it('SGD on R alone (all on the GPU) removes the checkerboard of a random k3 s2 kernel', async () => {
    const w = h.engine.tensor(randomData(4 * 4 * 9, rng(12)), [4, 4, 3, 3]);
    const rStart = h.engine.checkerboardPenalty(w, { stride: 2 });
    const r0 = (await rStart.read())[0];
    rStart.dispose();
    const opt = createSgd(h.engine, [w], { lr: 0.05, momentum: 0.5 });
    for (let i = 0; i < 100; i++) {
      const g = h.engine.checkerboardPenaltyBackward(w, { stride: 2 });
      opt.step([g]);
      g.dispose();
    }
    const r = h.engine.checkerboardPenalty(w, { stride: 2 });
    const r1 = (await r.read())[0];
    expect(r1).toBeLessThan(1e-6 * r0);
    opt.dispose();
    r.dispose();
    w.dispose();
  });

  it('errors: stride is required, options are checked', () => {
    const w = cpuTensor(new Float32Array(9), [1, 1, 3, 3]);
    expect(() => cpu.checkerboardPenalty(w, undefined as never)).toThrow(
      new ArgumentError('checkerboardPenalty: options { stride } are required'),
    );
    expect(() => cpu.checkerboardPenalty(w, {} as never)).toThrow('checkerboardPenalty: stride is required');
    expect(() => cpu.checkerboardPenalty(w, { stride: 0 })).toThrow('checkerboardPenalty: stride 0 must be >= 1');
    expect(() => cpu.checkerboardPenalty(w, { stride: 2, scale: 1 } as never)).toThrow("checkerboardPenalty: unknown option 'scale'");
    expect(() => cpu.checkerboardPenalty(cpuTensor(new Float32Array(9), [9]), { stride: 2 })).toThrow(
      'checkerboardPenalty: weight must have rank 4',
    );
  });
});
