/**
 * 16-bit RGBA through upscale(): a Uint16Array in (0–65535), a Uint16Array of
 * the same kind out, no reduction to 8 bits on the way, the same alpha rules.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { ShapeError, type Tensor } from '../src/index.js';
import type { UpscaleModel } from '../src/model/types.js';
import { upscale, type UpscaledImage16 } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';
import { rng } from './helpers/random.js';
import { fixtureModel } from './upscale-fixture.js';

const h = useEngine();
const W = 13;
const H = 11;
const TILE = 5; // 3 × 3 tiles

/** Nearest-neighbour ×2 as a model: every output value is an input value, so nothing but the pipeline can change it. */
function nearestModel(range: readonly [number, number]): UpscaleModel {
  return {
    name: 'nearest-x2',
    scale: 2,
    receptiveRadius: 0,
    inputRange: range,
    outputRange: range,
    run: (x: Tensor) => h.engine.upsample(x, { scale: 2, mode: 'nearest' }),
    dispose: () => {},
  };
}

function random8(seed: number, opaque: boolean): { data: Uint8ClampedArray; width: number; height: number } {
  const r = rng(seed);
  const data = new Uint8ClampedArray(W * H * 4).map(() => Math.floor(r() * 256));
  if (opaque) for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { data, width: W, height: H };
}

describe('upscale: 16-bit RGBA', () => {
  it('16-bit result / 257 = 8-bit result within the two roundings, on the same image (×257), tiled, with alpha', async () => {
    const model = fixtureModel(h.engine, { scale: 2, range: [0, 255], seed: 7 });
    try {
      const img8 = random8(1, false);
      const img16 = { data: Uint16Array.from(img8.data, (v) => v * 257), width: W, height: H };
      const out8 = await upscale(h.engine, img8, { model, tileSize: TILE });
      const out16: UpscaledImage16 = await upscale(h.engine, img16, { model, tileSize: TILE });
      expect(out16.data).toBeInstanceOf(Uint16Array);
      expect(out8.data).toBeInstanceOf(Uint8ClampedArray);
      expect([out16.width, out16.height]).toEqual([out8.width, out8.height]);
      // v·257 mapped by 255/65535 is v again in float32, so the network sees the same input and returns
      // the same y; the outputs are round(y) and round(257·y): they differ by at most 0.5 + 0.5/257 in
      // 8-bit units. Alpha goes through bilinear, whose float32 sums at 257× the scale differ by a few ulps:
      // 4 · 2⁻²⁴ · 65535 / 257 ≈ 6e-5 in 8-bit units, covered by the 1e-3 margin.
      const tol = 0.5 + 0.5 / 257 + 1e-3;
      let exactRgb = 0;
      for (let i = 0; i < out8.data.length; i++) {
        const d = Math.abs(out16.data[i] / 257 - out8.data[i]);
        if (d > tol) expect.fail(`sample ${i} (channel ${i % 4}): 16-bit ${out16.data[i]} / 257 vs 8-bit ${out8.data[i]}`);
        if (i % 4 !== 3 && out16.data[i] % 257 !== 0) exactRgb++;
      }
      // The 16-bit output keeps the network's finer values: most RGB samples are not multiples of 257.
      expect(exactRgb / ((out8.data.length * 3) / 4)).toBeGreaterThan(0.5);
    } finally {
      model.dispose();
    }
  });

  it('values 8 bits cannot hold come back exactly through an identity-like model, for [0, 255] and [0, 1] models', async () => {
    const special = [0, 1, 2, 254, 256, 1000, 12345, 32767, 32768, 65279, 65534, 65535];
    const r = rng(3);
    const data = new Uint16Array(W * H * 4).map((_, i) => (i % 4 === 3 ? 65535 : special[Math.floor(r() * special.length)]));
    const image = { data, width: W, height: H };
    for (const range of [
      [0, 255],
      [0, 1],
    ] as const) {
      const out = await upscale(h.engine, image, { model: nearestModel(range), tileSize: TILE });
      for (let y = 0; y < 2 * H; y++) {
        for (let x = 0; x < 2 * W; x++) {
          for (let c = 0; c < 4; c++) {
            const got = out.data[(y * 2 * W + x) * 4 + c];
            const want = data[((y >> 1) * W + (x >> 1)) * 4 + c];
            if (got !== want) expect.fail(`range [${range}]: output (${y}, ${x}) channel ${c} is ${got}, input was ${want}`);
          }
        }
      }
    }
  });

  it('alpha: opaque stays exactly 65535; a varying 16-bit alpha is bilinear (= CPU reference, rounded), a constant 1000 stays 1000', async () => {
    const model = nearestModel([0, 255]);
    const r = rng(4);
    const opaque = { data: new Uint16Array(W * H * 4).map((_, i) => (i % 4 === 3 ? 65535 : Math.floor(r() * 65536))), width: W, height: H };
    const out = await upscale(h.engine, opaque, { model, tileSize: TILE });
    for (let i = 3; i < out.data.length; i += 4) if (out.data[i] !== 65535) expect.fail(`alpha ${i >> 2} is ${out.data[i]}`);

    const constant = { data: opaque.data.map((v, i) => (i % 4 === 3 ? 1000 : v)), width: W, height: H };
    const outConstant = await upscale(h.engine, constant, { model, tileSize: TILE });
    for (let i = 3; i < outConstant.data.length; i += 4)
      if (outConstant.data[i] !== 1000) expect.fail(`alpha ${i >> 2} is ${outConstant.data[i]}`);

    const varying = { data: opaque.data.map((v, i) => (i % 4 === 3 ? Math.floor(r() * 65536) : v)), width: W, height: H };
    const alpha = new Float32Array(W * H).map((_, i) => varying.data[4 * i + 3]);
    const want = cpu.upsample(cpu.cpuTensor(alpha, [1, 1, H, W]), { scale: 2, mode: 'bilinear' }).data;
    const outVarying = await upscale(h.engine, varying, { model, tileSize: TILE });
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(outVarying.data[4 * i + 3] - want[i]));
    // Rounding moves a value by at most 0.5; float32 sums of four weighted terms near 65535 add a few ulps (2⁻²⁴ · 65535 ≈ 0.004 each).
    expect(worst).toBeLessThanOrEqual(0.5 + 0.02);
  });

  it('a 16-bit image whose data length does not match is a ShapeError that says 16-bit values', async () => {
    await expect(upscale(h.engine, { data: new Uint16Array(10), width: 2, height: 2 }, { model: nearestModel([0, 255]) })).rejects.toThrow(
      ShapeError,
    );
    await expect(upscale(h.engine, { data: new Uint16Array(10), width: 2, height: 2 }, { model: nearestModel([0, 255]) })).rejects.toThrow(
      /10 16-bit values but 2×2 needs 16 \(RGBA\) or 12 \(RGB\)/,
    );
  });
});
