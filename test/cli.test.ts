/**
 * The CLI, run as a user runs it: compiled by tsc (as `npm run upscale` does)
 * and started with node on assets/sample.png with the packaged default model.
 * Its output must be the in-process upscale() result, byte for byte.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFromPackage } from '../src/model/load-node.js';
import { upscale, type UpscaledImage } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const OUT_DIR = join(ROOT, 'test-artifacts', 'cli-dist');
const CLI = join(OUT_DIR, 'bin', 'webgpu-upsample.js');
const SAMPLE = join(ROOT, 'assets', 'sample.png');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env, timeout: 300_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

function readPng(path: string): PNG {
  return PNG.sync.read(readFileSync(path));
}

describe('webgpu-upsample CLI', () => {
  const h = useEngine();
  let tmp: string;
  let reference: UpscaledImage;
  let sample: PNG;

  beforeAll(async () => {
    // Build exactly what `npm run upscale` builds, into a scratch folder inside the repo (so node_modules resolves).
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'bin', 'tsconfig.json'), '--outDir', OUT_DIR]);
    tmp = mkdtempSync(join(tmpdir(), 'webgpu-upsample-cli-'));
    sample = readPng(SAMPLE);
    const model = loadModelFromPackage(h.engine, 'default-model');
    try {
      reference = await upscale(h.engine, sample, { model });
    } finally {
      model.dispose();
    }
  });

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('upscales the sample ×2 with the default model: size = 2 × input, not blank, equal to in-process upscale()', async () => {
    const out = join(tmp, 'out.png');
    const r = await cli([SAMPLE, out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`adapter: ${h.engine.adapterInfo.description || h.engine.adapterInfo.device}`);
    expect(r.stderr).toMatch(/64×64 → 128×128 in \d+\.\d\d s/);
    expect(r.stderr).toMatch(/tile 1\/1 100%/);
    const png = readPng(out);
    expect([png.width, png.height]).toEqual([2 * sample.width, 2 * sample.height]);
    // Not blank: the red flower on green leaves spans most of the byte range in R and in G.
    const spread = (c: number): number => {
      let lo = 255;
      let hi = 0;
      for (let i = c; i < png.data.length; i += 4) [lo, hi] = [Math.min(lo, png.data[i]), Math.max(hi, png.data[i])];
      return hi - lo;
    };
    expect(spread(0)).toBeGreaterThan(150);
    expect(spread(1)).toBeGreaterThan(100);
    expect(new Uint8ClampedArray(png.data)).toEqual(reference.data);
  });

  it('finds SwiftShader on its own when VK_ICD_FILENAMES is unset and no GPU answers; --tile 32 gives the untiled result', async () => {
    const env = { ...process.env };
    delete env.VK_ICD_FILENAMES;
    const out = join(tmp, 'tiled.png');
    const r = await cli([SAMPLE, out, '--tile', '32', '--model', 'default-model'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/tile 4\/4 100%/);
    const png = readPng(out);
    const fellBack = r.stderr.includes('retrying on SwiftShader');
    const adapterLine = r.stderr.split('\n').find((l) => l.startsWith('adapter: ')) ?? '';
    // Either no GPU answered and the CLI retried on SwiftShader (this CI machine), or a hardware adapter ran.
    if (fellBack) expect(adapterLine).toMatch(/SwiftShader.*software rasteriser/i);
    else expect(adapterLine).not.toMatch(/software rasteriser/);
    let worst = 0;
    for (let i = 0; i < png.data.length; i++) worst = Math.max(worst, Math.abs(png.data[i] - reference.data[i]));
    // Same adapter as the reference: tiled equals untiled up to float rounding, so at most 1 level
    // where a value sits on .5. Another adapter sums in another order: allow 2.
    expect(worst).toBeLessThanOrEqual(fellBack ? 1 : 2);
  });

  it('bad usage exits 2 with the usage text; a missing file or an unknown model exits 1 naming it', async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/expected <in.png> <out.png>, got 0 path/);
    expect(none.stderr).toContain('usage: webgpu-upsample');
    const badTile = await cli([SAMPLE, join(tmp, 'x.png'), '--tile', '0']);
    expect(badTile.code).toBe(2);
    expect(badTile.stderr).toMatch(/--tile 0 must be a positive integer/);
    const help = await cli(['--help']);
    expect([help.code, help.stdout.startsWith('usage: webgpu-upsample')]).toEqual([0, true]);
    const missing = await cli([join(tmp, 'nope.png'), join(tmp, 'x.png')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.png/);
    const unknown = await cli([SAMPLE, join(tmp, 'x.png'), '--model', 'no-such-model']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no-such-model/);
  });
});
