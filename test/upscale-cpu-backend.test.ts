/**
 * The CPU backend: upscale() on ONNX Runtime's CPU provider (onnxruntime-node,
 * real, no mocks) through a TileRunner, sharing tiling, progress, cancel,
 * alpha and 16-bit handling with the WebGPU path, and agreeing with it.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, DisposedError, NoOnnxRuntimeError } from '../src/index.js';
import { loadModelFromPackage, type PackagedModel } from '../src/model/load-node.js';
import { createCpuUpscaler, loadOnnxRuntimeNode } from '../src/node.js';
import type { TileRunner } from '../src/upscale/runner.js';
import { planUpscale, upscale, upscalePlanes } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';
import { rng } from './helpers/random.js';

const h = useEngine();

interface Rgba {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

let sample: Rgba;
beforeAll(async () => {
  const { data, info } = await sharp('assets/sample.png').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  sample = { data: new Uint8ClampedArray(data), width: info.width, height: info.height };
});

/** Largest |a − b| over the samples, and where. */
function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): { d: number; at: number } {
  expect(a.length).toBe(b.length);
  let d = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i] - b[i]);
    if (x > d) [d, at] = [x, i];
  }
  return { d, at };
}

describe('CPU backend == WebGPU path on the sample image, within one 8-bit level', () => {
  for (const [pkg, scale] of [
    ['default-model', 2],
    ['esrgan-slim', 4],
  ] as [PackagedModel, number][]) {
    it(`${pkg} ×${scale}`, async () => {
      const runner = await createCpuUpscaler(pkg, scale);
      const model = loadModelFromPackage(h.engine, pkg, scale);
      try {
        expect(runner.backend).toBe('onnxruntime (cpu)');
        expect(runner.model.scale).toBe(scale);
        // The same facts, so the same tiles at the same cap (the ORT runner's default cap is larger: 64 MiB).
        const cap = { maxTileBytes: 2 ** 20 };
        expect(planUpscale(runner, sample.height, sample.width, cap)).toEqual(
          planUpscale(h.engine, sample.height, sample.width, { model, ...cap }),
        );
        expect(runner.maxTileBytes).toBe(64 * 2 ** 20);
        const cpuOut = await upscale(runner, sample);
        const gpuOut = await upscale(h.engine, sample, { model });
        expect([cpuOut.width, cpuOut.height]).toEqual([sample.width * scale, sample.height * scale]);
        expect([gpuOut.width, gpuOut.height]).toEqual([cpuOut.width, cpuOut.height]);
        const { d, at } = worstDiff(cpuOut.data, gpuOut.data);
        expect(d, `sample ${at}: CPU ${cpuOut.data[at]} vs WebGPU ${gpuOut.data[at]}`).toBeLessThanOrEqual(1);
      } finally {
        await runner.dispose();
        model.dispose();
      }
    });
  }
});

