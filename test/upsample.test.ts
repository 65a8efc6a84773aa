import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { useEngine } from './helpers/engine.js';
import { expectCloseSums, expectExact } from './helpers/compare.js';
import { runOnnxOp } from './helpers/onnx.js';
import { pick, randInt, randomData, randomTensor, rng } from './helpers/random.js';
import { resampleBound, torchCases } from './helpers/resample.js';

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
      const xs = cpu.cpuTensor(
        randomData(
          shape.reduce((a, b) => a * b),
          r,
        ),
        shape,
      );
      const ref = cpu.upsample(xs, { scale, mode });
      const out = await e.upsample(e.tensor(xs.data, xs.shape), { scale, mode }).read();
      const ctx = `seed ${seed} ${mode} scale ${scale} ${shape}`;
      if (mode === 'nearest') expectExact(out, ref.data, ctx);
      else {
        // Bilinear mixes 4 values with weights in [0, 1]; coordinates differ by float32 vs float64 rounding.
        const mag = cpu.upsample({ data: xs.data.map(Math.abs), shape }, { scale, mode }).data;
        expectCloseSums(
          out,
          ref.data,
          mag.map((m) => m * 64),
          4,
          ctx,
        );
      }
    }
  });
});

describe('upsample bicubic (ONNX Resize cubic)', () => {
  const A = [-0.75, -0.5] as const;

  it('GPU == CPU reference on 24 random shapes: both a, half_pixel and alignCorners, integer and fractional scales', async () => {
    const e = h.engine;
    for (let seed = 1; seed <= 24; seed++) {
      const r = rng(1900 + seed);
      const cubicCoeffA = pick(r, A);
      const alignCorners = pick(r, [false, true]);
      const scale: [number, number] = [pick(r, [1, 2, 3, 4, 1.5, 2.5]), pick(r, [1, 2, 3, 0.5, 1.75])];
      const shape = [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 2, 9), randInt(r, 2, 9)];
      const xs = randomTensor(shape, r);
      const options = { scale, mode: 'bicubic', cubicCoeffA, alignCorners } as const;
      const ref = cpu.upsample(xs, options);
      const out = await e.upsample(e.tensor(xs.data, xs.shape), options).read();
      expectCloseSums(
        out,
        ref.data,
        resampleBound(xs, ref),
        16,
        `seed ${seed} a ${cubicCoeffA} alignCorners ${alignCorners} scale ${scale} ${shape}`,
      );
    }
  });

  it('== onnxruntime-node Resize cubic: a −0.75 and −0.5, half_pixel and align_corners, random inputs', async () => {
    const e = h.engine;
    const r = rng(2950);
    for (const cubicCoeffA of A) {
      for (const alignCorners of [false, true]) {
        for (const scale of [
          [2, 2],
          [3, 1.5],
          [1.25, 4],
        ] as const) {
          const x = randomTensor([1, 2, randInt(r, 3, 8), randInt(r, 3, 8)], r);
          const attrs = {
            mode: 'cubic',
            cubic_coeff_a: { f: cubicCoeffA },
            coordinate_transformation_mode: alignCorners ? 'align_corners' : 'half_pixel',
          };
          const ref = await runOnnxOp('Resize', [x], attrs, ['', { data: Float32Array.from([1, 1, scale[0], scale[1]]), shape: [4] }]);
          const options = { scale: [scale[0], scale[1]] as [number, number], mode: 'bicubic', cubicCoeffA, alignCorners } as const;
          const y = e.upsample(e.tensor(x.data, x.shape), options);
          expect(y.shape, `shape a ${cubicCoeffA} alignCorners ${alignCorners} scale ${scale}`).toEqual(ref.shape);
          const out = await y.read();
          y.dispose();
          expectCloseSums(
            out,
            ref.data,
            resampleBound(x, ref),
            16,
            `Resize cubic a ${cubicCoeffA} alignCorners ${alignCorners} scale ${scale} ${x.shape}`,
          );
        }
      }
    }
  });

  it('reproduces constants wherever no tap is clamped (any a), and linear ramps and quadratics for a = −0.5 (Keys)', async () => {
    const e = h.engine;
    const [H, W] = [8, 9];
    const ramp = (i: number, j: number) => 0.5 * i - 0.25 * j + 3;
    const quad = (i: number, j: number) => 0.125 * i * i + 0.25 * j * j;
    for (const [name, f, as] of [
      ['constant', () => 7, A],
      ['ramp', ramp, [-0.5]],
      ['quadratic', quad, [-0.5]],
    ] as const) {
      for (const cubicCoeffA of as) {
        for (const scale of [2, 3, 2.5]) {
          const data = Float32Array.from({ length: H * W }, (_, k) => f(Math.floor(k / W), k % W));
          const out = await e.upsample(e.tensor(data, [1, 1, H, W]), { scale, mode: 'bicubic', cubicCoeffA }).read();
          const [oh, ow] = [Math.floor(H * scale), Math.floor(W * scale)];
          let checked = 0;
          for (let oy = 0; oy < oh; oy++) {
            for (let ox = 0; ox < ow; ox++) {
              const sy = (oy + 0.5) / scale - 0.5;
              const sx = (ox + 0.5) / scale - 0.5;
              // Interior: taps ⌊s⌋ − 1 … ⌊s⌋ + 2 all inside the image.
              if (Math.floor(sy) < 1 || Math.floor(sy) > H - 3 || Math.floor(sx) < 1 || Math.floor(sx) > W - 3) continue;
              const want = f(sy, sx);
              // Float32 coordinates and weights: a few ulp of the values (≤ 16) times the 16 taps' Σ|w| ≤ 1.6².
              expect(
                Math.abs(out[oy * ow + ox] - want),
                `${name} a ${cubicCoeffA} scale ${scale} at (${oy}, ${ox}): ${out[oy * ow + ox]} vs ${want}`,
              ).toBeLessThan(2e-5);
              checked++;
            }
          }
          expect(checked).toBeGreaterThan(10);
        }
      }
    }
  });

  it('== PyTorch interpolate(mode=bicubic) (a = −0.75, align_corners False and True), from the fixture', async () => {
    const e = h.engine;
    for (const c of torchCases('upsample')) {
      const y = e.upsample(e.tensor(c.input.data, c.input.shape), c.options as never);
      expect(y.shape, c.name).toEqual(c.output.shape);
      const out = await y.read();
      y.dispose();
      expectCloseSums(out, c.output.data, resampleBound(c.input, c.output), 16, c.name);
      expectCloseSums(cpu.upsample(c.input, c.options as never).data, c.output.data, resampleBound(c.input, c.output), 16, `CPU ${c.name}`);
    }
  });

  it('options: cubicCoeffA and alignCorners belong to bicubic only; alignCorners must be a boolean', () => {
    const x = cpu.cpuTensor(new Float32Array(4), [1, 1, 2, 2]);
    expect(() => cpu.upsample(x, { scale: 2, mode: 'bilinear', alignCorners: true })).toThrow(
      /alignCorners applies to mode 'bicubic' only, not 'bilinear'/,
    );
    expect(() => cpu.upsample(x, { scale: 2, cubicCoeffA: -0.5 })).toThrow(/cubicCoeffA applies to mode 'bicubic' only/);
    expect(() => cpu.upsample(x, { scale: 2, mode: 'bicubic', alignCorners: 1 as never })).toThrow(/alignCorners 1 must be a boolean/);
    expect(() => cpu.upsample(x, { scale: 2, mode: 'bicubic', cubicCoeffA: NaN })).toThrow(/cubicCoeffA NaN must be a finite number/);
    expect(() => cpu.upsample(x, { scale: 2, mode: 'bicubc' as never })).toThrow(
      /mode 'bicubc' must be 'nearest', 'bilinear' or 'bicubic'/,
    );
  });
});
