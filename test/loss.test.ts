/**
 * Losses on the GPU vs their float64 CPU references, and the references'
 * gradients vs finite differences.
 *
 * Tolerance of a loss, derived: every term t_i ≥ 0 is computed in float32 with
 * relative error ≤ c·u (c = 8 covers the worst, Charbonnier: d, d², + ε², and
 * WGSL's sqrt, ≤ 4.5 ulp); the tree reduction is a pairwise sum of depth D =
 * passes · 9 (shaders/reduce.wgsl.ts), adding ≤ γ_D·Σ t_i; the final ·(1/N)
 * rounds twice. As all terms are ≥ 0, Σ|t_i| = N·L, so |L_gpu − L| ≤ (c·u + γ_D + 2u)·L.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { cpuTensor, type CpuTensor } from '../src/cpu/index.js';
import { ArgumentError, ShapeError, type Tensor } from '../src/index.js';
import { reduceDepth } from '../src/kernels/reduce.js';
import { gammaBound } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { randomData, rng } from './helpers/random.js';

const U = 2 ** -24;
const h = useEngine();
type Kind = 'mse' | 'l1' | 'charbonnier';
const KINDS: Kind[] = ['mse', 'l1', 'charbonnier'];
/** Relative error of one gradient element: d (u), the derivative's ops, gradScale's rounding and product (see the shader). */
const GRAD_ULPS: Record<Kind, number> = { mse: 4, l1: 3, charbonnier: 12 };

function gpuLoss(kind: Kind, p: Tensor, t: Tensor, eps?: number): Tensor {
  const e = h.engine;
  if (kind === 'mse') return e.mseLoss(p, t);
  if (kind === 'l1') return e.l1Loss(p, t);
  return e.charbonnierLoss(p, t, eps === undefined ? {} : { eps });
}
function gpuGrad(kind: Kind, p: Tensor, t: Tensor, scale: number): Tensor {
  const e = h.engine;
  if (kind === 'mse') return e.mseLossBackward(p, t, { scale });
  if (kind === 'l1') return e.l1LossBackward(p, t, { scale });
  return e.charbonnierLossBackward(p, t, { scale });
}
function cpuLoss(kind: Kind, p: CpuTensor, t: CpuTensor, eps?: number): CpuTensor {
  if (kind === 'mse') return cpu.mseLoss(p, t);
  if (kind === 'l1') return cpu.l1Loss(p, t);
  return cpu.charbonnierLoss(p, t, eps === undefined ? {} : { eps });
}
function cpuGrad(kind: Kind, p: CpuTensor, t: CpuTensor, scale = 1): CpuTensor {
  if (kind === 'mse') return cpu.mseLossBackward(p, t, { scale });
  if (kind === 'l1') return cpu.l1LossBackward(p, t, { scale });
  return cpu.charbonnierLossBackward(p, t, { scale });
}
const lossBound = (n: number, loss: number): number => (8 * U + gammaBound(reduceDepth(n)) + 2 * U) * loss;

