/**
 * sigmoid and tanh, element-wise and fused into the conv epilogue, against the
 * float64 CPU reference. Tolerance, derived: WGSL's exp(y) is within (3 + 2|y|) ULP
 * (1 ULP ≤ 2u relative, u = 2⁻²⁴). Both functions are written through e = exp(−k|x|):
 *   sigmoid = 1/(1 + e) or e/(1 + e), e = exp(−|x|): a relative error δ in e moves it
 *     by σ(x)·σ(−x)·δ;
 *   tanh = ±(1 − e)/(1 + e), e = exp(−2|x|): by (1 − t²)/2·δ (the series branch,
 *     |x| < 1/8, has no exp and is within a few u);
 * plus ≤ 6u·|y| for the f32 roundings of the other operations and the reference's own
 * rounding, plus 2⁻¹²⁶ absolute, since WGSL may flush subnormals (e ≈ 6e−39 at |x| = 88).
 */
import { describe, expect, it } from 'vitest';
import * as cpuEw from '../src/cpu/elementwise.js';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import * as ew from '../src/kernels/elementwise.js';
import type { KernelContext } from '../src/kernels/context.js';
import { useEngine } from './helpers/engine.js';
import { gammaBound } from './helpers/compare.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();
// TODO(op table): replace with engine.sigmoid / engine.tanh once the engine methods are wired.
const kctx = (): KernelContext => (h.engine as unknown as { ctx: KernelContext }).ctx;

const U = 2 ** -24;
const MIN_NORMAL = 2 ** -126;
const expRel = (y: number) => (3 + 2 * Math.abs(y)) * 2 * U;
const sig = (x: number) => 1 / (1 + Math.exp(-x));

const tolerance = {
  sigmoid: (x: number) => sig(x) * sig(-x) * expRel(x) + 6 * U * sig(x) + MIN_NORMAL,
  tanh: (x: number) => {
    const t = Math.tanh(x);
    return ((1 - t * t) / 2) * expRel(2 * x) + 6 * U * Math.abs(t) + MIN_NORMAL;
  },
};
type Fn = keyof typeof tolerance;

/** |gpu − ref| ≤ lipschitz·preTol + tol(pre) per element, printing the worst offender. */
function expectWithin(gpu: Float32Array, ref: Float32Array, pre: Float32Array, fn: Fn, context: string, preTol?: Float32Array): void {
  expect(gpu.length, context).toBe(ref.length);
  const lipschitz = fn === 'sigmoid' ? 0.25 : 1;
  for (let i = 0; i < ref.length; i++) {
    const tol = tolerance[fn](pre[i]) + (preTol ? lipschitz * preTol[i] : 0);
    const err = Math.abs(gpu[i] - ref[i]);
    if (!(err <= tol)) expect.fail(`${context}: element ${i} x=${pre[i]} gpu=${gpu[i]} ref=${ref[i]} |err|=${err} > tol ${tol}`);
  }
}

const SPECIAL = [
  0,
  -0,
  1e-7,
  -1e-7,
  0.1249,
  -0.1249,
  0.125,
  -0.125,
  0.5,
  -0.5,
  Math.log(3),
  Math.log(2),
  9,
  -9,
  20,
  -20,
  88,
  -88,
  100,
  -100,
  1e4,
  -1e4,
  1e30,
  -1e30,
  3.4e38,
  -3.4e38,
];

