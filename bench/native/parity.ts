/**
 * `npm run bench -- --filter native --parity [--gpu]`: ours against every reference output in
 * test/fixtures/native/manifest.json (made by the native programs, scripts/make-native-fixtures.mjs):
 * max |Δ|, mean |Δ| and the share of samples within 1 level, per fixture. Ours runs on the CPU backend
 * (ONNX Runtime) by default, on WebGPU with --gpu, one tile per image like the references; TTA fixtures
 * with upscale's `tta`, waifu2x ×4 as two ×2 passes like the native program.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { createEngine, upscale, type RgbaImage } from '../../src/index.js';
import { loadNcnnModel, parseNcnnModel } from '../../src/model/ncnn/index.js';
import { createCpuUpscaler } from '../../src/node.js';

interface FixtureEntry {
  id: string;
  family: string;
  scale: number;
  tta: boolean;
  input: string;
  output: string;
  path: string;
  models: { file: string }[];
  tileSize: number;
}

function readRgba(path: string): RgbaImage {
  const png = PNG.sync.read(readFileSync(path));
  return { data: new Uint8ClampedArray(png.data), width: png.width, height: png.height };
}

export async function parityMain(argv: string[]): Promise<number> {
  const root = process.cwd();
  const dir = join(root, 'test/fixtures/native');
  const nativeDir = resolve(root, '.native');
  const gpu = argv.includes('--gpu');
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : null;
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { outputs: FixtureEntry[] };
  const engine = gpu ? await createEngine() : null;
  const lines = [`| fixture | reference path | ours | max | mean | ≤ 1 level |`, '|---|---|---|---|---|---|'];
  let failures = 0;
  try {
    for (const f of manifest.outputs) {
      if (only && !f.id.includes(only)) continue;
      const model = f.models[0].file.replace(/\.param$/, '');
      const refPath = f.path.startsWith('ncnn CPU') ? 'native CPU fp32' : 'native Vulkan fp16-packed';
      if (!existsSync(join(nativeDir, `${model}.param`)))
        throw new Error(`no ${model}.param under .native: run bash scripts/fetch-native.sh`);
      const source = {
        param: readFileSync(join(nativeDir, `${model}.param`), 'utf8'),
        bin: new Uint8Array(readFileSync(join(nativeDir, `${model}.bin`))),
        file: join(nativeDir, `${model}.param`),
      };
      const input = readRgba(join(dir, f.input));
      const want = readRgba(join(dir, f.output));
      let got: RgbaImage = input;
      // waifu2x -s 4 runs the ×2 model twice, on the rounded 8-bit ×2 result (docs/native-parity.md).
      const passes = f.family === 'waifu2x' && f.scale === 4 ? 2 : 1;
      const options = { tileSize: f.tileSize, tta: f.tta };
      try {
        if (engine) {
          const m = loadNcnnModel(engine, source);
          for (let p = 0; p < passes; p++) got = (await upscale(engine, got, { model: m, ...options })) as RgbaImage;
          m.dispose();
        } else {
          const runner = await createCpuUpscaler(parseNcnnModel(source));
          for (let p = 0; p < passes; p++) got = (await upscale(runner, got, options)) as RgbaImage;
          await runner.dispose();
        }
      } catch (e) {
        failures++;
        lines.push(`| ${f.id} | ${refPath} | error: ${(e as Error).message.split('\n')[0].slice(0, 160)} | | | |`);
        continue;
      }
      if (got.width !== want.width || got.height !== want.height) {
        failures++;
        lines.push(`| ${f.id} | ${refPath} | size ${got.width}×${got.height}, want ${want.width}×${want.height} | | | |`);
        continue;
      }
      let max = 0;
      let sum = 0;
      let within = 0;
      let n = 0;
      for (let i = 0; i < want.data.length; i++) {
        if (i % 4 === 3) continue;
        const d = Math.abs(got.data[i] - want.data[i]);
        max = Math.max(max, d);
        sum += d;
        if (d <= 1) within++;
        n++;
      }
      lines.push(
        `| ${f.id} | ${refPath} | ${gpu ? 'WebGPU' : 'CPU backend'}${f.tta ? ', tta' : ''}${passes > 1 ? ', 2 passes' : ''} | ${max} | ${(sum / n).toFixed(3)} | ${((100 * within) / n).toFixed(2)}% |`,
      );
    }
  } finally {
    engine?.destroy();
  }
  console.log(lines.join('\n'));
  return failures ? 1 : 0;
}
