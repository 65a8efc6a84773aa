/** crop2d: a window of [N, C, H, W]; pure data movement, so GPU == CPU exactly. */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { ArgumentError } from '../src/core/errors.js';
import { expectExact } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();

describe('crop2d', () => {
  it('the window rows [1, 3) × columns [1, 3) of a 4×4 ramp is 5, 6, 9, 10', async () => {
    const x = cpu.cpuTensor(
      Float32Array.from({ length: 16 }, (_, i) => i),
      [1, 1, 4, 4],
    );
    const o = { top: 1, left: 1, height: 2, width: 2 };
    expect(Array.from(cpu.crop2d(x, o).data)).toEqual([5, 6, 9, 10]);
    const g = h.engine.tensor(x.data, x.shape);
    const y = h.engine.crop2d(g, o);
    expect(Array.from(await y.read())).toEqual([5, 6, 9, 10]);
    g.dispose();
    y.dispose();
  });

  it('GPU == CPU exactly on 20 random shapes and windows; crop undoes a constant pad', async () => {
    const r = rng(43);
    for (let seed = 0; seed < 20; seed++) {
      const shape = [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 1, 8), randInt(r, 1, 8)];
      const height = randInt(r, 1, shape[2]);
      const width = randInt(r, 1, shape[3]);
      const o = { top: randInt(r, 0, shape[2] - height), left: randInt(r, 0, shape[3] - width), height, width };
      const x = randomTensor(shape, r);
      const g = h.engine.tensor(x.data, x.shape);
      const y = h.engine.crop2d(g, o);
      const ref = cpu.crop2d(x, o);
      expect([...y.shape]).toEqual([shape[0], shape[1], height, width]);
      expectExact(await y.read(), ref.data, `seed ${seed} x ${JSON.stringify(shape)} ${JSON.stringify(o)}`);
      const pads = [o.top, 1, o.left, 2] as const;
      const back = cpu.crop2d(cpu.pad2d(ref, { pads }), { top: o.top, left: o.left, height, width });
      expectExact(back.data, ref.data, `seed ${seed}: crop(pad(x)) == x`);
      g.dispose();
      y.dispose();
    }
  });

  it('refuses a window that leaves the input, naming the sides', () => {
    const x = cpu.zeros([1, 2, 4, 5]);
    const call = (o: unknown) => () => cpu.crop2d(x, o as never);
    expect(call({ top: 2, left: 0, height: 3, width: 5 })).toThrow(ArgumentError);
    expect(call({ top: 2, left: 0, height: 3, width: 5 })).toThrow(
      'crop2d: top 2 + height 3 must be <= 4, the height of input [1, 2, 4, 5]',
    );
    expect(call({ top: 0, left: 1, height: 1, width: 5 })).toThrow(
      'crop2d: left 1 + width 5 must be <= 5, the width of input [1, 2, 4, 5]',
    );
    expect(call({ top: 0, left: 0, height: 0, width: 1 })).toThrow('crop2d: height 0 must be >= 1');
    expect(call({ top: -1, left: 0, height: 1, width: 1 })).toThrow('crop2d: top -1 must be >= 0');
    expect(call({ top: 0, left: 0, height: 1 })).toThrow('crop2d: width undefined must be a finite number');
    const g = h.engine.tensor(x.data, x.shape);
    expect(() => h.engine.crop2d(g, { top: 2, left: 0, height: 3, width: 5 })).toThrow(/^crop2d: top 2 \+ height 3/);
    g.dispose();
  });
});