describe('sigmoid and tanh (element-wise)', () => {
  for (const fn of ['sigmoid', 'tanh'] as const) {
    it(`${fn}: GPU within the exp-ulp bound of float64 on random and extreme inputs, never NaN/Inf`, async () => {
      const r = rng(fn === 'sigmoid' ? 1 : 2);
      const x = randomTensor([2, 3, 7, 9], r);
      const data = Float32Array.from(x.data, (v, i) => (i < SPECIAL.length ? SPECIAL[i] : v * pick(r, [0.1, 1, 6, 30])));
      const xt = h.engine.tensor(data, x.shape);
      const gpu = await ew[fn](kctx(), xt).read();
      const ref = cpuEw[fn]({ data, shape: x.shape }).data;
      expect(gpu.every(Number.isFinite), `${fn}: a NaN or Inf`).toBe(true);
      expectWithin(gpu, ref, data, fn, fn);
    });
  }

  it('known answers: σ(0) = 1/2, σ(ln 3) = 3/4, σ(±100) = 1 / 0, tanh(0) = 0, tanh(ln 2) = 3/5, tanh(±100) = ±1, σ(x) + σ(−x) = 1', async () => {
    const data = Float32Array.from([0, Math.log(3), 100, -100, 1.5, -1.5]);
    const x = h.engine.tensor(data, [6]);
    const s = await ew.sigmoid(kctx(), x).read();
    expect(s[0]).toBe(0.5);
    expect(Math.abs(s[1] - 0.75)).toBeLessThanOrEqual(tolerance.sigmoid(data[1]) + 2 * U);
    expect(s[2]).toBe(1);
    expect(s[3]).toBeLessThanOrEqual(MIN_NORMAL);
    expect(Math.abs(s[4] + s[5] - 1)).toBeLessThanOrEqual(4 * U);
    const t = await ew.tanh(kctx(), h.engine.tensor([0, Math.log(2), 100, -100], [4])).read();
    expect(t[0]).toBe(0);
    expect(Math.abs(t[1] - 0.6)).toBeLessThanOrEqual(tolerance.tanh(Math.log(2)) + 2 * U);
    expect([t[2], t[3]]).toEqual([1, -1]);
  });
});

const abs = (t: CpuTensor): CpuTensor => ({ data: t.data.map(Math.abs), shape: t.shape });

describe('sigmoid and tanh fused into the conv epilogue', () => {
  it('GPU == CPU on 16 random conv2d / convTranspose2d cases, with and without a depth-to-space store', async () => {
    for (let seed = 1; seed <= 16; seed++) {
      const r = rng(4000 + seed);
      const kind = pick(r, ['conv2d', 'convTranspose2d'] as const);
      const fn = pick(r, ['sigmoid', 'tanh'] as const);
      const bs = pick(r, [1, 2]);
      const cOut = randInt(r, 1, 3) * bs * bs;
      const cIn = randInt(r, 1, 4);
      const shuffle = r() < 0.5 ? { r: bs, mode: pick(r, ['DCR', 'CRD'] as const) } : undefined;
      const x = randomTensor([1, cIn, randInt(r, 2, 6), randInt(r, 2, 6)], r);
      // Weights ×3 so the pre-activations reach the saturated tails too.
      const w0 = kind === 'conv2d' ? randomTensor([cOut, cIn, 3, 3], r) : randomTensor([cIn, cOut, 4, 4], r);
      const w = { data: w0.data.map((v) => 3 * v), shape: w0.shape };
      const b = r() < 0.5 ? randomTensor([cOut], r) : null;
      const base = { padding: 1, stride: kind === 'convTranspose2d' ? pick(r, [1, 2]) : 1 };
      const context = `seed ${seed} ${kind} ${fn} ${JSON.stringify(shuffle)}`;
      // Reference, and the tolerance laid out like the unshuffled conv output, then shuffled like it.
      const ref = cpu[kind](x, w, b, { ...base, activation: fn, depthToSpace: shuffle });
      const pre = cpu[kind](x, w, b, base);
      const mag = cpu[kind](abs(x), abs(w), b ? abs(b) : null, base);
      const k = cIn * w.shape[2] * w.shape[3] + 1;
      const preTol = mag.data.map((m, i) => 2 * gammaBound(k) * m + 4 * U * Math.abs(pre.data[i]));
      const place = (t: Float32Array) =>
        shuffle ? cpu.depthToSpace({ data: t, shape: pre.shape }, shuffle.r, { mode: shuffle.mode }).data : t;
      const e = h.engine;
      const gpu = await e[kind](e.tensor(x.data, x.shape), e.tensor(w.data, w.shape), b ? e.tensor(b.data, b.shape) : null, {
        ...base,
        activation: fn,
        depthToSpace: shuffle,
      }).read();
      expectWithin(gpu, ref.data, place(pre.data), fn, context, place(preTol));
    }
  });
});
