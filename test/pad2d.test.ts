/**
 * pad2d on [N, C, H, W]: constant, replicate and reflect-101 borders. It only
 * moves data (or writes the fill), so GPU == CPU exactly.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { ArgumentError } from '../src/core/errors.js';
import type { PadMode } from '../src/ops/pad2d.js';
import { expectExact } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();

describe('pad2d', () => {
  it('reflect-101 mirrors without repeating the edge, replicate repeats it, constant fills the value (one row, by hand)', async () => {
    const x = cpu.cpuTensor(Float32Array.from([1, 2, 3]), [1, 1, 1, 3]);
    const want: Record<PadMode, number[]> = {
      reflect: [3, 2, 1, 2, 3, 2, 1],
      replicate: [1, 1, 1, 2, 3, 3, 3],
      constant: [7, 7, 1, 2, 3, 7, 7],
    };
    for (const mode of ['reflect', 'replicate', 'constant'] as const) {
      const pads = [0, 0, 2, 2] as const;
      const options = mode === 'constant' ? { pads, mode, value: 7 } : { pads, mode };
      expect(Array.from(cpu.pad2d(x, options).data), mode).toEqual(want[mode]);
      const g = h.engine.tensor(x.data, x.shape);
      const y = h.engine.pad2d(g, options);
      expect(Array.from(await y.read()), mode).toEqual(want[mode]);
      expect(y.shape).toEqual([1, 1, 1, 7]);
      g.dispose();
      y.dispose();
    }
  });

  it('GPU == CPU exactly on 24 random shapes, pads and modes; a new size compiles nothing', async () => {
    const r = rng(41);
    const pipelines: number[] = [];
    for (let seed = 0; seed < 24; seed++) {
      const mode = pick(r, ['constant', 'replicate', 'reflect'] as const);
      const shape = [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 1, 7), randInt(r, 1, 7)];
      const pad = (size: number) => randInt(r, 0, mode === 'reflect' ? size - 1 : 4);
      const pads = [pad(shape[2]), pad(shape[2]), pad(shape[3]), pad(shape[3])] as const;
      const options = mode === 'constant' ? { pads, mode, value: r() * 4 - 2 } : { pads, mode };
      const x = randomTensor(shape, r);
      const g = h.engine.tensor(x.data, x.shape);
      const y = h.engine.pad2d(g, options);
      const ref = cpu.pad2d(x, options);
      expect([...y.shape]).toEqual(ref.shape);
      expectExact(await y.read(), ref.data, `seed ${seed} x ${JSON.stringify(shape)} ${JSON.stringify(options)}`);
      g.dispose();
      y.dispose();
      pipelines.push(h.engine.stats().pipelines);
    }
    // By the end all three modes have been compiled; the last calls (other sizes) add none.
    expect(pipelines.at(-1)).toBe(pipelines.at(-6));
  });

  it('refuses a reflect pad ≥ the axis size, negative or fractional pads, an unknown mode, and value without constant', () => {
    const x = cpu.zeros([1, 1, 3, 2]);
    const call = (o: unknown) => () => cpu.pad2d(x, o as never);
    expect(call({ pads: [0, 0, 2, 0], mode: 'reflect' })).toThrow(ArgumentError);
    expect(call({ pads: [0, 0, 2, 0], mode: 'reflect' })).toThrow(/^pad2d: reflect pad left 2 must be < the input width 2/);
    expect(call({ pads: [0, 3, 0, 0], mode: 'reflect' })).toThrow(/reflect pad bottom 3 must be < the input height 3/);
    expect(call({ pads: [0, 0, 2, 0], mode: 'replicate' })).not.toThrow();
    expect(call({ pads: [-1, 0, 0, 0] })).toThrow('pad2d: pads[0] (top) -1 must be >= 0');
    expect(call({ pads: [0, 0, 0, 1.5] })).toThrow('pad2d: pads[3] (right) 1.5 must be an integer');
    expect(call({ pads: [1, 1] })).toThrow(/pad2d: pads \[1,1\] must be \[top, bottom, left, right\]/);
    expect(call({ pads: [1, 1, 1, 1], mode: 'wrap' })).toThrow(/pad2d: mode "wrap" must be/);
    expect(call({ pads: [1, 1, 1, 1], mode: 'reflect', value: 1 })).toThrow("pad2d: value is only for mode 'constant'");
    expect(call({ pads: [1, 1, 1, 1], vaule: 1 })).toThrow("pad2d: unknown option 'vaule' (did you mean 'value'?)");
    const g = h.engine.tensor(x.data, x.shape);
    expect(() => h.engine.pad2d(g, { pads: [0, 0, 2, 0], mode: 'reflect' })).toThrow(/^pad2d: reflect pad left 2/);
    g.dispose();
  });
});
