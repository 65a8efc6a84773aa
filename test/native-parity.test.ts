/**
 * The model zoo against the native programs' own outputs (test/fixtures/native: made by the Linux
 * binaries of waifu2x-ncnn-vulkan, realcugan-ncnn-vulkan and realesrgan-ncnn-vulkan, one tile each, by
 * scripts/make-native-fixtures.mjs; manifest.json has the exact commands and model hashes). The models
 * come from .native/ (scripts/fetch-native.sh, run by scripts/setup.sh).
 *
 * Bars (issue 19): against fp32 references (ncnn's CPU path, -g -1) max ≤ 2 levels and ≥ 99.9% of
 * samples within 1; against the Vulkan path's references (fp16 blob storage on SwiftShader, which costs
 * ±1–4 levels by itself) max ≤ 8 and mean ≤ 0.6. Every fixture runs on the CPU backend (ONNX Runtime
 * on the exported graph, fast); one image per model on the engine (WebGPU on SwiftShader, slow here),
 * which must also equal the CPU backend within 1 level. Tiled runs equal untiled runs for every family,
 * squeeze-excitation models included (whole-image context): byte for byte, given the same pool means
 * (see below).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildModel } from '../src/model/graph.js';
import { describeModelFile, type FileModelDescription } from '../src/model/zoo-node.js';
import { createOrtRunner } from '../src/upscale/ort-runner.js';
import type { TileRunner } from '../src/upscale/runner.js';
import { planUpscale, upscale, type UpscaledImage } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';

const FIXTURES = resolve('test/fixtures/native');
const NATIVE = resolve('.native');

interface Fixture {
  id: string;
  family: string;
  scale: number;
  tta: boolean;
  input: string;
  output: string;
  command: string;
  models: { file: string }[];
}

const manifest = JSON.parse(readFileSync(`${FIXTURES}/manifest.json`, 'utf8')) as { outputs: Fixture[] };
const fp32 = (f: Fixture) => / -g -1\b/.test(f.command);
const modelScale = (f: Fixture) => Number(/ -s (\d)/.exec(f.command)?.[1] ?? f.scale);

function png(path: string): UpscaledImage {
  const i = PNG.sync.read(readFileSync(path));
  return { data: new Uint8ClampedArray(i.data), width: i.width, height: i.height };
}

/** Level differences over RGB: max, mean and the share within 1. */
function levels(ours: UpscaledImage, ref: UpscaledImage): { max: number; mean: number; within1: number } {
  expect([ours.width, ours.height]).toEqual([ref.width, ref.height]);
  let max = 0;
  let sum = 0;
  let near = 0;
  let n = 0;
  for (let i = 0; i < ref.data.length; i++) {
    if (i % 4 === 3) continue;
    const d = Math.abs(ours.data[i] - ref.data[i]);
    max = Math.max(max, d);
    sum += d;
    if (d <= 1) near++;
    n++;
  }
  return { max, mean: sum / n, within1: near / n };
}

function expectParity(f: Fixture, ours: UpscaledImage, label: string): void {
  const d = levels(ours, png(`${FIXTURES}/${f.output}`));
  const what = `${label} ${f.id} vs ${fp32(f) ? 'fp32' : 'fp16-storage'} native: max ${d.max}, mean ${d.mean.toFixed(3)}, within 1 ${(100 * d.within1).toFixed(3)}%`;
  if (fp32(f)) {
    expect(d.max, what).toBeLessThanOrEqual(2);
    expect(d.within1, what).toBeGreaterThanOrEqual(0.999);
  } else {
    expect(d.max, what).toBeLessThanOrEqual(8);
    expect(d.mean, what).toBeLessThanOrEqual(0.6);
  }
}

const modelPath = (f: Fixture) => resolve(NATIVE, f.models.find((m) => m.file.endsWith('.param'))!.file);
const descriptions = new Map<string, FileModelDescription>();
function describeOnce(f: Fixture): FileModelDescription {
  const p = modelPath(f);
  if (!existsSync(p)) throw new Error(`${p} is missing: run scripts/fetch-native.sh (scripts/setup.sh does)`);
  let d = descriptions.get(p);
  if (!d) descriptions.set(p, (d = describeModelFile(p)));
  return d;
}

/** The native program's -s 4 with a ×2 waifu2x model: two passes over the rounded 8-bit image. */
async function run(backend: (image: UpscaledImage, tta: boolean) => Promise<UpscaledImage>, f: Fixture, d: FileModelDescription) {
  let image = await backend(png(`${FIXTURES}/${f.input}`), f.tta);
  for (let s = d.scale; s < modelScale(f); s *= d.scale) image = await backend(image, f.tta);
  return image;
}

const h = useEngine();

