/**
 * clip, mish and hardSwish (src/ops/pointwise.ts) against the float64 CPU references.
 *   clip: min and max are exact, so GPU == CPU exactly.
 *   mish: the GPU computes x·n/(n + 2), n = eˣ(eˣ + 2). WGSL's exp(x) is within
 *     (3 + 2|x|) ULP (≤ 2u relative each, u = 2⁻²⁴); n/(n + 2) moves by at most the
 *     relative error of n (its sensitivity 2/(n + 2) ≤ 1), which is ≤ 2·δexp + 2u; the
 *     add, the division (2.5 ULP) and the product add ≤ 8u, the reference's rounding u.
 *     Where eˣ is subnormal (x < −87) WGSL may flush it to 0, which moves mish by
 *     ≤ 2|x|·2⁻¹²⁶.
 *   hardSwish: α·x + β in float32 (α = f32(1/6) vs the reference's float64 1/6)
 *     errs by ≤ 3u·|αx| + u·(|αx| + |β|), the clamp is 1-Lipschitz, times |x|, plus 2u·|y|
 *     for the product and the reference's rounding.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ArgumentError } from '../src/core/errors.js';
import { mishScalar } from '../src/ops/pointwise.js';
import { expectExact } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { randInt, rng } from './helpers/random.js';

const h = useEngine();
const U = 2 ** -24;
const MIN_NORMAL = 2 ** -126;

const SPECIAL = [
  0, -0, 1e-7, -1e-7, 0.5, -0.5, 1, -1, 3, -3, 2.999, 3.001, -2.999, 19.9, 20, 20.5, 40, -20, -40, -87, -88, -100, 100, 1e30, -1e30,
];

/** Specials plus values spread over [−scale, scale), in a random 4-D shape. */
function inputs(r: () => number, scale: number): CpuTensor {
  const shape = [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 1, 6), randInt(r, 1, 6)];
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n + SPECIAL.length);
  for (let i = 0; i < n; i++) data[i] = (r() * 2 - 1) * scale;
  data.set(SPECIAL, n);
  return { data, shape: [1, 1, 1, data.length] };
}

async function onGpu(
  x: CpuTensor,
  f: (t: ReturnType<typeof h.engine.tensor>) => ReturnType<typeof h.engine.tensor>,
): Promise<Float32Array> {
  const g = h.engine.tensor(x.data, x.shape);
  const y = f(g);
  try {
    return await y.read();
  } finally {
    g.dispose();
    y.dispose();
  }
}

function expectWithin(got: Float32Array, ref: Float32Array, x: Float32Array, tol: (x: number, y: number) => number, context: string): void {
  expect(got.length, context).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    if (got[i] === ref[i]) continue;
    const t = tol(x[i], ref[i]);
    if (!(Math.abs(got[i] - ref[i]) <= t)) expect.fail(`${context}: element ${i} x=${x[i]} gpu=${got[i]} ref=${ref[i]} > tol ${t}`);
  }
}

describe('clip', () => {
  it('clamps to [min, max] exactly, ±Infinity bounds leave that side open', async () => {
    const x = cpu.cpuTensor(Float32Array.from([-3, -1, 0, 0.5, 2, 1e30]), [1, 1, 2, 3]);
    const cases = [
      [{ min: -1, max: 1 }, [-1, -1, 0, 0.5, 1, 1]],
      [{ min: 0, max: Infinity }, [0, 0, 0, 0.5, 2, 1e30]],
      [{ min: -Infinity, max: 0.25 }, [-3, -1, 0, 0.25, 0.25, 0.25]],
      [{ min: 6, max: 6 }, [6, 6, 6, 6, 6, 6]],
    ] as const;
    for (const [o, want] of cases) {
      const ref = cpu.clip(x, o);
      expect(Array.from(ref.data), JSON.stringify(o)).toEqual(Array.from(Float32Array.from(want)));
      expectExact(await onGpu(x, (g) => h.engine.clip(g, o)), ref.data, `clip ${JSON.stringify(o)}`);
    }
  });

  it('GPU == CPU exactly on random inputs and bounds', async () => {
    const r = rng(59);
    for (let seed = 0; seed < 6; seed++) {
      const x = inputs(r, 3);
      const a = r() * 4 - 2;
      const o = { min: Math.min(a, a + r() * 2 - 0.5), max: Math.max(a, a + r() * 2 - 0.5) };
      expectExact(await onGpu(x, (g) => h.engine.clip(g, o)), cpu.clip(x, o).data, `seed ${seed} ${JSON.stringify(o)}`);
    }
  });

  it('refuses min > max, NaN or missing bounds', () => {
    const x = cpu.zeros([1, 1, 1, 2]);
    expect(() => cpu.clip(x, { min: 1, max: 0 })).toThrow(ArgumentError);
    expect(() => cpu.clip(x, { min: 1, max: 0 })).toThrow('clip: min 1 must be <= max 0');
    expect(() => cpu.clip(x, { min: NaN, max: 0 })).toThrow('clip: min NaN must be a number (±Infinity allowed)');
    expect(() => cpu.clip(x, { min: 0 } as never)).toThrow('clip: max undefined must be a number');
    expect(() => cpu.clip(x, { min: 0, max: 1, mx: 2 } as never)).toThrow("clip: unknown option 'mx'");
  });
});

