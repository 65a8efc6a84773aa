import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { useEngine } from './helpers/engine.js';
import { expectCloseSums, expectExact } from './helpers/compare.js';
import { pick, randInt, randomData, rng } from './helpers/random.js';

const h = useEngine();

describe('upsample', () => {
  it('nearest ×2 repeats each pixel into a 2×2 block', async () => {
    const e = h.engine;
    const y = await e.upsample(e.tensor([1, 2, 3, 4], [1, 1, 2, 2]), { scale: 2 }).read();
    expect(Array.from(y)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('bilinear ×2, align_corners=False: [0, 1] → [0, 0.25, 0.75, 1] (PyTorch)', async () => {
    const e = h.engine;
    const y = await e.upsample(e.tensor([0, 1], [1, 1, 1, 2]), { scale: [1, 2], mode: 'bilinear' }).read();
    expect(Array.from(y)).toEqual([0, 0.25, 0.75, 1]);
  });

  it('GPU == CPU reference on 24 random shapes, integer and fractional scales', async () => {
    const e = h.engine;
    for (let seed = 1; seed <= 24; seed++) {
      const r = rng(900 + seed);
      const mode = pick(r, ['nearest', 'bilinear'] as const);
      const scale: [number, number] = [pick(r, [1, 2, 3, 4, 1.5, 2.5]), pick(r, [1, 2, 3, 0.5, 1.75])];
      const shape = [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 2, 7), randInt(r, 2, 7)];
      const xs = cpu.cpuTensor(randomData(shape.reduce((a, b) => a * b), r), shape);
      const ref = cpu.upsample(xs, { scale, mode });
      const out = await e.upsample(e.tensor(xs.data, xs.shape), { scale, mode }).read();
      const ctx = `seed ${seed} ${mode} scale ${scale} ${shape}`;
      if (mode === 'nearest') expectExact(out, ref.data, ctx);
      else {
        // Bilinear mixes 4 values with weights in [0, 1]; coordinates differ by float32 vs float64 rounding.
        const mag = cpu.upsample({ data: xs.data.map(Math.abs), shape }, { scale, mode }).data;
        expectCloseSums(out, ref.data, mag.map((m) => m * 64), 4, ctx);
      }
    }
  });
});
