import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { convOutSize, convTransposeOutSize } from '../src/index.js';
import { useEngine } from './helpers/engine.js';
import { compareConv } from './helpers/ops.js';
import { pick, randInt, randomData, randomTensor, rng } from './helpers/random.js';

const h = useEngine();

const t = randomTensor;

describe('convTranspose2d', () => {
  it('GPU == CPU reference on 48 random stride/padding/outputPadding/dilation/groups/bias/activation cases', async () => {
    for (let seed = 1; seed <= 48; seed++) {
      const r = rng(seed);
      const groups = pick(r, [1, 1, 2, 3]);
      const cIn = groups * randInt(r, 1, 3);
      const cOut = groups * randInt(r, 1, 5);
      const s: [number, number] = [randInt(r, 1, 4), randInt(r, 1, 4)];
      const d: [number, number] = [randInt(r, 1, 3), pick(r, [1, 1, 2])];
      const k: [number, number] = [randInt(r, 1, 5), randInt(r, 1, 5)];
      const p: [number, number] = [randInt(r, 0, k[0] - 1), randInt(r, 0, k[1] - 1)];
      const op: [number, number] = [randInt(r, 0, Math.max(s[0], d[0]) - 1), randInt(r, 0, Math.max(s[1], d[1]) - 1)];
      const H = randInt(r, 1, 7);
      const W = randInt(r, 1, 7);
      if (convTransposeOutSize(H, k[0], s[0], p[0], d[0], op[0]) < 1 || convTransposeOutSize(W, k[1], s[1], p[1], d[1], op[1]) < 1)
        continue;
      const options = {
        stride: s,
        padding: p,
        outputPadding: op,
        dilation: d,
        groups,
        activation: pick(r, ['none', 'relu', 'leakyRelu'] as const),
        negativeSlope: 0.2,
      };
      const c = {
        x: t([randInt(r, 1, 2), cIn, H, W], r),
        w: t([cIn, cOut / groups, k[0], k[1]], r),
        b: r() < 0.7 ? t([cOut], r) : null,
        options,
      };
      await compareConv(
        h.engine,
        'convTranspose2d',
        c,
        `seed ${seed} ${JSON.stringify({ x: c.x.shape, w: c.w.shape, bias: !!c.b, ...options })}`,
      );
    }
  });

  it('output size: n_out = s(n_in − 1) + d(k − 1) + 1 − 2p + op', () => {
    expect(convTransposeOutSize(64, 4, 2, 1, 1, 0)).toBe(128);
    expect(convTransposeOutSize(10, 3, 2, 1, 1, 1)).toBe(20);
    expect(convTransposeOutSize(5, 3, 3, 0, 2, 1)).toBe(3 * 4 + 2 * 2 + 1 + 1);
    const e = h.engine;
    const y = e.convTranspose2d(
      e.tensor(new Float32Array(2 * 5 * 7), [1, 2, 5, 7]),
      e.tensor(new Float32Array(2 * 3 * 3 * 2), [2, 3, 3, 2]),
      null,
      {
        stride: [3, 2],
        padding: [1, 0],
        outputPadding: [2, 1],
        dilation: [1, 2],
      },
    );
    expect(y.shape).toEqual([1, 3, 3 * 4 + 2 + 1 - 2 + 2, 2 * 6 + 2 + 1 + 1]);
    y.dispose();
  });

  it('adjoint: <conv2d(x), y> == <x, convTranspose2d(y)> with shared weights', async () => {
    const e = h.engine;
    for (const [seed, opts] of [
      [1, { stride: 2, padding: 1 }],
      [2, { stride: 3, padding: 0, dilation: 2 }],
      [3, { stride: [2, 3], padding: [1, 2], groups: 2 }],
    ] as const) {
      const r = rng(100 + seed);
      const groups = 'groups' in opts ? opts.groups : 1;
      const cIn = 2 * groups;
      const cOut = 3 * groups;
      // conv2d weight [Cout, Cin/g, k, k] is exactly the convT weight [C'in = Cout, C'out/g = Cin/g, k, k] of its adjoint.
      const w = t([cOut, cIn / groups, 4, 3], r);
      const x = t([1, cIn, 13, 11], r);
      const yShape = cpu.conv2d(x, w, null, opts).shape;
      const y = t(yShape, r);
      const convX = await e.conv2d(e.tensor(x.data, x.shape), e.tensor(w.data, w.shape), null, opts).read();
      // output_padding recovers the input size that conv2d's floor division lost.
      const s = Array.isArray(opts.stride) ? opts.stride : [opts.stride, opts.stride];
      const p = 'padding' in opts ? (Array.isArray(opts.padding) ? opts.padding : [opts.padding, opts.padding]) : [0, 0];
      const dl = 'dilation' in opts ? opts.dilation : 1;
      const op = [0, 1].map((a) => x.shape[2 + a] - convTransposeOutSize(yShape[2 + a], w.shape[2 + a], s[a], p[a], dl, 0)) as [
        number,
        number,
      ];
      const ctY = e.convTranspose2d(e.tensor(y.data, y.shape), e.tensor(w.data, w.shape), null, { ...opts, outputPadding: op });
      expect(ctY.shape).toEqual(x.shape);
      const ct = await ctY.read();
      let lhs = 0,
        rhs = 0,
        mag = 0;
      for (let i = 0; i < convX.length; i++) {
        lhs += convX[i] * y.data[i];
        mag += Math.abs(convX[i] * y.data[i]);
      }
      for (let i = 0; i < ct.length; i++) rhs += x.data[i] * ct[i];
      // Both sides are the same sum Σ x·w·y in a different order: agree to float32 rounding of that sum.
      expect(Math.abs(lhs - rhs), `seed ${seed}`).toBeLessThan(1e-5 * Math.max(mag, 1) * 8);
    }
  });

  it('k < s: outputs that no input tap reaches get exactly the bias', async () => {
    const e = h.engine;
    // k=2, s=3: in each period of 3 output rows, row 2 receives no tap.
    const x = e.tensor(randomData(1 * 1 * 4 * 4, rng(7)), [1, 1, 4, 4]);
    const w = e.tensor(Float32Array.from([1, 2, 3, 4]), [1, 1, 2, 2]);
    const y = e.convTranspose2d(x, w, e.tensor([0.5], [1]), { stride: 3 });
    expect(y.shape).toEqual([1, 1, 11, 11]);
    const out = await y.read();
    for (let oy = 0; oy < 11; oy++)
      for (let ox = 0; ox < 11; ox++)
        if (oy % 3 === 2 || ox % 3 === 2) expect(out[oy * 11 + ox], `(${oy}, ${ox})`).toBe(0.5);
        else expect(out[oy * 11 + ox]).not.toBe(0.5);
  });

  it('padding p=1 shifts the p=0 output grid by exactly one pixel', async () => {
    const e = h.engine;
    const r = rng(9);
    const x = e.tensor(randomData(2 * 5 * 6, r), [1, 2, 5, 6]);
    const w = e.tensor(randomData(2 * 3 * 4 * 4, r), [2, 3, 4, 4]);
    const y0 = await e.convTranspose2d(x, w, null, { stride: 2, padding: 0 }).read();
    const y1v = e.convTranspose2d(x, w, null, { stride: 2, padding: 1 });
    const y1 = await y1v.read();
    const [, C, H1, W1] = y1v.shape;
    const H0 = H1 + 2,
      W0 = W1 + 2;
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H1; i++) for (let j = 0; j < W1; j++) expect(y1[(c * H1 + i) * W1 + j]).toBe(y0[(c * H0 + i + 1) * W0 + j + 1]);
  });

  it('uniform overlap when k is a multiple of s: a constant input and all-ones kernel give a flat interior', async () => {
    const e = h.engine;
    const ones = (n: number) => new Float32Array(n).fill(1);
    const flat = await e
      .convTranspose2d(e.tensor(ones(64), [1, 1, 8, 8]), e.tensor(ones(16), [1, 1, 4, 4]), null, { stride: 2, padding: 1 })
      .read();
    // Interior rows/cols 2..13 of the 16×16 output: every pixel gets (4/2)² = 4 taps.
    for (let i = 2; i < 14; i++) for (let j = 2; j < 14; j++) expect(flat[i * 16 + j]).toBe(4);
    // k=3, s=2: the overlap count alternates 1,2 along each axis (the checkerboard).
    const cb = await e.convTranspose2d(e.tensor(ones(64), [1, 1, 8, 8]), e.tensor(ones(9), [1, 1, 3, 3]), null, { stride: 2 }).read();
    const n = 17;
    const count1d = (o: number) => (o === 0 || o === n - 1 ? 1 : o % 2 === 0 ? 2 : 1);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(cb[i * n + j]).toBe(count1d(i) * count1d(j));
  });

  it('uses the same pipeline for every image size (shapes are uniforms)', async () => {
    const e = h.engine;
    const w = e.tensor(randomData(3 * 4 * 16, rng(3)), [3, 4, 4, 4]);
    e.convTranspose2d(e.tensor(randomData(3 * 25, rng(4)), [1, 3, 5, 5]), w, null, { stride: 2, padding: 1 }).dispose();
    const before = e.stats().pipelines;
    for (const [hh, ww] of [
      [7, 3],
      [9, 12],
      [16, 16],
    ]) {
      const y = e.convTranspose2d(e.tensor(randomData(3 * hh * ww, rng(hh)), [1, 3, hh, ww]), w, null, { stride: 2, padding: 1 });
      y.dispose();
    }
    expect(e.stats().pipelines).toBe(before);
    expect(convOutSize(10, 3, 2, 1, 1)).toBe(5);
  });
});
