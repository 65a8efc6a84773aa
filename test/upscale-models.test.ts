/**
 * Every packaged UpscalerJS model through upscale(), tiled: the output has
 * the right size, is a picture (not black, not constant, near the input's
 * colours), and tiled == untiled.
 *
 * The ×8 models of esrgan-slim and esrgan-medium used to be refused by the
 * default tiling (issue 10: a made-up 1-D dispatch bound of 16 MiB made even a
 * 1-pixel core with its overlap "too big"), so they run with DEFAULT options
 * on the smallest image that failed then and is cut into several tiles now.
 * The others run with a forced `tileSize` to keep SwiftShader's time down
 * (esrgan-thick's 477 layers cost ~1 s per run even on a few pixels).
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelFromPackage, type PackagedModel } from '../src/model/load-node.js';
import type { UpscaleModel } from '../src/model/types.js';
import type { Pair } from '../src/core/params.js';
import { planUpscale, upscale, type UpscaledImage } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';

const h = useEngine();
const loaded: UpscaleModel[] = [];
afterAll(() => loaded.forEach((m) => m.dispose()));

function load(name: PackagedModel, scale: number): UpscaleModel {
  const model = loadModelFromPackage(h.engine, name, scale);
  loaded.push(model);
  return model;
}

const sample = PNG.sync.read(readFileSync(new URL('../assets/sample.png', import.meta.url)));

/** Mirrors a coordinate back into [0, n): the photo continued by reflection past its edges. */
const reflect = (i: number, n: number): number => (Math.floor(i / n) % 2 === 0 ? i % n : n - 1 - (i % n));

/** An opaque height×width crop of the bundled photo (64×64, reflected past its edges), from (y, x). */
function photo(height: number, width: number, y = 8, x = 8): { data: Uint8ClampedArray; width: number; height: number } {
  const data = new Uint8ClampedArray(height * width * 4);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const from = (reflect(y + r, sample.height) * sample.width + reflect(x + c, sample.width)) * 4;
      data.set(sample.data.subarray(from, from + 3), (r * width + c) * 4);
      data[(r * width + c) * 4 + 3] = 255;
    }
  }
  return { data, width, height };
}

function meanRgb(img: { data: ArrayLike<number> }): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4, n += 3) sum += img.data[i] + img.data[i + 1] + img.data[i + 2];
  return sum / n;
}

/** Right size, opaque, a picture: its values spread out and its mean stays near the input's (a wrong value range would not). */
function expectPicture(out: UpscaledImage, input: ReturnType<typeof photo>, scale: number, context: string): void {
  expect([out.width, out.height], context).toEqual([input.width * scale, input.height * scale]);
  let lo = 255;
  let hi = 0;
  let opaque = true;
  for (let i = 0; i < out.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      lo = Math.min(lo, out.data[i + c]);
      hi = Math.max(hi, out.data[i + c]);
    }
    opaque &&= out.data[i + 3] === 255;
  }
  expect(opaque, `${context}: alpha`).toBe(true);
  expect(hi - lo, `${context}: spread of RGB values`).toBeGreaterThan(40);
  expect(Math.abs(meanRgb(out) - meanRgb(input)), `${context}: mean colour moved`).toBeLessThan(25);
}

/**
 * Tiled and untiled bytes: every kept output pixel sees the same context, so
 * the floats agree and the bytes may differ by 1 only where a value sits on a
 * rounding boundary (measured on SwiftShader: no byte differs).
 */
function expectSameBytes(tiled: UpscaledImage, untiled: UpscaledImage, context: string): void {
  expect(tiled.data.length, context).toBe(untiled.data.length);
  let differ = 0;
  for (let i = 0; i < tiled.data.length; i++) {
    const d = Math.abs(tiled.data[i] - untiled.data[i]);
    if (d > 1) expect.fail(`${context}: byte ${i} is ${tiled.data[i]} tiled, ${untiled.data[i]} untiled`);
    differ += d;
  }
  expect(differ / tiled.data.length, `${context}: share of bytes off by one`).toBeLessThan(1e-3);
}