describe('CPU backend: the shared pipeline', () => {
  let runner: TileRunner;
  beforeAll(async () => {
    runner = await createCpuUpscaler('default-model', 2);
  });
  afterAll(async () => {
    await runner?.dispose();
  });

  it('tiled (tileSize 10: 4×5 tiles) == untiled, as floats within rounding and as bytes within one level', async () => {
    const [lo, hi] = runner.model.inputRange;
    const r = rng(3);
    const input = { data: Float32Array.from({ length: 3 * 37 * 41 }, () => lo + (hi - lo) * r()), channels: 3, height: 37, width: 41 };
    const whole = await upscalePlanes(runner, input);
    const tiled = await upscalePlanes(runner, input, { tileSize: 10 });
    expect(planUpscale(runner, 37, 41, { tileSize: 10 }).tiles.length).toBe(20);
    // Each kept pixel sees the same context; only ONNX Runtime's blocking of the sums may differ with the tile size.
    expect(worstDiff(whole.data, tiled.data).d).toBeLessThan(1e-3);
    const a = await upscale(runner, sample);
    const b = await upscale(runner, sample, { tileSize: 20 });
    expect(worstDiff(a.data, b.data).d).toBeLessThanOrEqual(1);
  });

  it('progress after each tile; abort between tiles rejects with an AbortError and the runner stays usable', async () => {
    const seen: string[] = [];
    await upscale(runner, sample, { tileSize: 32, onProgress: (p) => seen.push(`${p.done}/${p.total} ${p.fraction}`) });
    expect(seen).toEqual(['1/4 0.25', '2/4 0.5', '3/4 0.75', '4/4 1']);

    const controller = new AbortController();
    let done = 0;
    const err = await upscale(runner, sample, {
      tileSize: 32,
      signal: controller.signal,
      onProgress: (p) => {
        done = p.done;
        if (p.done === 1) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect((err as DOMException).name).toBe('AbortError');
    expect((err as Error).message).toMatch(/after 1 of 4 tiles/);
    expect(done).toBe(1);
    const reason = new Error('user cancelled');
    await expect(upscale(runner, sample, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect((await upscale(runner, sample, { tileSize: 32 })).width).toBe(128);
  });

  it('alpha: bilinear on the CPU reference, equal to the WebGPU path within a level; an opaque image stays 255', async () => {
    const r = rng(8);
    const withAlpha = { ...sample, data: sample.data.map((v, i) => (i % 4 === 3 ? Math.floor(r() * 256) : v)) };
    const model = loadModelFromPackage(h.engine, 'default-model', 2);
    try {
      const cpuOut = await upscale(runner, withAlpha, { tileSize: 24 });
      const gpuOut = await upscale(h.engine, withAlpha, { model, tileSize: 24 });
      const { d, at } = worstDiff(cpuOut.data, gpuOut.data);
      expect(d, `sample ${at} (channel ${at % 4})`).toBeLessThanOrEqual(1);
    } finally {
      model.dispose();
    }
    const opaque = { ...sample, data: sample.data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
    const out = await upscale(runner, opaque);
    for (let i = 3; i < out.data.length; i += 4) if (out.data[i] !== 255) expect.fail(`alpha ${i >> 2} is ${out.data[i]}`);
  });

  it('16-bit RGBA in, 16-bit out: the 8-bit result ×257 within the two roundings', async () => {
    const img16 = { data: Uint16Array.from(sample.data, (v) => v * 257), width: sample.width, height: sample.height };
    const out16 = await upscale(runner, img16, { tileSize: 40 });
    const out8 = await upscale(runner, sample, { tileSize: 40 });
    expect(out16.data).toBeInstanceOf(Uint16Array);
    // The network sees the same floats; the outputs are round(y) and round(257·y) (see upscale-16bit.test.ts).
    const tol = 0.5 + 0.5 / 257 + 1e-3;
    for (let i = 0; i < out8.data.length; i++) {
      if (Math.abs(out16.data[i] / 257 - out8.data[i]) > tol)
        expect.fail(`sample ${i}: 16-bit ${out16.data[i]} / 257 vs 8-bit ${out8.data[i]}`);
    }
  });

  it('refuses options.model (the runner carries its own) and unknown keys', async () => {
    const model = loadModelFromPackage(h.engine, 'default-model', 2);
    try {
      await expect(upscale(runner, sample, { model } as never)).rejects.toThrow(
        /options.model is not taken with a TileRunner: the runner runs its own model 'default-model-x2'/,
      );
      await expect(upscale(runner, sample, { tilesize: 8 } as never)).rejects.toThrow(ArgumentError);
      await expect(upscale(runner, sample, { tilesize: 8 } as never)).rejects.toThrow(/did you mean 'tileSize'/);
    } finally {
      model.dispose();
    }
  });
});

describe('CPU backend: setup and errors', () => {
  it('a missing onnxruntime-node is a NoOnnxRuntimeError that says what to install', async () => {
    const err = await loadOnnxRuntimeNode('onnxruntime-node-not-installed').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoOnnxRuntimeError);
    expect((err as Error).message).toMatch(/optional peer dependency .* run `npm install onnxruntime-node-not-installed`/);
    expect(typeof (await loadOnnxRuntimeNode()).InferenceSession.create).toBe('function');
  });

  it('an unknown model or scale is a ModelError before ONNX Runtime loads; a disposed runner refuses work', async () => {
    await expect(createCpuUpscaler('esrgan-slim', 5)).rejects.toThrow(/offers scales 2, 3, 4, 8, not 5/);
    await expect(createCpuUpscaler('nope' as PackagedModel)).rejects.toThrow(/unknown model 'nope'/);
    const runner = await createCpuUpscaler('default-model');
    await runner.dispose();
    await runner.dispose(); // idempotent
    await expect(upscale(runner, sample)).rejects.toThrow(DisposedError);
  });
});
