/** crelu: concat(relu(x), relu(−x)) on channels, element-wise and fused into the conv epilogue. */
import { describe, expect, it } from 'vitest';
import { crelu as cpuCrelu } from '../src/cpu/crelu.js';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ShapeError } from '../src/core/errors.js';
import type { KernelContext } from '../src/kernels/context.js';
import { crelu } from '../src/kernels/crelu.js';
import { useEngine } from './helpers/engine.js';
import { expectCloseSums, expectExact } from './helpers/compare.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();
// TODO(op table): replace with engine.crelu once the engine method is wired.
const kctx = (): KernelContext => (h.engine as unknown as { ctx: KernelContext }).ctx;
const abs = (t: CpuTensor): CpuTensor => ({ data: t.data.map(Math.abs), shape: t.shape });

describe('crelu', () => {
  it('known answer: [N=2, C=1] items keep their own relu and relu(−x) channels', async () => {
    const x = h.engine.tensor([-1, 2, 3, -4], [2, 1, 1, 2]);
    const y = crelu(kctx(), x);
    expect(y.shape).toEqual([2, 2, 1, 2]);
    expect(Array.from(await y.read())).toEqual([0, 2, 1, 0, 3, 0, 0, 4]);
  });

  it('GPU == CPU exactly on 16 random shapes; channel C + c is relu(−x_c)', async () => {
    const r = rng(41);
    for (let seed = 0; seed < 16; seed++) {
      const shape = [randInt(r, 1, 3), randInt(r, 1, 5), randInt(r, 1, 6), randInt(r, 1, 6)];
      const x = randomTensor(shape, r);
      const gpu = await crelu(kctx(), h.engine.tensor(x.data, x.shape)).read();
      expectExact(gpu, cpuCrelu(x).data, `seed ${seed} ${JSON.stringify(shape)}`);
    }
  });

  it('needs an NCHW input (ShapeError naming crelu)', () => {
    expect(() => crelu(kctx(), h.engine.tensor([1, 2], [2]))).toThrow(ShapeError);
    expect(() => crelu(kctx(), h.engine.tensor([1, 2], [2]))).toThrow(/^crelu: input must have rank 4/);
  });
});

describe("crelu fused into the conv epilogue: activation 'crelu' doubles the output channels", () => {
  it('known answer: a 1×1 conv with weights [1, −1] gives [relu(x), relu(−x), relu(−x), relu(x)], shuffled CRD', async () => {
    const e = h.engine;
    const x = e.tensor([-2, 3], [1, 1, 1, 2]);
    const w = e.tensor([1, -1], [2, 1, 1, 1]);
    const plain = e.conv2d(x, w, null, { activation: 'crelu' });
    expect(plain.shape).toEqual([1, 4, 1, 2]);
    expect(Array.from(await plain.read())).toEqual([0, 3, 2, 0, 2, 0, 0, 3]);
    // CRD with C = 1: output (a, 2j + b) reads channel 2a + b.
    const shuffled = await e.conv2d(x, w, null, { activation: 'crelu', depthToSpace: { r: 2, mode: 'CRD' } }).read();
    expect(Array.from(shuffled)).toEqual([0, 2, 3, 0, 2, 0, 0, 3]);
  });

  it('GPU == CPU composition (conv, crelu, scale, depth-to-space, residual) on 20 random cases', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(5000 + seed);
      const kind = pick(r, ['conv2d', 'convTranspose2d'] as const);
      const bs = pick(r, [1, 2, 3]);
      // 2·cOut must be divisible by r²: cOut = k·r² always is, and so is cOut = 2 for r = 2.
      const cOut = bs === 2 && r() < 0.4 ? 2 : randInt(r, 1, 2) * bs * bs;
      const cIn = randInt(r, 1, 4);
      const shuffle = r() < 0.6 ? { r: bs, mode: pick(r, ['DCR', 'CRD'] as const) } : undefined;
      const scale = r() < 0.5 ? pick(r, [0.2, -1.5]) : undefined;
      const x = randomTensor([1, cIn, randInt(r, 2, 6), randInt(r, 2, 6)], r);
      const w = kind === 'conv2d' ? randomTensor([cOut, cIn, 3, 3], r) : randomTensor([cIn, cOut, 4, 4], r);
      const b = r() < 0.5 ? randomTensor([cOut], r) : null;
      const base = { padding: 1, stride: kind === 'convTranspose2d' ? pick(r, [1, 2]) : 1 };
      const outShape = cpu[kind](x, w, b, { ...base, activation: 'crelu', depthToSpace: shuffle }).shape;
      const res = r() < 0.5 ? randomTensor(outShape, r) : undefined;
      const options = { ...base, activation: 'crelu' as const, outputScale: scale, depthToSpace: shuffle, residual: res };
      const ref = cpu[kind](x, w, b, options);
      // Magnitude Σ|w·x| + |b| per conv output, duplicated for both halves (crelu is 1-Lipschitz
      // and relu(−v) is exact), then carried through |scale|, the shuffle and |residual|.
      const m = cpu[kind](abs(x), abs(w), b ? abs(b) : null, base);
      let mag = cpu.concat([m, m]);
      if (scale !== undefined) mag = cpu.mul(mag, Math.abs(scale));
      if (shuffle) mag = cpu.depthToSpace(mag, shuffle.r, { mode: shuffle.mode });
      if (res) mag = cpu.add(mag, abs(res));
      const e = h.engine;
      const y = e[kind](e.tensor(x.data, x.shape), e.tensor(w.data, w.shape), b ? e.tensor(b.data, b.shape) : null, {
        ...options,
        residual: res ? e.tensor(res.data, res.shape) : undefined,
      });
      const context = `seed ${seed} ${kind} cOut=${cOut} ${JSON.stringify({ ...options, residual: !!res })}`;
      expect(y.shape, context).toEqual(ref.shape);
      const k = cIn * w.shape[2] * w.shape[3] + 1 + (scale === undefined ? 0 : 1) + (res ? 1 : 0);
      expectCloseSums(await y.read(), ref.data, mag.data, k, context);
    }
  });
});