describe('every packaged model has a default tile plan (no GPU work)', () => {
  it('a 3000×4000 photo: cores of about 2 × overlap or more, tiles within the engine capacity, 16 MiB kept where such a core fits', () => {
    const hard = Math.min(h.engine.capacity.maxTensorBytes, 4 * h.engine.capacity.maxDispatchThreads);
    const cases: [PackagedModel, number[]][] = [
      ['default-model', [2]],
      ['esrgan-slim', [2, 3, 4, 8]],
      ['esrgan-medium', [2, 3, 4, 8]],
      ['esrgan-thick', [2, 3, 4, 8]],
    ];
    for (const [name, scales] of cases) {
      for (const scale of scales) {
        const model = load(name, scale);
        const context = `${name} ×${scale} (radius ${model.receptiveRadius}, ${model.peakElementsPerInputPixel} values per input pixel)`;
        const plan = planUpscale(h.engine, 3000, 4000, { model });
        const R = model.receptiveRadius;
        // Cores of 2R, less what evening out shaves off (3000 rows at core 308 → 10 rows of 300).
        expect(Math.min(plan.tileHeight, plan.tileWidth), context).toBeGreaterThanOrEqual(0.9 * 2 * R);
        expect(plan.estimatedBytes, context).toBeLessThanOrEqual(plan.budgetBytes);
        expect(plan.budgetBytes, context).toBeLessThanOrEqual(hard);
        // The soft cap is only exceeded when a 2R core with its overlap does not fit it.
        if (plan.budgetBytes > 16 * 2 ** 20)
          expect((4 * R) ** 2 * 4 * model.peakElementsPerInputPixel!, context).toBeGreaterThan(16 * 2 ** 20);
        // A core of 2R reads at most (4R)² / (2R)² = 4× its pixels; evening out and borders stay well under 5×.
        expect(plan.readAmplification, context).toBeLessThan(5);
      }
    }
  });
});

describe('×8 models with default options: several tiles, tiled == untiled', () => {
  // Shapes: both sides over 18 px, where the old 16 MiB bound failed; the width is one pixel
  // over what the raised budget (a 2R core plus overlap) takes in one tile.
  const cases: [PackagedModel, number, number][] = [
    ['esrgan-slim', 19, 41],
    ['esrgan-medium', 19, 73],
  ];
  for (const [name, height, width] of cases) {
    it(`${name} ×8 on ${height}×${width}`, async () => {
      const model = load(name, 8);
      const image = photo(height, width);
      let tiles = 0;
      const tiled = await upscale(h.engine, image, { model, onProgress: (p) => (tiles = p.total) });
      expect(tiles).toBeGreaterThan(1);
      expect(planUpscale(h.engine, height, width - 1, { model }).tiles.length, 'one pixel narrower').toBe(1);
      expectPicture(tiled, image, 8, `${name} ×8`);
      const untiled = await upscale(h.engine, image, { model, tileSize: [height, width] });
      expectSameBytes(tiled, untiled, `${name} ×8`);
    });
  }
});

describe('the other scales, with a forced tile size (tiled == untiled checked for ×8 and default-model)', () => {
  // 24×10 at tileSize 12: two tiles, each reading 22 of the 24 rows with radius 10 (slim, default-model).
  const cases: [PackagedModel, number, number, number, Pair][] = [
    ['default-model', 2, 24, 10, 12],
    ['esrgan-slim', 2, 24, 10, 12],
    ['esrgan-slim', 3, 24, 10, 12],
    ['esrgan-slim', 4, 24, 10, 12],
    ['esrgan-medium', 2, 24, 10, 12],
    ['esrgan-medium', 3, 24, 10, 12],
    ['esrgan-medium', 4, 24, 10, 12],
    // esrgan-thick (radius 154): two tiles of a 6×4 crop, each reading all of it.
    ['esrgan-thick', 2, 6, 4, [3, 4]],
    ['esrgan-thick', 3, 6, 4, [3, 4]],
    ['esrgan-thick', 4, 6, 4, [3, 4]],
    ['esrgan-thick', 8, 6, 4, [3, 4]],
  ];
  for (const [name, scale, height, width, tileSize] of cases) {
    it(`${name} ×${scale}: ${height}×${width} in tiles of ${String(tileSize)}`, async () => {
      const model = load(name, scale);
      const image = photo(height, width, 20, 24);
      let tiles = 0;
      const tiled = await upscale(h.engine, image, { model, tileSize, onProgress: (p) => (tiles = p.total) });
      expect(tiles).toBe(2);
      expectPicture(tiled, image, scale, `${name} ×${scale}`);
      if (scale === 8 || name === 'default-model') {
        const untiled = await upscale(h.engine, image, { model, tileSize: [height, width] });
        expectSameBytes(tiled, untiled, `${name} ×${scale}`);
      }
    });
  }
});
