/**
 * upscale(): cancellation, progress, cleanup and alpha, on real WebGPU with
 * the fixture network (receptive radius 4).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { ArgumentError, ShapeError } from '../src/index.js';
import { planUpscale, upscale, upscalePlanes, type UpscaledImage, type UpscaleProgress } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';
import { rng } from './helpers/random.js';
import { fixtureModel } from './upscale-fixture.js';

const h = useEngine();
const W = 21;
const H = 18;
const TILE = 7; // 3 × 3 = 9 tiles

function randomRgba(seed: number, opaque: boolean): { data: Uint8ClampedArray; width: number; height: number } {
  const r = rng(seed);
  const data = new Uint8ClampedArray(W * H * 4).map(() => Math.floor(r() * 256));
  if (opaque) for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { data, width: W, height: H };
}

describe('upscale: cancel, progress, cleanup', () => {
  let model: ReturnType<typeof fixtureModel>;
  let reference: UpscaledImage;
  let baseline: number;
  const image = randomRgba(1, false);

  beforeAll(async () => {
    model = fixtureModel(h.engine, { scale: 2, range: [0, 255] });
    // The first run also creates the engine's cached prepacked weights; the baseline counts those.
    reference = await upscale(h.engine, image, { model, tileSize: TILE });
    baseline = h.engine.stats().liveTensors;
  });

  it('progress: one event per tile, done counts 1..total, fraction = done / total, ends at 1', async () => {
    const events: UpscaleProgress[] = [];
    await upscale(h.engine, image, { model, tileSize: TILE, onProgress: (p) => events.push({ ...p }) });
    expect(events.map((e) => e.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events.every((e) => e.total === 9 && e.fraction === e.done / 9)).toBe(true);
    expect(events.at(-1)!.fraction).toBe(1);
  });

  it('aborting mid-run rejects with an AbortError, runs no further tile, frees every tensor; the engine still works', async () => {
    const controller = new AbortController();
    const runsBefore = model.runs;
    const done: number[] = [];
    const run = upscale(h.engine, image, {
      model,
      tileSize: TILE,
      signal: controller.signal,
      onProgress: (p) => {
        done.push(p.done);
        if (p.done === 3) controller.abort();
      },
    });
    const err = await run.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('AbortError');
    expect((err as DOMException).message).toMatch(/after 3 of 9 tiles/);
    expect(done).toEqual([1, 2, 3]);
    expect(model.runs - runsBefore).toBe(3);
    expect(h.engine.stats().liveTensors).toBe(baseline);
    const again = await upscale(h.engine, image, { model, tileSize: TILE });
    expect(again.data).toEqual(reference.data);
    expect(h.engine.stats().liveTensors).toBe(baseline);
  });

  it("an already aborted signal rejects before any tile runs: with abort(reason)'s reason, else an AbortError", async () => {
    const runsBefore = model.runs;
    const reason = new Error('user left the page');
    await expect(upscale(h.engine, image, { model, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    // Any value is a reason, as with fetch: a string comes back as is.
    await expect(upscale(h.engine, image, { model, signal: AbortSignal.abort('stop') })).rejects.toBe('stop');
    const err = await upscale(h.engine, image, { model, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).name).toBe('AbortError');
    expect((err as DOMException).message).toMatch(/before it started/);
    expect(model.runs).toBe(runsBefore);
  });

  it('aborting mid-run with a reason rejects with that reason (as fetch does), after freeing every tensor', async () => {
    class UserCancelled extends Error {}
    const reason = new UserCancelled('cancel button');
    const controller = new AbortController();
    const runsBefore = model.runs;
    const run = upscale(h.engine, image, {
      model,
      tileSize: TILE,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done === 2) controller.abort(reason);
      },
    });
    await expect(run).rejects.toBe(reason);
    expect(model.runs - runsBefore).toBe(2);
    expect(h.engine.stats().liveTensors).toBe(baseline);
  });

  it('between tiles the event loop turns: a timer set in onProgress runs before the next tile starts', async () => {
    const fired: number[] = [];
    const firedAtRun: number[][] = [];
    const watched = {
      ...model,
      run: (x: Parameters<typeof model.run>[0]) => {
        firedAtRun.push([...fired]);
        return model.run(x);
      },
    };
    await upscale(h.engine, image, {
      model: watched,
      tileSize: TILE,
      onProgress: (p) => setTimeout(() => fired.push(p.done), 0),
    });
    // When tile k + 1 starts, the timer set after tile k has run (a page would have painted by then).
    expect(firedAtRun.length).toBe(9);
    for (let k = 1; k < firedAtRun.length; k++) expect(firedAtRun[k], `tile ${k + 1}`).toContain(k);
  });

  it('a model that fails mid-run: the error propagates and no tensor is left behind', async () => {
    let calls = 0;
    const broken = {
      ...model,
      run: (x: Parameters<typeof model.run>[0]) => (++calls === 4 ? h.engine.upsample(x, { scale: 3 }) : model.run(x)),
    };
    await expect(upscale(h.engine, image, { model: broken, tileSize: TILE })).rejects.toThrow(ShapeError);
    await expect(upscale(h.engine, image, { model: broken, tileSize: TILE })).resolves.toBeDefined();
    expect(h.engine.stats().liveTensors).toBe(baseline);
  });

  it('bad arguments throw typed errors naming the problem', async () => {
    await expect(upscale(h.engine, { data: new Uint8ClampedArray(10), width: 2, height: 2 }, { model })).rejects.toThrow(
      /10 bytes but 2×2 needs 16 \(RGBA\) or 12 \(RGB\)/,
    );
    await expect(upscale(h.engine, { width: 2, height: 2 } as never, { model })).rejects.toThrow(ArgumentError);
    await expect(upscale(h.engine, image, { model: { ...model, scale: 0 } })).rejects.toThrow(/model.scale 0/);
    await expect(upscale(h.engine, image, {} as never)).rejects.toThrow(/options.model/);
  });

  it('unknown options are refused with an ArgumentError naming the key, suggesting a near miss', async () => {
    const planes = { data: new Float32Array(3 * 4 * 4), channels: 3, height: 4, width: 4 };
    await expect(upscale(h.engine, image, { modle: model } as never)).rejects.toThrow(
      /upscale: unknown option 'modle' \(did you mean 'model'\?\)/,
    );
    await expect(upscale(h.engine, image, { model, tilesize: 8 } as never)).rejects.toThrow(
      /unknown option 'tilesize' \(did you mean 'tileSize'\?\)/,
    );
    await expect(upscale(h.engine, image, { model, maxTileByte: 1 } as never)).rejects.toThrow(ArgumentError);
    await expect(upscalePlanes(h.engine, planes, { model, onprogress: () => {} } as never)).rejects.toThrow(
      /upscalePlanes: unknown option 'onprogress' \(did you mean 'onProgress'\?\)/,
    );
    // Far from every key: no suggestion, the known keys are listed.
    const err = await upscale(h.engine, image, { model, quality: 'high' } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArgumentError);
    expect((err as Error).message).toBe(
      "upscale: unknown option 'quality'; the options are model, onProgress, signal, tileSize, channels, maxTileBytes, tta",
    );
    expect(() => planUpscale(h.engine, 4, 4, { model, tile: 2 } as never)).toThrow(/unknown option 'tile'/);
  });
});

describe('upscale: alpha', () => {
  it('an all-255 alpha stays all-255; RGB goes through the model', async () => {
    const model = fixtureModel(h.engine, { scale: 3, range: [0, 255] });
    try {
      const out = await upscale(h.engine, randomRgba(2, true), { model, tileSize: TILE });
      expect([out.width, out.height]).toEqual([3 * W, 3 * H]);
      let opaque = true;
      for (let i = 3; i < out.data.length; i += 4) opaque &&= out.data[i] === 255;
      expect(opaque).toBe(true);
    } finally {
      model.dispose();
    }
  });

  it('a varying alpha is bilinear-upscaled (= CPU reference, rounded), tiled like RGB without seams', async () => {
    const model = fixtureModel(h.engine, { scale: 2, range: [0, 255] });
    try {
      const img = randomRgba(3, false);
      const alpha = new Float32Array(W * H).map((_, i) => img.data[4 * i + 3]);
      const want = cpu.upsample(cpu.cpuTensor(alpha, [1, 1, H, W]), { scale: 2, mode: 'bilinear' }).data;
      for (const tileSize of [TILE, 64]) {
        const out = await upscale(h.engine, img, { model, tileSize });
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(out.data[4 * i + 3] - want[i]));
        // Rounding to bytes moves a value by at most 0.5 (plus float noise).
        expect(worst, `tileSize ${tileSize}`).toBeLessThanOrEqual(0.5 + 1e-3);
      }
    } finally {
      model.dispose();
    }
  });
});
