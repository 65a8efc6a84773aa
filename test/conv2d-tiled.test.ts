/**
 * The tiled conv2d kernel (shaders/conv2d-tiled.wgsl.ts), forced with createEngine({ convKernel: 'tiled' })
 * on whatever adapter the tests run on (SwiftShader unless WEBGPU_TEST_ADAPTER=hardware), against the
 * CPU reference. Tolerances as in conv2d.test.ts (helpers/compare.ts: the float32 summation bound
 * 2·γ_K·Σ|w·x|), carried through the activations as in sigmoid-tanh.test.ts and crelu.test.ts.
 * Every case checks which kernel ran (by the pipelines compiled), so a silent fallback to the
 * direct kernel cannot pass for the tiled one. SwiftShader takes ~2 s to compile each tiled
 * pipeline, so the cases share few structures (kernel size, config, epilogue flags) and vary sizes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/index.js';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ArgumentError } from '../src/core/errors.js';
import type { PipelineCache } from '../src/gpu/pipeline-cache.js';
import { tiledConfigFor } from '../src/kernels/conv-tiled.js';
import { loadAnime4k, type Anime4kJson } from '../src/model/anime4k.js';
import { useEngine } from './helpers/engine.js';
import { expectExact, gammaBound } from './helpers/compare.js';
import { compareConv } from './helpers/ops.js';
import { pick, randInt, randomData, randomTensor, rng } from './helpers/random.js';

const tiled = useEngine({ convKernel: 'tiled' });
const direct = useEngine({ convKernel: 'direct', winograd: 'off' });

const t = randomTensor;
const U = 2 ** -24;
const abs = (x: CpuTensor): CpuTensor => ({ data: x.data.map(Math.abs), shape: x.shape });

const keys = (e: Engine): string[] => (e as unknown as { cache: PipelineCache }).cache.keys();
const tiledKeys = (e: Engine) => keys(e).filter((k) => k.startsWith('conv2d-tiled['));
/** Tiled pipelines of one config and kernel size (variant flags are sorted: …,config=…,kH=…,kW=…,…). */
const tiledKeysFor = (e: Engine, config: string, kH: number, kW: number) =>
  tiledKeys(e).filter((k) => k.includes(`config=${config},kH=${kH},kW=${kW},`));

/** Odd sizes, never a multiple of the 16-pixel tile: partial tiles on both axes, and up to 2×2 tiles. */
const oddSize = (r: () => number) => 2 * randInt(r, 2, 13) + 1;

