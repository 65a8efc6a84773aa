/**
 * The CLI's main job, as a user runs it: the bundled sample through the
 * default model (byte for byte the in-process upscale()), the SwiftShader
 * fallback, the image formats people use (JPEG, PNG 8/16-bit, WebP, AVIF,
 * TIFF), EXIF orientation, ICC profiles, alpha, and folders in batch.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpscaleModel } from '../src/model/types.js';
import { loadModelFromPackage } from '../src/model/load-node.js';
import { upscale } from '../src/upscale/upscale.js';
import { buildCli, channelSpread, maxAbsDiff, readRaw, ROOT, runCli, SAMPLE } from './helpers/cli.js';
import { CLI_WINOGRAD } from '../bin/node-engine.js';
import { useEngine } from './helpers/engine.js';

/** Upright sRGB RGBA of a file, decoded the way the CLI decodes it. */
async function uprightRgba(
  path: string,
  deep = false,
): Promise<{ data: Uint8ClampedArray<ArrayBuffer> | Uint16Array<ArrayBuffer>; width: number; height: number }> {
  const { data, info } = await sharp(path)
    .rotate()
    .toColourspace(deep ? 'rgb16' : 'srgb')
    .ensureAlpha()
    .raw({ depth: deep ? 'ushort' : 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  return { data: deep ? new Uint16Array(copy.buffer) : new Uint8ClampedArray(copy.buffer), width: info.width, height: info.height };
}

describe('webgpu-upsample CLI', () => {
  // The CLI's Winograd default (F(6,3) on this software adapter), so in-process upscale() does the same arithmetic.
  const h = useEngine({ winograd: CLI_WINOGRAD });
  let cli: string;
  let tmp: string;
  let model: UpscaleModel & { dispose(): void };

  /** What the CLI must write for `path`: upscale() of the same decoded pixels, in process. */
  async function expected(path: string, deep = false): Promise<Uint8ClampedArray | Uint16Array> {
    const img = await uprightRgba(path, deep);
    return (await upscale(h.engine, img as Parameters<typeof upscale>[1], { model })).data;
  }

  beforeAll(async () => {
    cli = await buildCli(join(ROOT, 'test-artifacts', 'cli-dist'));
    tmp = mkdtempSync(join(tmpdir(), 'webgpu-upsample-cli-'));
    model = loadModelFromPackage(h.engine, 'default-model');
  });

  afterAll(() => {
    model?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('upscales the sample ×2 with the default model: size = 2 × input, not blank, equal to in-process upscale()', async () => {
    const out = join(tmp, 'out.png');
    const r = await runCli(cli, [SAMPLE, out, '--backend', 'webgpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`backend: WebGPU on ${h.engine.adapterInfo.description || h.engine.adapterInfo.device}`);
    expect(r.stderr).toMatch(/64×64 → 128×128 \(png, 8-bit\) in \d+(\.\d)? s/);
    expect(r.stderr).toMatch(/tile 1\/1 100%/);
    const png = await readRaw(out);
    expect([png.width, png.height, png.channels, png.bits]).toEqual([128, 128, 4, 8]); // the sample is RGBA: so is the result
    // Not blank: the red flower on green leaves spans most of the byte range in R and in G.
    expect(channelSpread(png.data, 4, 0)).toBeGreaterThan(150);
    expect(channelSpread(png.data, 4, 1)).toBeGreaterThan(100);
    expect(maxAbsDiff(png.data, await expected(SAMPLE))).toBe(0);
  });

  it('finds SwiftShader on its own when VK_ICD_FILENAMES is unset and no GPU answers; --tile 32 gives the untiled result', async () => {
    const env = { ...process.env };
    delete env.VK_ICD_FILENAMES;
    const out = join(tmp, 'tiled.png');
    const r = await runCli(cli, [SAMPLE, out, '--tile', '32', '--model', 'default-model', '--backend', 'webgpu'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/tile 4\/4 100%/);
    const fellBack = r.stderr.includes('using SwiftShader');
    const adapterLine = r.stderr.split('\n').find((l) => l.startsWith('backend: ')) ?? '';
    // Either no GPU answered and the CLI went to SwiftShader (this CI machine), or a hardware adapter ran.
    if (fellBack) expect(adapterLine).toMatch(/SwiftShader.*software rasteriser/i);
    else expect(adapterLine).not.toMatch(/software rasteriser/);
    // Dawn's own Vulkan warnings are not printed when no driver is installed: the hopeless first try is skipped.
    if (r.stderr.includes('no Vulkan driver is installed')) expect(r.stderr).not.toMatch(/vkCreateInstance/);
    const png = await readRaw(out);
    const want = await expected(SAMPLE);
    // Same adapter as the reference: tiled equals untiled up to float rounding, so at most 1 level
    // where a value sits on .5. Another adapter sums in another order: allow 2.
    expect(maxAbsDiff(png.data, want)).toBeLessThanOrEqual(fellBack ? 1 : 2);
  });

  it('--quiet prints nothing on success, not even the driver fallback', async () => {
    const env = { ...process.env };
    delete env.VK_ICD_FILENAMES;
    const r = await runCli(cli, [SAMPLE, join(tmp, 'quiet.png'), '--quiet'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('JPEG with EXIF orientation 6 in: the pixels are turned upright before upscaling; WebP, AVIF, TIFF out by extension', async () => {
    // A 24×16 crop stored sideways: orientation 6 means "rotate 90° clockwise to display", so upright it is 16×24.
    const jpg = join(tmp, 'sideways.jpg');
    await sharp(SAMPLE)
      .extract({ left: 10, top: 20, width: 24, height: 16 })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toFile(jpg);
    const out = join(tmp, 'upright.png');
    const r = await runCli(cli, [jpg, out, '--backend', 'webgpu']);
    expect(r.code, r.stderr).toBe(0);
    const png = await readRaw(out);
    expect([png.width, png.height, png.channels]).toEqual([32, 48, 3]); // JPEG has no alpha: neither has the result
    const want = (await expected(jpg)).filter((_, i) => i % 4 !== 3);
    expect(maxAbsDiff(png.data, want)).toBe(0);

    for (const [ext, format] of [
      ['webp', 'webp'],
      ['avif', 'heif'],
      ['tif', 'tiff'],
      ['jpeg', 'jpeg'],
    ] as const) {
      const file = join(tmp, `upright.${ext}`);
      const w = await runCli(cli, [jpg, file, '--quality', '95', '--backend', 'webgpu']);
      expect(w.code, w.stderr).toBe(0);
      const img = await readRaw(file);
      expect([img.format, img.width, img.height], ext).toEqual([format, 32, 48]);
      // Lossy formats: close to the PNG result on average (a blank or misoriented image would be far off).
      let sum = 0;
      const n = Math.min(img.channels, 3);
      for (let p = 0; p < 32 * 48; p++) for (let c = 0; c < n; c++) sum += Math.abs(img.data[p * img.channels + c] - png.data[p * 3 + c]);
      expect(sum / (32 * 48 * n), ext).toBeLessThan(ext === 'tif' ? 0.01 : 6);
    }
  });

  it('an embedded Display P3 profile is converted to sRGB before the network (not read as if it were sRGB)', async () => {
    const p3 = join(tmp, 'p3.png');
    await sharp(SAMPLE).resize(20, 20).removeAlpha().withIccProfile('p3').png().toFile(p3);
    const stored = await sharp(p3, { ignoreIcc: true }).raw().toBuffer(); // the P3 values as stored
    const srgb = await uprightRgba(p3);
    // The profile matters: the stored values and their sRGB conversion differ clearly on this saturated photo.
    expect(
      maxAbsDiff(
        stored,
        srgb.data.filter((_, i) => i % 4 !== 3),
      ),
    ).toBeGreaterThan(20);
    const out = join(tmp, 'p3-out.png');
    const r = await runCli(cli, [p3, out, '--backend', 'webgpu']);
    expect(r.code, r.stderr).toBe(0);
    const png = await readRaw(out);
    const want = (await upscale(h.engine, srgb as Parameters<typeof upscale>[1], { model })).data.filter((_, i) => i % 4 !== 3);
    expect(maxAbsDiff(png.data, want)).toBe(0);
  });

  it('alpha is kept (RGBA in, RGBA out), 16-bit PNG stays 16-bit and keeps values 8 bits cannot hold', async () => {
    const w = 12;
    const hh = 10;
    const px = new Uint16Array(w * hh * 4);
    for (let y = 0; y < hh; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 4;
        px[i] = 20000 + 1000 * x + 7; // +7: not a multiple of 257, so not representable in 8 bits
        px[i + 1] = 40000 - 1500 * y + 3;
        px[i + 2] = 30011;
        px[i + 3] = x < 6 ? 65535 : 32768 + 129;
      }
    }
    const deepIn = join(tmp, 'deep.png');
    await sharp(px, { raw: { width: w, height: hh, channels: 4 } })
      .toColourspace('rgb16')
      .png()
      .toFile(deepIn);
    expect((await readRaw(deepIn)).bits).toBe(16);
    const out = join(tmp, 'deep-out.png');
    const r = await runCli(cli, [deepIn, out, '--backend', 'webgpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('(png, 16-bit)');
    const img = await readRaw(out);
    expect([img.width, img.height, img.channels, img.bits]).toEqual([24, 20, 4, 16]);
    expect(maxAbsDiff(img.data, await expected(deepIn, true))).toBe(0);
    expect(Array.from(img.data).some((v) => v % 257 !== 0)).toBe(true);
    // The opaque half of the alpha channel stays exactly opaque.
    expect(img.data[3]).toBe(65535);

    // The same image to JPEG (8 bits only): said so, and close to the 16-bit result / 257.
    const jpg = join(tmp, 'deep-out.jpg');
    const j = await runCli(cli, [deepIn, jpg, '--quality', '100', '--backend', 'webgpu']);
    expect(j.code, j.stderr).toBe(0);
    expect(j.stderr).toContain('(jpeg, 8-bit)');
  });

  it('folders in batch: one engine for all, per-file progress, every format in and out, a bad file listed and exit 1', async () => {
    const inDir = join(tmp, 'in');
    const outDir = join(tmp, 'out', 'nested'); // created by the CLI before any work
    mkdirSync(inDir);
    const base = sharp(SAMPLE).resize(16, 16);
    await base.clone().png().toFile(join(inDir, 'a.png'));
    await base.clone().jpeg().toFile(join(inDir, 'b.jpg'));
    await base.clone().webp().toFile(join(inDir, 'c.webp'));
    await base.clone().avif().toFile(join(inDir, 'd.avif'));
    await base.clone().tiff().toFile(join(inDir, 'e.tif'));
    writeFileSync(join(inDir, 'f.png'), 'this is not an image');
    writeFileSync(join(inDir, 'notes.txt'), 'not picked up: not an image extension');
    const r = await runCli(cli, [inDir, outDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.match(/^backend: /gm)).toHaveLength(1);
    expect(r.stderr.match(/^model: /gm)).toHaveLength(1);
    expect(r.stderr).toMatch(/\[5\/5\] .*e\.tif tile 1\/1 100%/);
    expect(r.stderr).toMatch(/5 of 6 done in [\d.]+ s, 1 failed:\n {2}.*f\.png: not an image/);
    expect(readdirSync(outDir).sort()).toEqual(['a.png', 'b.jpg', 'c.webp', 'd.avif', 'e.tif']);
    for (const f of readdirSync(outDir)) {
      const img = await readRaw(join(outDir, f));
      expect([img.width, img.height], f).toEqual([32, 32]);
      expect(channelSpread(img.data, img.channels, 0), f).toBeGreaterThan(50);
    }
    // Several files into an existing folder with --format: all PNG, exit 0.
    const pngDir = join(tmp, 'png-out');
    const all = await runCli(cli, [join(inDir, 'b.jpg'), join(inDir, 'c.webp'), '--out-dir', pngDir, '--format', 'png', '--quiet']);
    expect(all.code, all.stderr).toBe(0);
    expect(readdirSync(pngDir).sort()).toEqual(['b.png', 'c.png']);
  });

  it('--backend auto without a GPU runs the CPU backend (onnxruntime-node): within one 8-bit level of WebGPU, for ×2 and ×4', async () => {
    const env = { ...process.env };
    delete env.VK_ICD_FILENAMES;
    for (const args of [[], ['--model', 'esrgan-slim', '--scale', '4']]) {
      const auto = join(tmp, `auto-${args.length}.png`);
      const gpu = join(tmp, `gpu-${args.length}.png`);
      const a = await runCli(cli, [SAMPLE, auto, ...args], env);
      expect(a.code, a.stderr).toBe(0);
      const hardware = /^backend: WebGPU on /m.test(a.stderr) && !/software rasteriser/.test(a.stderr);
      if (!hardware) {
        expect(a.stderr).toMatch(/no hardware WebGPU adapter: running the model on the CPU backend/);
        expect(a.stderr).toMatch(/^backend: CPU: onnxruntime \(cpu\) via onnxruntime-node$/m);
      }
      const g = await runCli(cli, [SAMPLE, gpu, ...args, '--backend', 'webgpu']);
      expect(g.code, g.stderr).toBe(0);
      const [x, y] = [await readRaw(auto), await readRaw(gpu)];
      expect([x.width, x.height]).toEqual([y.width, y.height]);
      expect(maxAbsDiff(x.data, y.data), args.join(' ')).toBeLessThanOrEqual(1);
    }
    const cpu = await runCli(cli, [SAMPLE, join(tmp, 'cpu.png'), '--backend', 'cpu', '--quiet']);
    expect([cpu.code, cpu.stderr]).toEqual([0, '']);
    const bad = await runCli(cli, [SAMPLE, join(tmp, 'x.png'), '--backend', 'gpu']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--backend gpu is not one of auto, webgpu, cpu/);
  });
});
