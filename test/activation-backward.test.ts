/**
 * Activation gradients (src/ops/activation-backward.ts): relu, leakyRelu and
 * prelu from the input x, sigmoid and tanh from the output y, crelu from x;
 * preluBackward returns { dx, dslope }, dslope reduced per channel (or to one value).
 *
 * Finite differences: central differences of the float64 CPU forward
 * (helpers/finite-diff.ts). Truncation, derived: for an element-wise f,
 * L = Σ f(x_k)·dy_k moves with x_i only through f(x_i)·dy_i, so the error is
 * h²/6·max|f'''|·|dy_i|, with max|σ'''| = 1/8 (at σ = 1/2) and max|tanh'''| = 2
 * (at 0). The piecewise-linear ones (relu, leakyRelu, prelu, crelu) have no
 * truncation error once every x is ≥ 10h from the kink at 0, which the inputs
 * are pushed to be; prelu is linear in its slope.
 *
 * GPU vs CPU, derived (u = 2⁻²⁴): relu, leakyRelu, prelu and crelu are a select and
 * at most one correctly rounded product (slopes are float32 values): exact.
 * sigmoid: (g·y)·(1 − y), three roundings, ≤ γ₃·|g·y·(1 − y)|. tanh: g·(1 − y²)
 * rounds y², 1 − y² and the product: ≤ γ₃·|g|·(1 + y²) (1 − y² cancels near |y| = 1).
 * The slope gradient sums K = N·H·W rounded products dy·min(x, 0), in any order:
 * ≤ γ_{K+1}·Σ|dy·min(x, 0)| per side.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ShapeError, type Tensor } from '../src/index.js';
import { useEngine } from './helpers/engine.js';
import { expectCloseSums, expectExact } from './helpers/compare.js';
import { centralDiff, d64, expectGradClose, f64 } from './helpers/finite-diff.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();

const randomShape = (r: () => number) => [randInt(r, 1, 2), randInt(r, 1, 4), randInt(r, 1, 5), randInt(r, 1, 5)];

/** x with every element at least `gap` from 0 (away from the kinks of the piecewise-linear ops). */
function awayFromZero(t: CpuTensor, gap: number): CpuTensor {
  return { data: t.data.map((v) => (v >= 0 ? gap + v : v - gap)), shape: t.shape };
}

/** The same values as float32 tensors on the GPU, read back and disposed. */
async function gpuCall(
  f: (...ts: ReturnType<typeof h.engine.tensor>[]) => ReturnType<typeof h.engine.tensor>,
  ...ins: CpuTensor[]
): Promise<Float32Array> {
  const ts = ins.map((t) => h.engine.tensor(Float32Array.from(t.data), t.shape));
  const y = f(...ts);
  const out = await y.read();
  y.dispose();
  ts.forEach((t) => t.dispose());
  return out;
}