describe('the zoo equals the native programs', () => {
  const runners = new Map<string, TileRunner>();
  afterAll(async () => {
    for (const r of runners.values()) await r.dispose();
  });

  it('every fixture on the CPU backend (ONNX Runtime on the exported graph)', async () => {
    for (const f of manifest.outputs) {
      if (f.id.startsWith('x4plus--')) continue; // 17 M parameters: below, on the smallest image only
      const d = describeOnce(f);
      let runner = runners.get(modelPath(f));
      if (!runner) runners.set(modelPath(f), (runner = await createOrtRunner(ort, d)));
      expectParity(f, await run((image, tta) => upscale(runner!, image, { tta }), f, d), 'CPU backend');
      if (process.env.PARITY_LOG)
        console.log(f.id, levels(await run((image, tta) => upscale(runner!, image, { tta }), f, d), png(`${FIXTURES}/${f.output}`)));
    }
  });

  it('Real-ESRGAN x4plus (RRDBNet, 23 blocks) on the CPU backend', async () => {
    const f = manifest.outputs.find((o) => o.id === 'x4plus--photo-24x20')!;
    const runner = await createOrtRunner(ort, describeOnce(f));
    try {
      expectParity(f, await upscale(runner, png(`${FIXTURES}/${f.input}`)), 'CPU backend');
    } finally {
      await runner.dispose();
    }
  });

  // Tiled vs untiled, one image per family, on the CPU backend (fast); the squeeze-excitation models
  // (cunet, CUGAN) get their whole-image pools from the context passes, summed in float64. Tiled equals
  // an untiled run given the same float64 means byte for byte (measured: every value equal). ONNX
  // Runtime's own untiled run pools in float32 (oneTilePoolsExact), which moves 1 sample of Real-CUGAN
  // ×2's 9,108 and 1 of ×4's 36,432 by a level here: within 1 level, mean < 0.001 of that run.
  const tilingCases = [
    'upconv7-n0-s2--anime-33x23',
    'animevideov3-x4--anime-33x23',
    'x4fast--anime-33x23',
    'cunet-n0-s1--anime-33x23',
    'cunet-n0-s2--anime-33x23',
    'se-up2x-conservative--anime-33x23',
    'se-up3x-no-denoise--anime-33x23',
    'se-up4x-denoise3x--anime-33x23',
  ];
  it('tiled == untiled for every family on the CPU backend (8-px tiles; byte for byte with the same pool means)', async () => {
    for (const id of tilingCases) {
      const f = manifest.outputs.find((o) => o.id === id);
      if (!f) throw new Error(`no fixture ${id} in manifest.json`);
      const runner = runners.get(modelPath(f)) ?? (await createOrtRunner(ort, describeOnce(f)));
      runners.set(modelPath(f), runner);
      const image = png(`${FIXTURES}/${f.input}`);
      expect(planUpscale(runner, image.height, image.width, { tileSize: 8 }).tiles.length, id).toBeGreaterThan(2);
      const [whole, tiled] = [await upscale(runner, image, { tileSize: 256 }), await upscale(runner, image, { tileSize: 8 })];
      const d = levels(tiled, whole);
      expect(d.max, `${id}: tiled (8) vs untiled, levels`).toBeLessThanOrEqual(1);
      expect(d.mean, `${id}: tiled (8) vs untiled, mean`).toBeLessThan(1e-3);
      // The one tile given the pools' float64 means too, as the engine's runner always does.
      const same = runner.model.globalPools?.length
        ? await upscale({ ...runner, oneTilePoolsExact: false }, image, { tileSize: 256 })
        : whole;
      let differ = 0;
      for (let i = 0; i < same.data.length; i++) if (tiled.data[i] !== same.data[i]) differ++;
      expect(differ, `${id}: tiled (8) vs untiled with the same pool means, bytes differing`).toBe(0);
    }
  });

  // WebGPU on SwiftShader runs GPU work on the CPU (a minute per small image for the big nets), so the
  // engine runs the two bundled families here; every node kind the others use is checked engine == CPU
  // references == ONNX Runtime in test/graph-nodes.test.ts, and whole-image context on the engine in
  // test/global-context.test.ts.
  it('waifu2x upconv_7 on WebGPU: native parity, = CPU backend within 1 level, tiled == untiled', async () => {
    const f = manifest.outputs.find((o) => o.id === 'upconv7-n0-s2--anime-33x23')!;
    const d = describeOnce(f);
    const e = h.engine;
    const model = buildModel(e, d.graph, { name: d.name, inputRange: d.inputRange, outputRange: d.outputRange });
    try {
      const image = png(`${FIXTURES}/${f.input}`);
      const whole = await upscale(e, image, { model, tileSize: 256 });
      expectParity(f, whole, 'WebGPU');
      const cpu = runners.get(modelPath(f)) ?? (await createOrtRunner(ort, d));
      runners.set(modelPath(f), cpu);
      expect(levels(whole, await upscale(cpu, image)).max, 'WebGPU vs CPU backend').toBeLessThanOrEqual(1);
      const tiled = await upscale(e, image, { model, tileSize: 16 });
      expect(Buffer.from(tiled.data).equals(Buffer.from(whole.data)), 'tiled (16) == untiled').toBe(true);
    } finally {
      model.dispose();
    }
  });

  it('realesr-animevideov3 ×2 on WebGPU: native parity, = CPU backend within 1 level', async () => {
    const f = manifest.outputs.find((o) => o.id === 'animevideov3-x2--photo-24x20')!;
    const d = describeOnce(f);
    const e = h.engine;
    const model = buildModel(e, d.graph, { name: d.name, inputRange: d.inputRange, outputRange: d.outputRange });
    try {
      const image = png(`${FIXTURES}/${f.input}`);
      const whole = await upscale(e, image, { model });
      expectParity(f, whole, 'WebGPU');
      const cpu = runners.get(modelPath(f)) ?? (await createOrtRunner(ort, d));
      runners.set(modelPath(f), cpu);
      expect(levels(whole, await upscale(cpu, image)).max, 'WebGPU vs CPU backend').toBeLessThanOrEqual(1);
    } finally {
      model.dispose();
    }
  });
});
