/**
 * clipBackward, mishBackward, hardSwishBackward: dx = dy · f'(x), from the input x.
 *
 * Finite differences of the float64 CPU forward (helpers/finite-diff.ts). Truncation,
 * derived: element-wise, so h²/6·max|f'''|·|dy_i|. clip and hardSwish are piecewise
 * linear / quadratic (f''' = 0) once every x is ≥ 16h from their kinks (min, max; the
 * gate's 0 and 1), which the inputs are pushed to be; max|mish'''| ≈ 0.59 (scanned on
 * [−30, 30] in steps of 10⁻³; 0.7 is used).
 *
 * GPU vs CPU (u = 2⁻²⁴): clip is a select: exact. hardSwish: the gate α·x + β and
 * 2α·x + β in float32 (α rounded to float32): ≤ |dy|·(3u·|2αx| + 2u·|β| + u) + 2u·|dx|.
 * mish: eˣ within (3 + 2|x|) ULP (δ ≤ (3 + 2|x|)·2u relative); each of n/(n + 2), σ and
 * 4(n + 1)/(n + 2)² then errs by ≤ 3δ + 6u relative, so
 * |Δdx| ≤ |dy|·(t + |x|·σ·(1 − t²))·(3δ + 8u) + 2u·|dx| + |dy|·(1 + |x|)·2⁻¹²⁶ (a flushed eˣ).
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ShapeError } from '../src/core/errors.js';
import { softplus } from '../src/ops/pointwise.js';
import { expectExact } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { centralDiff, d64, expectGradClose, f64 } from './helpers/finite-diff.js';
import { randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();
const U = 2 ** -24;
const H = 2 ** -12;
const MIN_NORMAL = 2 ** -126;

const randomShape = (r: () => number) => [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 1, 5), randInt(r, 1, 5)];

/** x scaled to [−s, s), every element moved ≥ gap away from each kink. */
function inputs(r: () => number, shape: number[], s: number, kinks: number[], gap = 16 * H): CpuTensor {
  const x = randomTensor(shape, r);
  x.data.forEach((v, i) => {
    let w = v * s;
    for (const k of kinks) if (Math.abs(w - k) < gap) w = k + (w >= k ? gap : -gap);
    x.data[i] = w;
  });
  return x;
}

async function gpuGrad(
  f: (dy: ReturnType<typeof h.engine.tensor>, x: ReturnType<typeof h.engine.tensor>) => ReturnType<typeof h.engine.tensor>,
  dy: CpuTensor,
  x: CpuTensor,
): Promise<Float32Array> {
  const [gd, gx] = [dy, x].map((t) => h.engine.tensor(t.data, t.shape));
  const y = f(gd, gx);
  try {
    return await y.read();
  } finally {
    for (const t of [gd, gx, y]) t.dispose();
  }
}

function expectWithin(got: Float32Array, ref: Float32Array, tol: (i: number) => number, context: string): void {
  expect(got.length, context).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    if (!(Math.abs(got[i] - ref[i]) <= tol(i))) expect.fail(`${context}: element ${i} gpu=${got[i]} ref=${ref[i]} > tol ${tol(i)}`);
  }
}

describe('clipBackward', () => {
  it('passes dy inside [min, max] (bounds included, as PyTorch), 0 outside; == central differences; GPU == CPU exactly', async () => {
    const x = cpu.cpuTensor(Float32Array.from([-2, -1, 0, 1, 2]), [5]);
    const dy = cpu.cpuTensor(Float32Array.from([1, 2, 3, 4, 5]), [5]);
    expect(Array.from(cpu.clipBackward(dy, x, { min: -1, max: 1 }).data)).toEqual([0, 2, 3, 4, 0]);
    const r = rng(101);
    for (let seed = 0; seed < 6; seed++) {
      const o = seed === 0 ? { min: -Infinity, max: 0.25 } : { min: -0.5 + r() * 0.2, max: 0.3 + r() * 0.5 };
      const x2 = inputs(r, randomShape(r), 1.5, [o.min, o.max]);
      const dy2 = randomTensor(x2.shape, r);
      const context = `seed ${seed} ${JSON.stringify(o)}`;
      expectGradClose(
        d64(cpu.clipBackward(f64(dy2), f64(x2), o)),
        centralDiff((v) => cpu.clip(v, o), f64(x2), d64(f64(dy2)), H),
        context,
      );
      expectExact(await gpuGrad((d, v) => h.engine.clipBackward(d, v, o), dy2, x2), cpu.clipBackward(dy2, x2, o).data, context);
    }
  });
});

