/**
 * A 4096×4096 output: tiled automatically under the device limits, with no
 * crash, no blank output, and values equal to an untiled run of the same
 * network on a crop that holds the receptive field.
 */
import { describe, expect, it } from 'vitest';
import { upscale } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';
import { fixtureModel } from './upscale-fixture.js';

const h = useEngine();

describe('large images', () => {
  it('2048×2048 → 4096×4096 RGBA, tiled, equal to an untiled run on an interior patch', async () => {
    const e = h.engine;
    const model = fixtureModel(e, { scale: 2, range: [0, 255] });
    const W = 2048;
    const data = new Uint8ClampedArray(W * W * 4);
    for (let y = 0; y < W; y++)
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 4;
        data[i] = (x * 7 + y * 3) & 255;
        data[i + 1] = (x ^ y) & 255;
        data[i + 2] = ((x * y) >> 6) & 255;
        data[i + 3] = 255;
      }
    let tiles = 0;
    const out = await upscale(e, { data, width: W, height: W }, { model, onProgress: (p) => (tiles = p.total) });
    expect([out.width, out.height]).toEqual([4096, 4096]);
    expect(tiles).toBeGreaterThan(1);
    let alpha = true;
    let sum = 0;
    for (let i = 0; i < out.data.length; i += 4) {
      alpha &&= out.data[i + 3] === 255;
      sum += out.data[i];
    }
    expect(alpha).toBe(true);
    expect(sum / (4096 * 4096)).toBeGreaterThan(10);

    // An interior 16×16 patch at (1000, 1500) with radius R of context, run untiled.
    const R = model.receptiveRadius;
    const [py, px, S] = [1000, 1500, 16];
    const crop = new Uint8ClampedArray((S + 2 * R) ** 2 * 4);
    for (let y = 0; y < S + 2 * R; y++)
      for (let x = 0; x < S + 2 * R; x++)
        crop.set(data.subarray(((py - R + y) * W + px - R + x) * 4, ((py - R + y) * W + px - R + x) * 4 + 4), (y * (S + 2 * R) + x) * 4);
    const small = await upscale(e, { data: crop, width: S + 2 * R, height: S + 2 * R }, { model, tileSize: S + 2 * R });
    const sw = (S + 2 * R) * 2;
    for (let y = 0; y < 2 * S; y++)
      for (let x = 0; x < 2 * S; x++)
        for (let c = 0; c < 3; c++) {
          const big = out.data[((2 * py + y) * 4096 + 2 * px + x) * 4 + c];
          const ref = small.data[((2 * R + y) * sw + 2 * R + x) * 4 + c];
          if (big !== ref) expect.fail(`output (${2 * py + y}, ${2 * px + x}) channel ${c}: tiled ${big}, untiled ${ref}`);
        }
    model.dispose();
  });
});
