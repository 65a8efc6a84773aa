import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { ArgumentError, ShapeError } from '../src/index.js';
import { expectCloseSums } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { runOnnxOp } from './helpers/onnx.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';
import { resampleBound, torchCases } from './helpers/resample.js';

const h = useEngine();

/** Taps per output, for the summation bound: the window is ≤ ⌈4·f⌉ + 1 per axis (bicubic-aa), ⌈f⌉ + 1 (area). */
function taps(mode: 'area' | 'bicubic-aa', f: readonly [number, number]): number {
  const axis = (v: number) => (mode === 'area' ? Math.ceil(v) + 1 : Math.ceil(4 * v) + 1);
  return axis(f[0]) * axis(f[1]);
}

describe('downsample', () => {
  it('GPU == CPU reference on 32 random shapes: area and bicubic-aa, integer and fractional factors', async () => {
    const e = h.engine;
    for (let seed = 1; seed <= 32; seed++) {
      const r = rng(3100 + seed);
      const mode = pick(r, ['area', 'bicubic-aa'] as const);
      const factor: [number, number] = [pick(r, [1, 2, 3, 4, 1.5, 2.5]), pick(r, [1, 2, 3, 1.25, 3.5])];
      const shape = [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 4, 17), randInt(r, 4, 17)];
      const xs = randomTensor(shape, r);
      const ref = cpu.downsample(xs, { factor, mode });
      const y = e.downsample(e.tensor(xs.data, xs.shape), { factor, mode });
      expect(y.shape).toEqual(ref.shape);
      const out = await y.read();
      y.dispose();
      expectCloseSums(out, ref.data, resampleBound(xs, ref), taps(mode, factor), `seed ${seed} ${mode} factor ${factor} ${shape}`);
    }
  });

  it('area at an integer factor == onnxruntime-node AveragePool (kernel = stride = factor)', async () => {
    const e = h.engine;
    const r = rng(3300);
    for (const f of [
      [2, 2],
      [3, 2],
      [4, 1],
    ] as const) {
      const x = randomTensor([2, 3, f[0] * randInt(r, 1, 5), f[1] * randInt(r, 1, 5)], r);
      const ref = await runOnnxOp('AveragePool', [x], { kernel_shape: [...f], strides: [...f] });
      const out = await e.downsample(e.tensor(x.data, x.shape), { factor: [f[0], f[1]], mode: 'area' }).read();
      expectCloseSums(out, ref.data, resampleBound(x, ref), f[0] * f[1], `AveragePool ${f}`);
    }
  });

  it('bicubic-aa keeps a constant image constant, and at integer factors a linear ramp is the ramp at the output centres in the interior', async () => {
    const e = h.engine;
    const [H, W] = [24, 30];
    const ramp = (i: number, j: number) => 0.5 * i - 0.25 * j + 3;
    for (const factor of [2, 3, 2.5, 1.5] as const) {
      const c = await e.downsample(e.tensor(new Float32Array(H * W).fill(7), [1, 1, H, W]), { factor, mode: 'bicubic-aa' }).read();
      for (const v of c) expect(Math.abs(v - 7), `constant factor ${factor}`).toBeLessThan(1e-5);
      // At a fractional factor the taps sit asymmetrically about the centre, so the sampled kernel's first moment is not 0.
      if (!Number.isInteger(factor)) continue;
      const data = Float32Array.from({ length: H * W }, (_, k) => ramp(Math.floor(k / W), k % W));
      const out = await e.downsample(e.tensor(data, [1, 1, H, W]), { factor, mode: 'bicubic-aa' }).read();
      const [oh, ow] = [Math.floor(H / factor), Math.floor(W / factor)];
      let checked = 0;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          // Output centre f·(o + ½) − ½ in input pixel coordinates; interior = the whole support (2f) inside.
          const cy = factor * (oy + 0.5) - 0.5;
          const cx = factor * (ox + 0.5) - 0.5;
          if (cy - 2 * factor < 0 || cy + 2 * factor > H - 1 || cx - 2 * factor < 0 || cx + 2 * factor > W - 1) continue;
          // The stretched kernel is symmetric about the centre, so its first moment is the centre: Σ w·ramp = ramp(centre).
          expect(Math.abs(out[oy * ow + ox] - ramp(cy, cx)), `ramp factor ${factor} at (${oy}, ${ox})`).toBeLessThan(2e-5);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(4);
    }
  });

  it('area at an integer factor is the mean of each f×f block', () => {
    const r = rng(3400);
    const x = randomTensor([1, 2, 6, 9], r);
    const y = cpu.downsample(x, { factor: 3, mode: 'area' });
    for (let c = 0; c < 2; c++) {
      for (let oy = 0; oy < 2; oy++) {
        for (let ox = 0; ox < 3; ox++) {
          let s = 0;
          for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += x.data[(c * 6 + 3 * oy + i) * 9 + 3 * ox + j];
          expect(y.data[(c * 2 + oy) * 3 + ox]).toBeCloseTo(s / 9, 6);
        }
      }
    }
  });

  it('== PyTorch interpolate (area; bicubic antialias=True), from the fixture', async () => {
    const e = h.engine;
    for (const c of torchCases('downsample')) {
      const options = c.options as { factor: number | [number, number]; mode: 'area' | 'bicubic-aa' };
      const f: [number, number] = Array.isArray(options.factor) ? options.factor : [options.factor, options.factor];
      const y = e.downsample(e.tensor(c.input.data, c.input.shape), options);
      expect(y.shape, c.name).toEqual(c.output.shape);
      const out = await y.read();
      y.dispose();
      const bound = resampleBound(c.input, c.output);
      expectCloseSums(out, c.output.data, bound, taps(options.mode, f), c.name);
      expectCloseSums(cpu.downsample(c.input, options).data, c.output.data, bound, taps(options.mode, f), `CPU ${c.name}`);
    }
  });

  it('errors name the argument, its value and the rule', () => {
    const x = cpu.cpuTensor(new Float32Array(16), [1, 1, 4, 4]);
    expect(() => cpu.downsample(x, { factor: 0.5, mode: 'area' })).toThrow(ArgumentError);
    expect(() => cpu.downsample(x, { factor: 0.5, mode: 'area' })).toThrow(/downsample: factor 0.5 must be a finite number ≥ 1/);
    expect(() => cpu.downsample(x, { factor: 2 } as never)).toThrow(/downsample: mode \(missing\) must be 'area' or 'bicubic-aa'/);
    expect(() => cpu.downsample(x, { factor: [2, 2, 2], mode: 'area' } as never)).toThrow(
      /factor \[2,2,2\] must be a number or an \[h, w\] pair/,
    );
    expect(() => cpu.downsample(x, { factor: 5, mode: 'area' })).toThrow(ShapeError);
    expect(() => cpu.downsample(x, { factr: 2, mode: 'area' } as never)).toThrow(/factr/);
  });
});