describe("conv2d on the tiled kernel (convKernel: 'tiled')", () => {
  it('the option resolves as asked: engine.convKernel', () => {
    expect(tiled.engine.convKernel).toBe('tiled');
    expect(direct.engine.convKernel).toBe('direct');
  });

  it('config by Cout and kernel: t256 for Cout ≤ 16, for 5×5 and up, and where c32 pads more channels; c32 otherwise', () => {
    const name = (cOut: number, k: number) => tiledConfigFor(cOut, k, k).name;
    expect([1, 16].map((c) => name(c, 3))).toEqual(['t256', 't256']);
    expect([17, 32, 64, 96].map((c) => name(c, 3))).toEqual(['c32', 'c32', 'c32', 'c32']);
    // 40 and 48 channels: c32 would compute 64, t256 48.
    expect([40, 48].map((c) => name(c, 3))).toEqual(['t256', 't256']);
    // 5×5: c32's weight tile leaves room for 3 input channels a step, not 4.
    expect([32, 64].map((c) => name(c, 5))).toEqual(['t256', 't256']);
  });

  it('GPU == CPU reference on 20 random batch/Cin/Cout/kernel/padding/size cases, Cout on both sides of 16', async () => {
    const e = tiled.engine;
    const configs = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(7000 + seed);
      const cIn = randInt(r, 1, 40);
      // Alternate sides of 16 (t256 up to 16 output channels), edges included.
      const cOut = seed % 2 ? pick(r, [1, randInt(r, 2, 15), 16]) : pick(r, [17, randInt(r, 18, 40), 32]);
      // 1×1 runs direct (nothing to stage); 3×5 is the non-square case.
      const [kH, kW] = pick(r, [
        [1, 1],
        [3, 3],
        [5, 5],
        [3, 5],
      ]);
      const padding: [number, number] = [randInt(r, 0, 2), randInt(r, 0, 2)];
      const x = t([randInt(r, 1, 3), cIn, oddSize(r), oddSize(r)], r);
      const c = { x, w: t([cOut, cIn, kH, kW], r), b: t([cOut], r), options: { padding } };
      const context = `seed ${seed} ${JSON.stringify({ x: x.shape, w: c.w.shape, padding })}`;
      await compareConv(e, 'conv2d', c, context);
      const config = tiledConfigFor(cOut, kH, kW).name;
      // It ran tiled, on the config its Cout and kernel call for: that pipeline exists (compiled now or reused).
      const ran = tiledKeysFor(e, config, kH, kW).length;
      if (kH * kW === 1) expect(ran, `${context}: 1×1 ran tiled`).toBe(0);
      else expect(ran, `${context}: no ${config} pipeline`).toBeGreaterThan(0);
      if (kH * kW > 1) configs.add(config);
    }
    expect([...configs].sort()).toEqual(['c32', 't256']);
  });

  it('Cin past one staging step (Cin = 37, 9 and 5 against 4 or 8 channels a step, last step partial), batch 3', async () => {
    for (const [cIn, cOut] of [
      [37, 32],
      [9, 16],
      [5, 3],
    ]) {
      const r = rng(cIn * 100 + cOut);
      const c = { x: t([3, cIn, 17, 19], r), w: t([cOut, cIn, 3, 3], r), b: t([cOut], r), options: { padding: 1 } };
      await compareConv(tiled.engine, 'conv2d', c, `Cin ${cIn} Cout ${cOut}`);
    }
    expect(tiledKeysFor(tiled.engine, 'c32', 3, 3).length).toBeGreaterThan(0);
    expect(tiledKeysFor(tiled.engine, 't256', 3, 3).length).toBeGreaterThan(0);
  });

  describe('fused epilogue: activation(conv + bias) · outputScale + residual, depth-to-space store', () => {
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const expRel = (y: number) => (3 + 2 * Math.abs(y)) * 2 * U;
    /**
     * Error of act(v) given |v − pre| ≤ preTol: Lipschitz constant × preTol, plus the activation's
     * own rounding (sigmoid and tanh: WGSL's exp within (3 + 2|y|) ULP, see sigmoid-tanh.test.ts).
     */
    function activationTol(act: string, pre: number, preTol: number, slope: number): number {
      if (act === 'sigmoid') return 0.25 * preTol + sig(pre) * sig(-pre) * expRel(pre) + 6 * U * sig(pre) + 2 ** -126;
      if (act === 'tanh') {
        const th = Math.tanh(pre);
        return preTol + ((1 - th * th) / 2) * expRel(2 * pre) + 6 * U * Math.abs(th) + 2 ** -126;
      }
      return act === 'leakyRelu' ? Math.max(1, Math.abs(slope)) * preTol : preTol;
    }

    // One structure per activation (each compiles one pipeline); across them every flag is on
    // somewhere and off somewhere, and both configs run. cOut range: t256 ≤ 16, c32 17–32.
    const STRUCTURES = [
      { act: 'none', bias: true, scale: false, residual: true, shuffle: 'CRD', cOut: [4, 16] },
      { act: 'relu', bias: true, scale: true, residual: false, shuffle: null, cOut: [17, 32] },
      { act: 'leakyRelu', bias: false, scale: true, residual: true, shuffle: 'DCR', cOut: [20, 32] },
      { act: 'sigmoid', bias: true, scale: false, residual: false, shuffle: 'DCR', cOut: [4, 12] },
      { act: 'tanh', bias: true, scale: true, residual: true, shuffle: null, cOut: [17, 30] },
      // crelu doubles the channels before the shuffle: 2·cOut must divide by r² = 4.
      { act: 'crelu', bias: true, scale: false, residual: true, shuffle: null, cOut: [18, 28] },
      { act: 'crelu', bias: false, scale: true, residual: false, shuffle: 'CRD', cOut: [2, 16] },
    ] as const;

    for (const s of STRUCTURES) {
      const flags = `bias ${s.bias}, scale ${s.scale}, residual ${s.residual}, shuffle ${s.shuffle ?? 'none'}`;
      it(`${s.act} (${flags}): GPU == CPU on 3 random shapes`, async () => {
        const e = tiled.engine;
        for (let seed = 1; seed <= 3; seed++) {
          const r = rng(8000 + 10 * STRUCTURES.indexOf(s) + seed);
          let cOut = randInt(r, s.cOut[0], s.cOut[1]);
          if (s.shuffle) cOut -= cOut % (s.act === 'crelu' ? 2 : 4);
          const cIn = randInt(r, 1, 12);
          const slope = pick(r, [0.01, -0.3, 1.7]);
          const shuffle = s.shuffle ? { r: 2, mode: s.shuffle } : undefined;
          const scale = s.scale ? pick(r, [0.2, -1.5]) : undefined;
          const x = t([randInt(r, 1, 2), cIn, oddSize(r), oddSize(r)], r);
          // Weights ×3 so sigmoid and tanh reach their saturated tails too.
          const w0 = t([cOut, cIn, 3, 3], r);
          const w = { data: w0.data.map((v) => 3 * v), shape: w0.shape };
          const b = s.bias ? t([cOut], r) : null;
          const base = { padding: 1 };
          const outShape = cpu.conv2d(x, w, b, { ...base, activation: s.act, depthToSpace: shuffle }).shape;
          const res = s.residual ? t(outShape, r) : undefined;
          const options = { ...base, activation: s.act, negativeSlope: slope, outputScale: scale, depthToSpace: shuffle, residual: res };
          const context = `${s.act} seed ${seed} ${JSON.stringify({ x: x.shape, cOut, ...options, residual: !!res })}`;
          const ref = cpu.conv2d(x, w, b, options);
          // Tolerance per conv output (the summation bound), through the activation, laid out like the
          // activated channels (crelu: both halves), then |scale|, the shuffle and the residual's rounding.
          const pre = cpu.conv2d(x, w, b, base);
          const mag = cpu.conv2d(abs(x), abs(w), b ? abs(b) : null, base);
          const k = cIn * 9 + 1;
          const tol1 = mag.data.map((m, i) =>
            activationTol(s.act, pre.data[i], 2 * gammaBound(k) * m + 4 * U * Math.abs(pre.data[i]), slope),
          );
          let tol: CpuTensor = { data: tol1, shape: pre.shape };
          if (s.act === 'crelu') tol = cpu.concat([tol, tol]);
          if (scale !== undefined) tol = cpu.mul(tol, Math.abs(scale));
          if (shuffle) tol = cpu.depthToSpace(tol, shuffle.r, { mode: shuffle.mode });
          const gpu = await e
            .conv2d(e.tensor(x.data, x.shape), e.tensor(w.data, w.shape), b ? e.tensor(b.data, b.shape) : null, {
              ...options,
              residual: res ? e.tensor(res.data, res.shape) : undefined,
            })
            .read();
          expect(gpu.length, context).toBe(ref.data.length);
          for (let i = 0; i < gpu.length; i++) {
            const bound = tol.data[i] + 4 * U * (Math.abs(ref.data[i]) + (res ? Math.abs(res.data[i]) : 0));
            const err = Math.abs(gpu[i] - ref.data[i]);
            if (!(err <= bound)) expect.fail(`${context}: element ${i} gpu=${gpu[i]} ref=${ref.data[i]} |err|=${err} > ${bound}`);
          }
          const config = tiledConfigFor(cOut, 3, 3).name;
          const ran = tiledKeysFor(e, config, 3, 3).filter((key) => key.includes(`activation=${s.act},bias=${s.bias},`));
          expect(ran.length, `${context}: a ${config} pipeline for ${s.act}`).toBeGreaterThan(0);
        }
      });
    }
  });

  it('falls back to the direct kernel (same results) for stride 2, dilation 2, groups 2, 1×1 and 15×15 kernels, and convTranspose2d', async () => {
    const e = tiled.engine;
    const before = tiledKeys(e);
    const r = rng(9001);
    const cases: [string, number[], number[], Record<string, unknown>][] = [
      ['stride 2', [2, 5, 15, 13], [20, 5, 3, 3], { stride: 2, padding: 1 }],
      ['dilation 2', [1, 6, 17, 15], [8, 6, 3, 3], { dilation: 2, padding: 2 }],
      ['groups 2', [2, 6, 13, 11], [20, 3, 3, 3], { groups: 2, padding: 1 }],
      ['1×1 kernel', [2, 7, 9, 11], [20, 7, 1, 1], {}],
      // The halo and the weights of even one input channel exceed 16 KiB.
      ['15×15 kernel', [1, 2, 15, 13], [5, 2, 15, 15], { padding: 7 }],
    ];
    for (const [name, xs, ws, options] of cases) {
      await compareConv(e, 'conv2d', { x: t(xs, r), w: t(ws, r), b: t([ws[0]], r), options }, `${name} under 'tiled'`);
    }
    await compareConv(
      e,
      'convTranspose2d',
      { x: t([1, 4, 7, 9], r), w: t([4, 6, 4, 4], r), b: null, options: { stride: 2, padding: 1 } },
      'convT',
    );
    expect(tiledKeys(e)).toEqual(before);
  });

  it('falls back to the direct kernel when a tensor it binds would be split into pages (maxBindingBytes), with the same results', async () => {
    const e = await createEngine({ convKernel: 'tiled', maxBindingBytes: 1024 });
    try {
      const r = rng(9002);
      // The output, 4·9·9·4 = 1296 bytes, takes two pages of 1 KiB.
      await compareConv(e, 'conv2d', { x: t([1, 1, 9, 9], r), w: t([4, 1, 3, 3], r), b: t([4], r), options: { padding: 1 } }, 'y paged');
      // The tiled kernel's packed weights (9 taps · 2 input channels · 16 channels · 4 bytes = 1152) would page;
      // the direct kernel's (4 channels: 288 bytes) do not.
      await compareConv(e, 'conv2d', { x: t([1, 2, 5, 7], r), w: t([3, 2, 3, 3], r), b: t([3], r), options: { padding: 1 } }, 'w paged');
      expect(tiledKeys(e)).toEqual([]);
      // Every tensor within one page (packed weights 9·1·16·4 = 576 bytes): tiled on the same engine.
      await compareConv(e, 'conv2d', { x: t([1, 1, 5, 7], r), w: t([3, 1, 3, 3], r), b: t([3], r), options: { padding: 1 } }, 'one page');
      expect(tiledKeys(e)).toHaveLength(1);
    } finally {
      e.destroy();
    }
  });

  it('a new image size, batch or channel count compiles nothing: sizes are uniforms', async () => {
    const e = tiled.engine;
    const r = rng(9003);
    const run = (n: number, cIn: number, hh: number, ww: number, w: ReturnType<Engine['tensor']>, b: ReturnType<Engine['tensor']>) =>
      e.conv2d(e.tensor(randomData(n * cIn * hh * ww, r), [n, cIn, hh, ww]), w, b, { padding: [1, 2] }).dispose();
    const b = e.tensor(randomData(24, r), [24]);
    const w7 = e.tensor(randomData(24 * 7 * 9, r), [24, 7, 3, 3]);
    const w3 = e.tensor(randomData(24 * 3 * 9, r), [24, 3, 3, 3]);
    run(1, 7, 9, 11, w7, b);
    run(1, 3, 9, 11, w3, b);
    const pipelines = e.stats().pipelines;
    expect(tiledKeysFor(e, 'c32', 3, 3).length).toBeGreaterThan(0);
    for (const [n, hh, ww] of [
      [1, 33, 17],
      [2, 5, 40],
      [3, 21, 21],
    ]) {
      run(n, 7, hh, ww, w7, b);
      run(n, 3, hh, ww, w3, b);
    }
    expect(e.stats().pipelines).toBe(pipelines);
    for (const x of [b, w7, w3]) x.dispose();
  });

  it("a whole model (Anime4K cnn-2x-s-an, WebSR's weights) gives the same output on the tiled and the direct kernel", async () => {
    const dir = join(dirname(createRequire(import.meta.url).resolve('@websr/websr/package.json')), 'weights/anime4k');
    const json = JSON.parse(readFileSync(join(dir, 'cnn-2x-s-an.json'), 'utf8')) as Anime4kJson;
    const [H, W] = [19, 21];
    const r = rng(42);
    const data = Float32Array.from({ length: 3 * H * W }, () => Math.round(255 * r()) / 255);
    const outputs: Float32Array[] = [];
    for (const e of [tiled.engine, direct.engine]) {
      const model = loadAnime4k(e, json);
      try {
        const x = e.tensor(data, [1, 3, H, W]);
        const y = model.run(x);
        expect(y.shape).toEqual([1, 3, 2 * H, 2 * W]);
        outputs.push(await y.read());
        y.dispose();
        x.dispose();
      } finally {
        model.dispose();
      }
    }
    expect(tiledKeys(tiled.engine).filter((k) => k.includes('activation=crelu')).length).toBeGreaterThan(0);
    expect(tiledKeys(direct.engine)).toEqual([]);
    const [a, b] = outputs;
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    // Same f32 maths summed in another order: rounding only (model-parity.test.ts holds GPU vs CPU to 1e-4 of the range, here [0, 1]).
    expect(worst, `max |tiled − direct| = ${worst}`).toBeLessThan(1e-4);
  });

  it('integer-valued inputs and weights (exact sums in any order): tiled == direct == CPU exactly, crelu and residual included', async () => {
    const r = rng(9004);
    const ints = (shape: number[]) =>
      cpu.cpuTensor(
        Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => randInt(r, -3, 3)),
        shape,
      );
    // The structure of the crelu epilogue case above (c32, bias, residual): no new pipeline.
    const x = ints([2, 11, 19, 23]);
    const w = ints([20, 11, 3, 3]);
    const b = ints([20]);
    const res = ints([2, 40, 19, 23]);
    const options = { padding: 1, activation: 'crelu' as const };
    const ref = cpu.conv2d(x, w, b, { ...options, residual: res }).data;
    for (const e of [tiled.engine, direct.engine]) {
      const y = e.conv2d(e.tensor(x.data, x.shape), e.tensor(w.data, w.shape), e.tensor(b.data, b.shape), {
        ...options,
        residual: e.tensor(res.data, res.shape),
      });
      expectExact(await y.read(), ref, e.convKernel);
    }
  });
});