describe('activation gradients vs central differences of the float64 CPU forward', () => {
  const H_PIECEWISE = 2 ** -10;
  const H_SMOOTH = 2 ** -12;

  it('relu, leakyRelu (slopes of either sign), crelu: from x, no truncation error away from 0; 8 random shapes each', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const r = rng(2100 + seed);
      const shape = randomShape(r);
      const x = f64(awayFromZero(randomTensor(shape, r), 10 * H_PIECEWISE));
      const dy = f64(randomTensor(shape, r));
      const slope = pick(r, [0.01, 0.2, -0.5, 0, 1.5]);
      const ctx = `seed ${seed} x [${shape}]`;
      expectGradClose(
        d64(cpu.reluBackward(dy, x)),
        centralDiff((v) => cpu.relu(v), x, d64(dy), H_PIECEWISE),
        `reluBackward ${ctx}`,
      );
      expectGradClose(
        d64(cpu.leakyReluBackward(dy, x, slope)),
        centralDiff((v) => cpu.leakyRelu(v, slope), x, d64(dy), H_PIECEWISE),
        `leakyReluBackward slope ${slope} ${ctx}`,
      );
      const dy2 = f64(randomTensor([shape[0], 2 * shape[1], shape[2], shape[3]], r));
      expectGradClose(
        d64(cpu.creluBackward(dy2, x)),
        centralDiff((v) => cpu.crelu(v), x, d64(dy2), H_PIECEWISE),
        `creluBackward ${ctx}`,
        { k: 2 },
      );
    }
  });

  it('sigmoid and tanh: from the forward output y, within h²/6·max|f‴|·|dy|; inputs up to ±6, 8 random shapes each', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const r = rng(2200 + seed);
      const shape = randomShape(r);
      const x = f64({ data: randomTensor(shape, r).data.map((v) => 6 * v), shape });
      const dy = f64(randomTensor(shape, r));
      const ctx = `seed ${seed} x [${shape}]`;
      const trunc = (m3: number) => d64(dy).map((g) => ((H_SMOOTH * H_SMOOTH) / 6) * m3 * Math.abs(g));
      const ys = cpu.sigmoid(x);
      expectGradClose(
        d64(cpu.sigmoidBackward(dy, ys)),
        centralDiff((v) => cpu.sigmoid(v), x, d64(dy), H_SMOOTH),
        `sigmoidBackward ${ctx}`,
        {
          truncation: trunc(1 / 8),
          k: 3,
        },
      );
      const yt = cpu.tanh(x);
      expectGradClose(
        d64(cpu.tanhBackward(dy, yt)),
        centralDiff((v) => cpu.tanh(v), x, d64(dy), H_SMOOTH),
        `tanhBackward ${ctx}`,
        {
          truncation: trunc(2),
          k: 3,
          analyticMag: d64(dy).map((g, i) => Math.abs(g) * (1 + d64(yt)[i] ** 2)),
        },
      );
    }
  });

  it('prelu: dx from x away from 0, dslope (linear in the slope) per channel and shared, ranks 1–4, 12 random cases', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(2300 + seed);
      const rank = randInt(r, 1, 4);
      const shape = Array.from({ length: rank }, () => randInt(r, 1, 4));
      const channels = rank >= 2 ? shape[1] : 1;
      const slope = f64(randomTensor([r() < 0.3 ? 1 : channels], r));
      const x = f64(awayFromZero(randomTensor(shape, r), 10 * H_PIECEWISE));
      const dy = f64(randomTensor(shape, r));
      const ctx = `seed ${seed} x [${shape}] slope [${slope.shape}]`;
      const g = cpu.preluBackward(dy, x, slope);
      expectGradClose(
        d64(g.dx!),
        centralDiff((v) => cpu.prelu(v, slope), x, d64(dy), H_PIECEWISE),
        `preluBackward dx ${ctx}`,
      );
      const dslope = d64(g.dslope!);
      const mag = d64(cpu.preluBackward(f64({ data: d64(dy).map(Math.abs) as unknown as Float32Array, shape }), x, slope).dslope!).map(
        Math.abs,
      );
      expectGradClose(
        dslope,
        centralDiff((s) => cpu.prelu(x, s), slope, d64(dy), H_PIECEWISE),
        `preluBackward dslope ${ctx}`,
        {
          k: x.data.length + 1,
          analyticMag: mag,
        },
      );
    }
  });
});

