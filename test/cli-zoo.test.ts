/**
 * The CLI and the model zoo: --model NAME|FILE, --noise, --tta, --scale with any model, --models-dir,
 * --list-models, and their mistakes (exit 2, one line, before any work). Runs on the CPU backend
 * (onnxruntime-node): the WebGPU path of the same models is covered in test/native-parity.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { describeZooModel } from '../src/model/zoo-node.js';
import { createOrtRunner } from '../src/upscale/ort-runner.js';
import { upscale } from '../src/upscale/upscale.js';
import { buildCli, readRaw, ROOT, runCli } from './helpers/cli.js';

const NATIVE = resolve('.native');
const INPUT = join(ROOT, 'test', 'fixtures', 'native', 'inputs', 'anime-20x24.png');

function rgbaOf(path: string) {
  const i = PNG.sync.read(readFileSync(path));
  return { data: new Uint8ClampedArray(i.data), width: i.width, height: i.height };
}

describe('CLI: the model zoo', () => {
  let cli: string;
  let tmp: string;
  beforeAll(async () => {
    cli = await buildCli(join(ROOT, 'test-artifacts', 'cli-dist-zoo'));
    tmp = mkdtempSync(join(tmpdir(), 'cli-zoo-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('--list-models names every zoo model, with its scales and noise levels, and says which were found', async () => {
    const r = await runCli(cli, ['--list-models', '--models-dir', join(NATIVE, 'w'), '--models-dir', join(NATIVE, 'upscayl-models')]);
    expect(r.code, r.stderr).toBe(0);
    for (const line of [
      /realesr-animevideov3-x4\s+×4\s+–\s+bundled/,
      /waifu2x-upconv7\s+×2\s+-1 0 1 2 3\s+bundled/,
      /waifu2x-cunet\s+×1 ×2\s+-1 0 1 2 3\s+found/,
      /realcugan-x3\s+×3\s+-1 0 3\s+found/,
      /realesrgan-x4plus\s+×4\s+–\s+found/,
    ]) {
      expect(r.stdout).toMatch(line);
    }
    const none = await runCli(cli, ['--list-models'], { ...process.env, WEBGPU_UPSAMPLE_MODELS: '' });
    expect(none.stdout).toMatch(/realcugan-x2\s+×2\s+-1 0 1 2 3\s+not found/);
  });

  it('a bundled model with a noise level and ×4 in two passes equals two library upscales of the same pixels', async () => {
    const out = join(tmp, 'w2x.png');
    const r = await runCli(cli, [INPUT, out, '-m', 'waifu2x-upconv7', '-n', '2', '-s', '4', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/model: waifu2x-upconv7-x2-noise2 \(bundled\).*×4 = 2 passes/);
    const runner = await createOrtRunner(ort, describeZooModel('waifu2x-upconv7', { noise: 2 }));
    try {
      const once = await upscale(runner, rgbaOf(INPUT));
      const twice = await upscale(runner, once);
      const got = await readRaw(out);
      expect([got.width, got.height]).toEqual([80, 96]);
      expect(Buffer.from(got.data).equals(Buffer.from(twice.data.filter((_, i) => i % 4 !== 3)))).toBe(true);
    } finally {
      await runner.dispose();
    }
  });

  it('--scale 3 with a ×4 model shrinks to exactly 3×; --tta runs; a model file by path; a .pth checkpoint', async () => {
    const x3 = join(tmp, 'x3.png');
    const r = await runCli(cli, [INPUT, x3, '-m', 'realesr-animevideov3-x4', '--scale', '3', '-x', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/×3 = 1 pass then ×0\.75 \(antialiased bicubic\); TTA: 8 runs averaged/);
    expect(await readRaw(x3)).toMatchObject({ width: 60, height: 72 });
    const param = join(ROOT, 'models', 'ncnn', 'realesr-animevideov3', 'realesr-animevideov3-x2.param');
    const byPath = await runCli(cli, [INPUT, join(tmp, 'p.png'), '-m', param, '--backend', 'cpu']);
    // The .bin of a .param is its sibling by default; this one shares the model's weights under another name.
    expect(byPath.code).toBe(2);
    expect(byPath.stderr).toMatch(/realesr-animevideov3-x2\.bin are missing/);
    const pth = join(ROOT, 'test', 'fixtures', 'pytorch', 'srvgg-x4-prelu.pth');
    const fromPth = await runCli(cli, [INPUT, join(tmp, 'pth.png'), '-m', pth, '--backend', 'cpu']);
    expect(fromPth.code, fromPth.stderr).toBe(0);
    expect(fromPth.stderr).toMatch(/model: .*SRVGGNetCompact/);
    expect(await readRaw(join(tmp, 'pth.png'))).toMatchObject({ width: 80, height: 96 });
  });

  it('mistakes exit 2 with one line, before any work', async () => {
    const cases: [string[], RegExp][] = [
      [['-m', 'realesrgan-x4plu'], /--model realesrgan-x4plu is not a model here \(did you mean realesrgan-x4plus\?\)/],
      [['-m', 'realesrgan-x4plus', '-n', '1'], /'realesrgan-x4plus' has no noise levels/],
      [['-m', 'waifu2x-upconv7', '-n', '7'], /--noise 7 must be an integer from -1 to 3/],
      [['-m', 'realcugan-x3', '-n', '1', '--models-dir', join(NATIVE, 'w')], /noise levels -1, 0, 3, not 1/],
      [['-m', 'realcugan-x2', '--models-dir', tmp], /not bundled: point --models-dir.*looked in/],
      [['-m', join(tmp, 'model.xyz')], /not a model here|is not a model format/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(cli, [INPUT, join(tmp, 'never.png'), ...args]);
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, expect.stringMatching(message)]);
    }
    writeFileSync(join(tmp, 'bad.param'), '7767517\n1 1\nInput x 0 1 x\n');
    writeFileSync(join(tmp, 'bad.bin'), new Uint8Array(3));
    const bad = await runCli(cli, [INPUT, join(tmp, 'never.png'), '-m', join(tmp, 'bad.param')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.(param|bin)/);
  });
});