describe('the convKernel option', () => {
  it("'auto' (the default) resolves to 'direct' on a software adapter and to 'tiled-narrow' on hardware", async () => {
    for (const options of [{}, { convKernel: 'auto' as const }]) {
      const e = await createEngine(options);
      try {
        expect(e.convKernel).toBe(e.adapterInfo.software ? 'direct' : 'tiled-narrow');
        if (process.env.WEBGPU_TEST_ADAPTER !== 'hardware') {
          // The tests' SwiftShader is a software adapter, where the direct kernel is 3–15× faster.
          expect(e.adapterInfo.software).toBe(true);
          expect(e.convKernel).toBe('direct');
        }
      } finally {
        e.destroy();
      }
    }
  });

  it("'tiled-narrow' (auto's choice on hardware) runs convs of ≤ 16 output channels tiled and wider ones direct; both == CPU", async () => {
    const e = await createEngine({ convKernel: 'tiled-narrow', winograd: 'off' });
    try {
      expect(e.convKernel).toBe('tiled-narrow');
      const r = rng(4242);
      await compareConv(
        e,
        'conv2d',
        { x: t([1, 5, 13, 11], r), w: t([16, 5, 3, 3], r), b: t([16], r), options: { padding: 1 } },
        'Cout 16',
      );
      expect(tiledKeysFor(e, 't256', 3, 3).length).toBe(1);
      const before = tiledKeys(e);
      await compareConv(
        e,
        'conv2d',
        { x: t([1, 5, 13, 11], r), w: t([17, 5, 3, 3], r), b: t([17], r), options: { padding: 1 } },
        'Cout 17',
      );
      expect(tiledKeys(e)).toEqual(before);
    } finally {
      e.destroy();
    }
  });

  it('an unknown value is refused with an ArgumentError naming convKernel and the value, before any device is made', async () => {
    await expect(createEngine({ convKernel: 'fast' as never })).rejects.toThrow(ArgumentError);
    await expect(createEngine({ convKernel: 'Tiled' as never })).rejects.toThrow(
      "createEngine: convKernel 'Tiled' must be 'auto', 'direct', 'tiled' or 'tiled-narrow'",
    );
    await expect(createEngine({ convKernel: null as never })).rejects.toThrow(/^createEngine: convKernel null must be/);
    // With a caller's device too.
    await expect(createEngine({ device: tiled.engine.device, convKernel: 1 as never })).rejects.toThrow(/convKernel 1 must be/);
  });
});