describe('mishBackward', () => {
  it('mish′(0) = tanh(ln 2) = 0.6, mish′ → 1 above 20 and → 0 far below; == central differences; GPU within the bound', async () => {
    const x = cpu.cpuTensor(Float32Array.from([0, 30, -40]), [3]);
    const d = cpu.mishBackward(cpu.cpuTensor(Float32Array.from([1, 1, 1]), [3]), x).data;
    expect(d[0]).toBeCloseTo(0.6, 7); // tanh(ln 2) = (4 − 1)/(4 + 1)
    expect(d[1]).toBe(1);
    expect(Math.abs(d[2])).toBeLessThan(1e-15);
    const r = rng(103);
    for (let seed = 0; seed < 6; seed++) {
      const x2 = inputs(r, randomShape(r), seed < 3 ? 4 : 25, []);
      const dy2 = randomTensor(x2.shape, r);
      const context = `seed ${seed}`;
      expectGradClose(
        d64(cpu.mishBackward(f64(dy2), f64(x2))),
        centralDiff((v) => cpu.mish(v), f64(x2), d64(f64(dy2)), H),
        context,
        {
          truncation: Array.from(dy2.data, (g) => ((H * H) / 6) * 0.7 * Math.abs(g)),
        },
      );
      const ref = cpu.mishBackward(dy2, x2).data;
      const tol = (i: number) => {
        const v = x2.data[i];
        const g = Math.abs(dy2.data[i]);
        const t = Math.tanh(softplus(v));
        const s = 1 / (1 + Math.exp(-v));
        const delta = (3 + 2 * Math.abs(v)) * 2 * U;
        return (
          g * (t + Math.abs(v) * s * (1 - t * t)) * (3 * delta + 8 * U) + 2 * U * Math.abs(ref[i]) + g * (1 + Math.abs(v)) * MIN_NORMAL
        );
      };
      expectWithin(await gpuGrad((d2, v) => h.engine.mishBackward(d2, v), dy2, x2), ref, tol, context);
    }
  });
});

describe('hardSwishBackward', () => {
  it('defaults: 0 below −3, x/3 + 1/2 on [−3, 3] (PyTorch at the kinks), 1 above; == central differences; GPU within the bound', async () => {
    const x = cpu.cpuTensor(Float32Array.from([-4, -3, 0, 1.5, 3, 4]), [6]);
    const ones = cpu.cpuTensor(new Float32Array(6).fill(1), [6]);
    expect(Array.from(cpu.hardSwishBackward(ones, x).data)).toEqual([0, -0.5, 0.5, 1, 1.5, 1]);
    const r = rng(107);
    for (let seed = 0; seed < 6; seed++) {
      const o = seed % 2 === 0 ? {} : { alpha: 0.2, beta: 0.5 };
      const [alpha, beta] = seed % 2 === 0 ? [1 / 6, 0.5] : [0.2, 0.5];
      const kinks = [-beta / alpha, (1 - beta) / alpha];
      const x2 = inputs(r, randomShape(r), 5, kinks);
      const dy2 = randomTensor(x2.shape, r);
      const context = `seed ${seed} ${JSON.stringify(o)}`;
      expectGradClose(
        d64(cpu.hardSwishBackward(f64(dy2), f64(x2), o)),
        centralDiff((v) => cpu.hardSwish(v, o), f64(x2), d64(f64(dy2)), H),
        context,
      );
      const ref = cpu.hardSwishBackward(dy2, x2, o).data;
      const tol = (i: number) =>
        Math.abs(dy2.data[i]) * (3 * U * Math.abs(2 * alpha * x2.data[i]) + 2 * U * Math.abs(beta) + U) + 2 * U * Math.abs(ref[i]) + 1e-30;
      expectWithin(await gpuGrad((d, v) => h.engine.hardSwishBackward(d, v, o), dy2, x2), ref, tol, context);
    }
  });

  it('dy and x must have one shape', () => {
    expect(() => cpu.hardSwishBackward(cpu.zeros([2]), cpu.zeros([3]))).toThrow(ShapeError);
    expect(() => cpu.mishBackward(cpu.zeros([2]), cpu.zeros([3]))).toThrow('mishBackward: shapes [2] and [3] must be equal');
  });
});