describe('mish', () => {
  it('known values: mish(0) = 0, mish(1) = tanh(log(1 + e)) = 0.8650983882673103, ≈ x above 20, ≈ x·eˣ far below 0', async () => {
    expect(mishScalar(0)).toBe(0);
    expect(mishScalar(1)).toBeCloseTo(0.8650983882673103, 15);
    expect(mishScalar(30)).toBe(30);
    expect(mishScalar(-40) / (-40 * Math.exp(-40))).toBeCloseTo(1, 12);
    const x = cpu.cpuTensor(Float32Array.from([0, 1, 30, -40]), [4]);
    const got = await onGpu(x, (g) => h.engine.mish(g));
    expect(got[0]).toBe(0);
    expect(got[2]).toBe(30);
    expect(got[1]).toBeCloseTo(0.8650983882673103, 6);
    expect(got[3] / Math.fround(-40 * Math.exp(-40))).toBeCloseTo(1, 4);
  });

  it('GPU == CPU within the derived bound on random inputs in [−30, 30) and specials (±100, ±1e30, −88)', async () => {
    const r = rng(61);
    const tol = (x: number, y: number) =>
      Math.abs(y) * (2 * (3 + 2 * Math.abs(x)) * 2 * U + 12 * U) + 2 * Math.abs(x) * MIN_NORMAL + MIN_NORMAL;
    for (let seed = 0; seed < 6; seed++) {
      const x = inputs(r, seed < 3 ? 4 : 30);
      expectWithin(await onGpu(x, (g) => h.engine.mish(g)), cpu.mish(x).data, x.data, tol, `seed ${seed}`);
    }
  });
});

describe('hardSwish', () => {
  it('known values with the defaults (1/6, 1/2): 0 below −3, x above 3, x(x + 3)/6 between', async () => {
    const x = cpu.cpuTensor(Float32Array.from([-4, -3, 0, 1.5, 3, 5]), [1, 1, 1, 6]);
    const want = [-0, -0, 0, 1.125, 3, 5]; // x · 0 keeps x's sign, as in PyTorch
    expect(Array.from(cpu.hardSwish(x).data)).toEqual(want);
    const got = await onGpu(x, (g) => h.engine.hardSwish(g));
    // f32(1/6)·(−3) + 0.5 need not be exactly 0 on the GPU: ≈, not ==, there.
    want.forEach((w, i) => expect(got[i], `x = ${x.data[i]}`).toBeCloseTo(w, 6));
    // ncnn's HardSwish with alpha 0.2, beta 0.5: the gate opens over [−2.5, 2.5].
    const o = { alpha: 0.2, beta: 0.5 };
    expect(Array.from(cpu.hardSwish(x, o).data)).toEqual(Array.from(Float32Array.from([-0, -0, 0, 1.5 * 0.8, 3, 5])));
  });

  it('GPU == CPU within the derived bound on random inputs, default and ncnn-style alpha/beta', async () => {
    const r = rng(67);
    for (let seed = 0; seed < 6; seed++) {
      const o = seed % 2 === 0 ? {} : { alpha: r() * 0.5, beta: r() };
      const alpha = seed % 2 === 0 ? 1 / 6 : (o as { alpha: number }).alpha;
      const beta = seed % 2 === 0 ? 0.5 : (o as { beta: number }).beta;
      const x = inputs(r, 5);
      const tol = (v: number, y: number) =>
        Math.abs(v) * (3 * U * Math.abs(alpha * v) + U * (Math.abs(alpha * v) + Math.abs(beta))) + 2 * U * Math.abs(y) + MIN_NORMAL;
      expectWithin(
        await onGpu(x, (g) => h.engine.hardSwish(g, o)),
        cpu.hardSwish(x, o).data,
        x.data,
        tol,
        `seed ${seed} ${JSON.stringify(o)}`,
      );
    }
  });

  it('refuses non-finite alpha or beta and unknown options', () => {
    const x = cpu.zeros([2]);
    expect(() => cpu.hardSwish(x, { alpha: Infinity })).toThrow('hardSwish: alpha Infinity must be a finite number');
    expect(() => cpu.hardSwish(x, { beta: 'a' as never })).toThrow('hardSwish: beta "a" must be a finite number');
    expect(() => cpu.hardSwish(x, { alpah: 1 } as never)).toThrow("hardSwish: unknown option 'alpah' (did you mean 'alpha'?)");
  });
});
