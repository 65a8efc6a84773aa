/** gaussianBlur (learnable σ, depthwise, zero padding) and its backward { dx, dsigma }. */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ArgumentError, ShapeError } from '../src/index.js';
import { gaussianTaps } from '../src/ops/gaussian-blur.js';
import { useEngine } from './helpers/engine.js';
import { centralDiff, d64, expectGradClose, f64 } from './helpers/finite-diff.js';
import { randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();
const EPS32 = 2 ** -24;
const sig = (v: number[]): CpuTensor => ({ data: Float32Array.from(v), shape: [v.length] });

/** Largest |a − b| and where. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): { err: number; at: number } {
  let err = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= err)) [err, at] = [e, i];
  }
  return { err, at };
}

describe('gaussianBlur', () => {
  it('the taps are a normalised Gaussian: Σ g = 1, symmetric, and g(σ = 1, k = 3) by hand', () => {
    const { g } = gaussianTaps(1, 3);
    const e1 = Math.exp(-0.5);
    expect(g[0]).toBeCloseTo(e1 / (1 + 2 * e1), 15);
    expect(g[1]).toBeCloseTo(1 / (1 + 2 * e1), 15);
    expect(g[2]).toBe(g[0]);
    expect(gaussianTaps(0.7, 7).g.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
  });

  it('GPU == CPU (forward, dx, dsigma) on 16 random shapes, kernels 1–7, shared and per-channel σ', async () => {
    const r = rng(41);
    for (let seed = 0; seed < 16; seed++) {
      const k = 2 * randInt(r, 0, 3) + 1;
      const shape = [randInt(r, 1, 2), randInt(r, 1, 5), randInt(r, 1, 9), randInt(r, 1, 9)];
      const shared = r() < 0.4;
      const sigma = sig(Array.from({ length: shared ? 1 : shape[1] }, () => 0.3 + 2.5 * r()));
      const x = randomTensor(shape, r);
      const dy = randomTensor(shape, r);
      const ctx = `seed ${seed} x [${shape}] kernel ${k} sigma [${Array.from(sigma.data).map((v) => v.toFixed(3))}]`;
      const [gx, gs, gdy] = [
        h.engine.tensor(x.data, x.shape),
        h.engine.tensor(sigma.data, sigma.shape),
        h.engine.tensor(dy.data, dy.shape),
      ];
      const y = h.engine.gaussianBlur(gx, gs, { kernel: k });
      const grads = h.engine.gaussianBlurBackward(gx, gs, gdy, { kernel: k });
      const refY = cpu.gaussianBlur(f64(x), f64(sigma), { kernel: k });
      const refG = cpu.gaussianBlurBackward(f64(x), f64(sigma), f64(dy), { kernel: k });
      // Each output is Σ of k² products G·x with Σ G = 1, |x| ≤ 1: the float32 sum and the
      // weights (exp within 3 + 2|t²/2σ²| ulp, times |t²/2σ²|·e^−|…| ≤ 1/e of weight) stay within (k² + 16)·ε32.
      const tol = (k * k + 16) * EPS32;
      const ey = worst(await y.read(), d64(refY));
      expect(ey.err, `gaussianBlur ${ctx}: max |GPU − CPU| at ${ey.at}`).toBeLessThan(tol);
      const edx = worst(await grads.dx!.read(), d64(refG.dx!));
      expect(edx.err, `gaussianBlurBackward.dx ${ctx}: max |GPU − CPU| at ${edx.at}`).toBeLessThan(tol);
      // dsigma sums N·H·W·k² (per channel, or all channels) terms of |dy·x·∂G/∂σ|; scale by Σ|dy|·(Σ|∂G/∂σ|).
      const ds = await grads.dsigma!.read();
      const refDs = d64(refG.dsigma!);
      const terms = shape[0] * shape[2] * shape[3] * (shared ? shape[1] : 1);
      for (let i = 0; i < ds.length; i++) {
        const { g, dg } = gaussianTaps(sigma.data[i], k);
        const dgMass = 2 * dg.reduce((a, v) => a + Math.abs(v), 0) * g.reduce((a, v) => a + v, 0);
        const bound = (terms + k * k + 32) * EPS32 * terms * dgMass + 1e-6;
        expect(Math.abs(ds[i] - refDs[i]), `gaussianBlurBackward.dsigma[${i}] ${ctx}: GPU ${ds[i]} vs CPU ${refDs[i]}`).toBeLessThan(bound);
      }
      for (const t of [gx, gs, gdy, y, grads.dx!, grads.dsigma!]) t.dispose();
    }
  });

  it('gradients == central finite differences of the float64 CPU forward, for x and σ (shared and per-channel)', () => {
    const r = rng(43);
    for (const [k, shared] of [
      [3, true],
      [5, false],
      [7, true],
    ] as const) {
      const shape = [1, 2, 6, 5];
      const x = f64(randomTensor(shape, r));
      const dy = f64(randomTensor(shape, r));
      const sigma = f64(sig(shared ? [0.9] : [0.6, 1.7]));
      const ctx = `kernel ${k} sigma [${Array.from(sigma.data)}]`;
      const g = cpu.gaussianBlurBackward(x, sigma, dy, { kernel: k });
      // Linear in x: no truncation error.
      expectGradClose(
        d64(g.dx!),
        centralDiff((t) => cpu.gaussianBlur(t, sigma, { kernel: k }), x, d64(dy), 1e-3),
        `gaussianBlurBackward.dx ${ctx}`,
        { k: k * k },
      );
      // In σ: truncation h²/6·|L'''|; |∂³G/∂σ³| ≤ ~50 for σ ≥ 0.6 (checked numerically), times Σ|dy·x|.
      const hs = 1e-4;
      const mass = d64(dy).reduce((a, v, i) => a + Math.abs(v * x.data[i]), 0) * k * k;
      expectGradClose(
        d64(g.dsigma!),
        centralDiff((s) => cpu.gaussianBlur(x, s, { kernel: k }), sigma, d64(dy), hs),
        `gaussianBlurBackward.dsigma ${ctx}`,
        {
          truncation: ((hs * hs) / 6) * 50 * mass,
          k: 60 * k * k,
        },
      );
    }
  });

  it('σ → 0 approaches the identity (σ = 0 is it exactly, dx = dy, dsigma = 0)', async () => {
    const r = rng(47);
    const x = randomTensor([1, 3, 7, 6], r);
    const gx = h.engine.tensor(x.data, x.shape);
    let previous = Infinity;
    for (const s of [1, 0.5, 0.3, 0.2, 0.1, 0]) {
      const gs = h.engine.tensor([s], [1]);
      const y = h.engine.gaussianBlur(gx, gs);
      const e = worst(await y.read(), x.data).err;
      const c = worst(cpu.gaussianBlur(x, sig([s])).data, x.data).err;
      expect(e, `gaussianBlur σ = ${s}: max |y − x| must shrink (previous ${previous})`).toBeLessThan(previous);
      if (s <= 0.1) {
        expect(e, `gaussianBlur σ = ${s}: GPU max |y − x|`).toBe(0);
        expect(c, `gaussianBlur σ = ${s}: CPU max |y − x|`).toBe(0);
      }
      previous = e === 0 ? 1e-300 : e;
      y.dispose();
      gs.dispose();
    }
    const gs = h.engine.tensor([0], [1]);
    const grads = h.engine.gaussianBlurBackward(gx, gs, gx);
    expect(Array.from(await grads.dx!.read()), 'gaussianBlurBackward σ = 0: dx = dy').toEqual(Array.from(x.data));
    expect(Array.from(await grads.dsigma!.read()), 'gaussianBlurBackward σ = 0: dsigma').toEqual([0]);
    for (const t of [gx, gs, grads.dx!, grads.dsigma!]) t.dispose();
  });

  it('a constant image stays constant in the interior; the zero-padded border darkens (corner = (Σ_{t≥0} g_t)²)', async () => {
    const [H, W, k, c] = [11, 9, 5, 0.75];
    const x = h.engine.tensor(new Float32Array(2 * H * W).fill(c), [1, 2, H, W]);
    const sigma = h.engine.tensor([1.2, 2.5], [2]);
    const y = await h.engine.gaussianBlur(x, sigma, { kernel: k }).read();
    const r = (k - 1) / 2;
    for (let ch = 0; ch < 2; ch++) {
      for (let i = r; i < H - r; i++) {
        for (let j = r; j < W - r; j++) {
          expect(Math.abs(y[(ch * H + i) * W + j] - c), `gaussianBlur constant: channel ${ch} (${i}, ${j})`).toBeLessThan(16 * EPS32);
        }
      }
      const { g } = gaussianTaps([1.2, 2.5][ch], k);
      const half = g.slice(r).reduce((a, b) => a + b, 0);
      expect(y[ch * H * W], `gaussianBlur constant: channel ${ch} corner`).toBeCloseTo(c * half * half, 6);
    }
    x.dispose();
    sigma.dispose();
  });

  it('adjoint: <blur(x), y> == <x, blur(y)> (float64 CPU), so dx is the blur itself', () => {
    const r = rng(53);
    const [x, y] = [f64(randomTensor([2, 3, 5, 7], r)), f64(randomTensor([2, 3, 5, 7], r))];
    const s = f64(sig([0.8, 1.5, 3]));
    const dot = (a: CpuTensor, b: CpuTensor) => d64(a).reduce((acc, v, i) => acc + v * b.data[i], 0);
    const lhs = dot(cpu.gaussianBlur(x, s, { kernel: 5 }), y);
    const rhs = dot(x, cpu.gaussianBlur(y, s, { kernel: 5 }));
    expect(Math.abs(lhs - rhs), `<blur(x), y> ${lhs} vs <x, blur(y)> ${rhs}`).toBeLessThan(1e-12);
  });

  it('errors name the op, argument, value and rule', () => {
    const x = h.engine.tensor(new Float32Array(12), [1, 3, 2, 2]);
    const s = h.engine.tensor([1], [1]);
    expect(() => h.engine.gaussianBlur(x, s, { kernel: 4 })).toThrow(ArgumentError);
    expect(() => h.engine.gaussianBlur(x, s, { kernel: 4 })).toThrow('gaussianBlur: kernel 4 must be odd');
    expect(() => h.engine.gaussianBlur(x, h.engine.tensor([1, 2], [2]))).toThrow(ShapeError);
    expect(() => h.engine.gaussianBlur(x, h.engine.tensor([1, 2], [2]))).toThrow(
      'gaussianBlur: sigma [2] must have 1 or 3 elements (one per input channel, axis 1 of input [1, 3, 2, 2])',
    );
    expect(() => h.engine.gaussianBlur(x, s, { kernal: 3 } as never)).toThrow(
      "gaussianBlur: unknown option 'kernal' (did you mean 'kernel'?)",
    );
    const dy = h.engine.tensor(new Float32Array(8), [1, 2, 2, 2]);
    expect(() => h.engine.gaussianBlurBackward(x, s, dy)).toThrow(
      "gaussianBlurBackward: dy [1, 2, 2, 2] must have the input's shape [1, 3, 2, 2]",
    );
    expect(() =>
      cpu.gaussianBlurBackward(
        { data: new Float32Array(12), shape: [1, 3, 2, 2] },
        sig([1]),
        { data: new Float32Array(12), shape: [1, 3, 2, 2] },
        { needs: { dsigma: 1 } } as never,
      ),
    ).toThrow('gaussianBlurBackward: needs.dsigma 1 must be a boolean');
    expect(() => cpu.gaussianBlur({ data: new Float32Array(12), shape: [1, 3, 2, 2] }, sig([1]), { kernel: 0 })).toThrow(
      'gaussianBlur: kernel 0 must be >= 1',
    );
    x.dispose();
    s.dispose();
    dy.dispose();
  });

  it('needs skips a gradient (null) and computes the other alone', async () => {
    const x = h.engine.tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    const s = h.engine.tensor([1], [1]);
    const only = h.engine.gaussianBlurBackward(x, s, x, { kernel: 3, needs: { dx: false } });
    expect(only.dx).toBeNull();
    const ref = cpu.gaussianBlurBackward(
      { data: Float32Array.from([1, 2, 3, 4]), shape: [1, 1, 2, 2] },
      sig([1]),
      { data: Float32Array.from([1, 2, 3, 4]), shape: [1, 1, 2, 2] },
      { kernel: 3 },
    );
    expect((await only.dsigma!.read())[0]).toBeCloseTo(ref.dsigma!.data[0], 5);
    for (const t of [x, s, only.dsigma!]) t.dispose();
  });
});