describe('losses: GPU tree reduction == float64 CPU reference within (c·u + γ_D)·L', () => {
  for (const n of [1, 7, 511, 512, 513, 262_145, 300_001]) {
    it(`n = ${n}: mse, l1, charbonnier`, async () => {
      const r = rng(n);
      const p = randomData(n, r);
      const t = randomData(n, r);
      const pg = h.engine.tensor(p, [n]);
      const tg = h.engine.tensor(t, [n]);
      for (const kind of KINDS) {
        const y = gpuLoss(kind, pg, tg);
        expect(y.shape).toEqual([1]);
        const [got] = await y.read();
        y.dispose();
        const ref = cpuLoss(kind, cpuTensor(p, [n]), cpuTensor(t, [n]));
        const exact = ref.data[0];
        expect(Math.abs(got - exact), `${kind} n=${n} gpu=${got} ref=${exact}`).toBeLessThanOrEqual(lossBound(n, exact));
      }
      pg.dispose();
      tg.dispose();
    });
  }

  it('10⁷ elements: within the tree bound (depth 27), where a float32 running sum is far off', async () => {
    const n = 10_000_000;
    const r = rng(7);
    const p = new Float32Array(n);
    const t = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      p[i] = 0.3 + 0.01 * (r() - 0.5);
      t[i] = r() * 1e-3;
    }
    const pg = h.engine.tensor(p, [2, 5, 1000, 1000]);
    const tg = h.engine.tensor(t, [2, 5, 1000, 1000]);
    expect(reduceDepth(n)).toBe(27);
    const y = h.engine.mseLoss(pg, tg);
    const [got] = await y.read();
    const exact = cpu.mseLoss(cpuTensor(p, [n]), cpuTensor(t, [n])).data[0];
    const bound = lossBound(n, exact);
    expect(Math.abs(got - exact), `gpu=${got} ref=${exact}`).toBeLessThanOrEqual(bound);
    let naive = 0; // what a one-thread float32 loop would get
    for (let i = 0; i < n; i++) naive = Math.fround(naive + Math.fround(Math.fround(p[i] - t[i]) ** 2));
    expect(Math.abs(naive / n - exact)).toBeGreaterThan(10 * bound);
    for (const x of [pg, tg, y]) x.dispose();
  });

  it('gradients: GPU == CPU within a few ulp per element; l1 is 0 where pred = target', async () => {
    const n = 1000;
    const r = rng(3);
    const p = randomData(n, r);
    const t = randomData(n, r);
    for (let i = 0; i < n; i += 10) t[i] = p[i];
    const pg = h.engine.tensor(p, [10, 100]);
    const tg = h.engine.tensor(t, [10, 100]);
    for (const kind of KINDS) {
      const g = gpuGrad(kind, pg, tg, 0.7);
      expect(g.shape).toEqual([10, 100]);
      const got = await g.read();
      g.dispose();
      const ref = cpuGrad(kind, cpuTensor(p, [10, 100]), cpuTensor(t, [10, 100]), 0.7).data;
      for (let i = 0; i < n; i++) {
        const tol = GRAD_ULPS[kind] * U * Math.abs(ref[i]) + 1e-30;
        if (!(Math.abs(got[i] - ref[i]) <= tol)) expect.fail(`${kind} element ${i}: gpu=${got[i]} ref=${ref[i]}`);
      }
      if (kind === 'l1') for (let i = 0; i < n; i += 10) expect(got[i]).toBe(0);
    }
    pg.dispose();
    tg.dispose();
  });
});

describe('losses: definitions', () => {
  it('known answers: d = [1, −2, 0, 3]', () => {
    const p = cpuTensor(Float32Array.from([1, -2, 0, 3]), [4]);
    const t = cpuTensor(new Float32Array(4), [4]);
    expect(cpu.mseLoss(p, t).data[0]).toBe(14 / 4);
    expect(cpu.l1Loss(p, t).data[0]).toBe(6 / 4);
    expect(cpu.charbonnierLoss(p, t, { eps: 0.5 }).data[0]).toBeCloseTo((Math.sqrt(1.25) + Math.sqrt(4.25) + 0.5 + Math.sqrt(9.25)) / 4, 6);
    expect([...cpu.mseLossBackward(p, t).data]).toEqual([0.5, -1, 0, 1.5]);
    expect([...cpu.l1LossBackward(p, t, { scale: 4 }).data]).toEqual([1, -1, 0, 1]);
  });

  it('backward == central finite difference of the forward, in float64', () => {
    const n = 12;
    const r = rng(5);
    const p = Float64Array.from(randomData(n, r));
    const t = Float64Array.from(randomData(n, r));
    const f64 = (d: Float64Array): CpuTensor => ({ data: d as unknown as Float32Array, shape: [3, 4] });
    for (const kind of KINDS) {
      const g = cpuGrad(kind, f64(p), f64(t), 1.5).data;
      expect(g).toBeInstanceOf(Float64Array);
      for (let i = 0; i < n; i++) {
        const hstep = 1e-6;
        const pp = Float64Array.from(p);
        const pm = Float64Array.from(p);
        pp[i] += hstep;
        pm[i] -= hstep;
        const fd = (1.5 * (cpuLoss(kind, f64(pp), f64(t), 1e-3).data[0] - cpuLoss(kind, f64(pm), f64(t), 1e-3).data[0])) / (2 * hstep);
        expect(Math.abs(fd - g[i]), `${kind} element ${i}`).toBeLessThan(1e-8);
      }
    }
  });

  it('errors name the op, argument and rule', () => {
    const a = h.engine.tensor([1, 2], [2]);
    const b = h.engine.tensor([1, 2, 3], [3]);
    expect(() => h.engine.mseLoss(a, b)).toThrow(ShapeError);
    expect(() => h.engine.mseLoss(a, b)).toThrow('mseLoss: pred [2] and target [3] must have equal shapes');
    expect(() => h.engine.charbonnierLoss(a, a, { eps: 0 })).toThrow(new ArgumentError('charbonnierLoss: eps 0 must be > 0'));
    expect(() => h.engine.l1LossBackward(a, a, { scal: 2 } as never)).toThrow(
      "l1LossBackward: unknown option 'scal' (did you mean 'scale'?)",
    );
    a.dispose();
    b.dispose();
  });
});
