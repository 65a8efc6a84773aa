import { describe, expect, it } from 'vitest';
import { convOutSize } from '../src/index.js';
import { useEngine } from './helpers/engine.js';
import { compareConv } from './helpers/ops.js';
import { pick, randInt, randomData, randomTensor, rng } from './helpers/random.js';

// The direct kernel (3×3 stride-1 convs would otherwise run on Winograd: test/conv2d-winograd.test.ts).
const h = useEngine({ winograd: 'off' });

const t = randomTensor;

describe('conv2d', () => {
  it('GPU == CPU reference on 40 random stride/padding/dilation/groups/bias/activation cases', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(1000 + seed);
      const groups = pick(r, [1, 1, 2, 4]);
      const cIn = groups * randInt(r, 1, 3);
      const cOut = groups * randInt(r, 1, 5);
      const k: [number, number] = [randInt(r, 1, 5), randInt(r, 1, 4)];
      const s: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
      const d: [number, number] = [randInt(r, 1, 2), randInt(r, 1, 3)];
      const p: [number, number] = [randInt(r, 0, 2), randInt(r, 0, 2)];
      const H = randInt(r, 3, 12);
      const W = randInt(r, 3, 12);
      if (convOutSize(H, k[0], s[0], p[0], d[0]) < 1 || convOutSize(W, k[1], s[1], p[1], d[1]) < 1) continue;
      const options = { stride: s, padding: p, dilation: d, groups, activation: pick(r, ['none', 'relu', 'leakyRelu'] as const) };
      const c = {
        x: t([randInt(r, 1, 2), cIn, H, W], r),
        w: t([cOut, cIn / groups, k[0], k[1]], r),
        b: r() < 0.7 ? t([cOut], r) : null,
        options,
      };
      await compareConv(h.engine, 'conv2d', c, `seed ${seed} ${JSON.stringify({ x: c.x.shape, w: c.w.shape, bias: !!c.b, ...options })}`);
    }
  });

  it('output size: floor((n + 2p − d(k − 1) − 1)/s) + 1', () => {
    expect(convOutSize(7, 3, 2, 1, 1)).toBe(4);
    expect(convOutSize(8, 3, 1, 0, 2)).toBe(4);
  });

  it('a 1×1 identity kernel copies its input exactly', async () => {
    const e = h.engine;
    const data = randomData(3 * 5 * 5, rng(5));
    const eye = new Float32Array(9);
    for (let i = 0; i < 3; i++) eye[i * 3 + i] = 1;
    const y = await e.conv2d(e.tensor(data, [1, 3, 5, 5]), e.tensor(eye, [3, 3, 1, 1]), null).read();
    expect(Array.from(y)).toEqual(Array.from(data));
  });

  it('many output channels (Cout = 67, not a multiple of the 4-channel block) and Cin = 5, 7', async () => {
    for (const cIn of [5, 7]) {
      const r = rng(cIn);
      const c = { x: t([1, cIn, 6, 5], r), w: t([67, cIn, 3, 3], r), b: t([67], r), options: { padding: 1 } };
      await compareConv(h.engine, 'conv2d', c, `Cin ${cIn}`);
    }
  });
});
