/**
 * The model zoo (src/model/zoo.ts, src/model/zoo-node.ts): names, noise levels and scales resolve to
 * the right files, bundled ones from this package, native ones from a native program's models folder
 * (.native/, fetched by scripts/fetch-native.sh); every model of the zoo parses, with the family and
 * facts its native program implies; unknown names and missing files are ModelErrors that say what exists.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../src/model/errors.js';
import { defaultNoise, findZooModel, ZOO, zooIds } from '../src/model/zoo.js';
import { describeModelFile, describeZooModel, resolveZooModel } from '../src/model/zoo-node.js';
import * as ort from 'onnxruntime-node';
import { createOrtRunner } from '../src/upscale/ort-runner.js';
import { upscale } from '../src/upscale/upscale.js';

const NATIVE = resolve('.native');
const dirs = [resolve(NATIVE, 'w'), resolve(NATIVE, 'upscayl-models')];

describe('model zoo', () => {
  it('names, defaults and errors', () => {
    expect(zooIds()).toEqual(
      expect.arrayContaining(['realesr-animevideov3-x4', 'waifu2x-upconv7', 'waifu2x-cunet', 'realcugan-x2', 'realesrgan-x4plus']),
    );
    expect(defaultNoise('waifu2x-upconv7')).toBe(0);
    expect(defaultNoise('realcugan-x4')).toBe(-1);
    expect(defaultNoise('realesrgan-x4plus')).toBeNull();
    expect(findZooModel('waifu2x-cunet', { scale: 1, noise: 2 }).param).toBe('models-cunet/noise2_model.param');
    expect(findZooModel('realcugan-x3', { noise: 3 }).param).toBe('models-se/up3x-denoise3x.param');
    expect(() => findZooModel('realesrgan-x5')).toThrow(/unknown model 'realesrgan-x5'.*realesr-animevideov3-x4/);
    expect(() => findZooModel('realcugan-x3', { noise: 1 })).toThrow(/noise levels -1, 0, 3, not 1/);
    expect(() => findZooModel('realesrgan-x4plus', { noise: 1 })).toThrow(/has no noise levels/);
  });

  it('bundled models resolve in this package and parse: animevideov3 ×2/×3/×4, upconv_7 at every noise level', () => {
    for (const m of ZOO.filter((z) => z.where === 'bundled')) {
      const { param, bin } = resolveZooModel(m.id, { noise: m.noise });
      expect(existsSync(param) && existsSync(bin), `${m.id} ${m.noise}: ${param}`).toBe(true);
      const d = describeZooModel(m.id, { noise: m.noise });
      expect([d.scale, d.family, d.globalPools], m.id).toEqual([m.scale, m.family, []]);
    }
  });

  it('native models resolve in a native program folder and parse with their family, scale and whole-image pools', () => {
    if (!existsSync(NATIVE)) throw new Error(`${NATIVE} is missing: run scripts/fetch-native.sh (scripts/setup.sh does)`);
    for (const m of ZOO.filter((z) => z.where === 'native')) {
      const d = describeZooModel(m.id, { noise: m.noise, scale: m.scale, modelsDirs: dirs });
      const se = m.family === 'waifu2x-cunet' || m.family === 'realcugan';
      expect([d.scale, d.family, d.globalPools!.length], `${m.id} ×${m.scale} noise ${m.noise}`).toEqual([m.scale, m.family, se ? 4 : 0]);
    }
    expect(() => resolveZooModel('realesrgan-x4plus', { modelsDirs: [resolve('assets')] })).toThrow(/not bundled.*--models-dir.*looked in/);
  });

  it('a model file of an unknown kind is refused by name', () => {
    expect(() => describeModelFile('README.md')).toThrow(ModelError);
    expect(() => describeModelFile('README.md')).toThrow(/'\.md' is not a model format here/);
    expect(() => describeModelFile('nope.param')).toThrow(/weights .*nope\.bin are missing/);
  });

  it('images smaller than the reflect border (1×1, 1×7) extend by their edges: a flat colour stays that colour', async () => {
    const d = describeZooModel('realesr-animevideov3-x2');
    expect(d.minInputSize).toBe(11);
    const runner = await createOrtRunner(ort, d);
    try {
      for (const [w, h] of [
        [1, 1],
        [1, 7],
        [7, 1],
      ]) {
        const data = new Uint8ClampedArray(4 * w * h);
        for (let i = 0; i < w * h; i++) data.set([200, 100, 50, 255], 4 * i);
        const out = await upscale(runner, { data, width: w, height: h });
        expect([out.width, out.height]).toEqual([2 * w, 2 * h]);
        for (let i = 0; i < out.width * out.height; i++) {
          const px = Array.from(out.data.subarray(4 * i, 4 * i + 4));
          px.slice(0, 3).forEach((v, c) => expect(Math.abs(v - [200, 100, 50][c]), `${w}×${h} pixel ${i}: ${px}`).toBeLessThanOrEqual(6));
        }
      }
    } finally {
      await runner.dispose();
    }
  });
});