describe('activation gradients: GPU vs CPU', () => {
  it('known answers: relu passes dy where x > 0 (not at 0), leakyRelu scales the rest, crelu subtracts the second half where x < 0', async () => {
    const e = h.engine;
    const x = e.tensor([-2, 0, 3, -1], [1, 1, 2, 2]);
    const dy = e.tensor([10, 20, 30, 40], [1, 1, 2, 2]);
    expect(Array.from(await e.reluBackward(dy, x).read())).toEqual([0, 0, 30, 0]);
    expect(Array.from(await e.leakyReluBackward(dy, x, 0.5).read())).toEqual([5, 10, 30, 20]);
    const dy2 = e.tensor([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    expect(Array.from(await e.creluBackward(dy2, x).read())).toEqual([-5, 0, 3, -8]);
    const slope = e.tensor([0.25, -1], [2]);
    const xp = e.tensor([-4, 2, -8, 3], [1, 2, 1, 2]);
    const dyp = e.tensor([1, 1, 2, 2], [1, 2, 1, 2]);
    const g = e.preluBackward(dyp, xp, slope);
    expect(Array.from(await g.dx!.read())).toEqual([0.25, 1, -2, 2]);
    expect(Array.from(await g.dslope!.read())).toEqual([-4, -16]);
    const shared = e.preluBackward(dyp, xp, e.tensor([0.5], [1]), { needs: { dx: false } });
    expect(shared.dx).toBeNull();
    expect(Array.from(await shared.dslope!.read())).toEqual([-20]);
    expect(e.preluBackward(dyp, xp, slope, { needs: { dslope: false } }).dslope).toBeNull();
  });

  it('relu, leakyRelu, prelu dx and crelu: GPU == CPU exactly on 16 random shapes (a select and one rounded product)', async () => {
    const e = h.engine;
    for (let seed = 1; seed <= 16; seed++) {
      const r = rng(2400 + seed);
      const shape = randomShape(r);
      const x = randomTensor(shape, r);
      // Exact zeros too: every op's rule at x = 0 is PyTorch's.
      for (let i = 0; i < x.data.length; i++) if (r() < 0.1) x.data[i] = 0;
      const dy = randomTensor(shape, r);
      const slope = Math.fround(pick(r, [0.01, 0.2, -0.5, 0, 1.5]));
      const ctx = `seed ${seed} x [${shape}] slope ${slope}`;
      expectExact(await gpuCall((a, b) => e.reluBackward(a, b), dy, x), cpu.reluBackward(dy, x).data, `reluBackward ${ctx}`);
      expectExact(
        await gpuCall((a, b) => e.leakyReluBackward(a, b, slope), dy, x),
        cpu.leakyReluBackward(dy, x, slope).data,
        `leakyReluBackward ${ctx}`,
      );
      const slopes = randomTensor([r() < 0.3 ? 1 : shape[1]], r);
      const dxP = await gpuCall((a, b, s) => e.preluBackward(a, b, s, { needs: { dslope: false } }).dx!, dy, x, slopes);
      expectExact(dxP, cpu.preluBackward(dy, x, slopes).dx!.data, `preluBackward dx ${ctx} [${slopes.shape}]`);
      const dy2 = randomTensor([shape[0], 2 * shape[1], shape[2], shape[3]], r);
      expectExact(await gpuCall((a, b) => e.creluBackward(a, b), dy2, x), cpu.creluBackward(dy2, x).data, `creluBackward ${ctx}`);
    }
  });

  it('sigmoid and tanh from y: GPU within γ₃ of the CPU reference on 16 random shapes, y over the whole range', async () => {
    const e = h.engine;
    for (let seed = 1; seed <= 16; seed++) {
      const r = rng(2500 + seed);
      const shape = randomShape(r);
      const x = { data: randomTensor(shape, r).data.map((v) => 12 * v), shape };
      const dy = randomTensor(shape, r);
      const ctx = `seed ${seed} x [${shape}]`;
      const ys = cpu.sigmoid(x);
      const refS = cpu.sigmoidBackward(dy, ys).data;
      expectCloseSums(await gpuCall((a, b) => e.sigmoidBackward(a, b), dy, ys), refS, refS.map(Math.abs), 3, `sigmoidBackward ${ctx}`);
      const yt = cpu.tanh(x);
      const refT = cpu.tanhBackward(dy, yt).data;
      const magT = dy.data.map((g, i) => Math.abs(g) * (1 + yt.data[i] * yt.data[i]));
      expectCloseSums(await gpuCall((a, b) => e.tanhBackward(a, b), dy, yt), refT, magT, 3, `tanhBackward ${ctx}`);
    }
  });

  it('preluBackward dslope: GPU (workgroup tree sums) within γ_{K+1} of float64 CPU, per-channel and shared slopes, ranks 1–4, two of them with 8k–160k elements', async () => {
    const e = h.engine;
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(2600 + seed);
      const rank = randInt(r, 1, 4);
      const big = seed <= 2;
      const shape = Array.from({ length: rank }, (_, i) => (big && i !== 1 ? randInt(r, 20, 30) : randInt(r, 1, 6)));
      const channels = rank >= 2 ? shape[1] : 1;
      const slope = randomTensor([r() < 0.3 ? 1 : channels], r);
      const x = randomTensor(shape, r);
      const dy = randomTensor(shape, r);
      const ref = d64(cpu.preluBackward(f64(dy), f64(x), f64(slope)).dslope!);
      const mag = d64(cpu.preluBackward(f64({ data: dy.data.map(Math.abs), shape }), f64(x), f64(slope)).dslope!).map(Math.abs);
      const k = x.data.length / slope.data.length + 1;
      const g = e.preluBackward(...([dy, x, slope].map((t) => e.tensor(t.data, t.shape)) as [Tensor, Tensor, Tensor]));
      const out = await g.dslope!.read();
      [g.dx!, g.dslope!].forEach((t) => t.dispose());
      expectCloseSums(
        out,
        Float32Array.from(ref),
        Float32Array.from(mag),
        k,
        `preluBackward dslope seed ${seed} x [${shape}] slope [${slope.shape}]`,
      );
    }
  });

  it('shape errors name the op and both tensors', () => {
    const e = h.engine;
    const a = e.tensor(new Float32Array(8), [1, 2, 2, 2]);
    const b = e.tensor(new Float32Array(4), [1, 1, 2, 2]);
    expect(() => e.reluBackward(a, b)).toThrow('reluBackward: shapes [1, 2, 2, 2] and [1, 1, 2, 2] must be equal');
    expect(() => e.sigmoidBackward(a, b)).toThrow(ShapeError);
    expect(() => e.creluBackward(b, b)).toThrow(
      "creluBackward: dy [1, 1, 2, 2] must have crelu's output shape [1, 2, 2, 2] for input [1, 1, 2, 2]",
    );
    expect(() => e.creluBackward(a, b)).not.toThrow();
    expect(() => e.preluBackward(a, a, e.tensor([1, 2, 3], [3]))).toThrow(/^preluBackward: slope \[3\] must have 1 or 2 elements/);
    expect(() => e.preluBackward(a, a, e.tensor([1], [1]), { needs: { dslop: false } } as never)).toThrow(
      "preluBackward: unknown option 'needs.dslop' (did you mean 'needs.dslope'?)",
    );
    expect(() => e.preluBackward(b, a, e.tensor([1], [1]))).toThrow('preluBackward: shapes [1, 1, 2, 2] and [1, 2, 2, 2] must be equal');
    expect(() => cpu.leakyReluBackward(cpu.zeros([1]), cpu.zeros([1]), NaN)).toThrow(
      'leakyReluBackward: negativeSlope NaN must be a finite number',
    );
  });
});
