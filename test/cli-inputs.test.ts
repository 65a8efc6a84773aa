/**
 * Inputs the CLI must not take without a word (issue 20): grayscale stays
 * grayscale; an image 1 pixel wide and an animated GIF/WebP get a warning
 * saying what will come out; a missing output folder is bad usage (exit 2).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, readRaw, ROOT, runCli, SAMPLE } from './helpers/cli.js';

describe('webgpu-upsample CLI: unusual inputs', () => {
  let cli: string;
  let tmp: string;

  beforeAll(async () => {
    cli = await buildCli(join(ROOT, 'test-artifacts', 'cli-dist-inputs'));
    tmp = mkdtempSync(join(tmpdir(), 'webgpu-upsample-cli-inputs-'));
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a 16-bit grayscale PNG comes out as a 16-bit grayscale PNG (one channel, values 8 bits cannot hold)', async () => {
    const grey = new Uint16Array(12 * 10).map((_, i) => 3000 + ((i * 2749) % 60000));
    const input = join(tmp, 'grey16.png');
    await sharp(grey, { raw: { width: 12, height: 10, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(input);
    const out = join(tmp, 'grey16-x2.png');
    const r = await runCli(cli, [input, out, '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/12×10 → 24×20 \(png, 16-bit\)/);
    const png = await readRaw(out);
    expect([png.width, png.height, png.channels, png.bits]).toEqual([24, 20, 1, 16]);
    // Not flat: the input's texture survives (a lost channel or an 8-bit round trip would not keep values 8 bits cannot hold).
    expect(new Set(png.data).size).toBeGreaterThan(100);
    expect(Array.from(png.data).some((v) => v % 257 !== 0)).toBe(true);
  });

  it('warns that an image 1 pixel wide comes out dark and that an animated GIF/WebP gives its first frame only', async () => {
    const thin = join(tmp, 'thin.png');
    await sharp(Buffer.from([200, 100, 50, 200, 100, 50, 200, 100, 50]), { raw: { width: 1, height: 3, channels: 3 } })
      .png()
      .toFile(thin);
    const r = await runCli(cli, [thin, join(tmp, 'thin-x2.png'), '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: .*thin\.png is 1×3: the network pads its borders with zeros.*darker/);

    const frame = (colour: string): Promise<Buffer> =>
      sharp({ create: { width: 6, height: 5, channels: 3, background: colour } })
        .png()
        .toBuffer();
    for (const format of ['gif', 'webp'] as const) {
      const anim = join(tmp, `anim.${format}`);
      writeFileSync(
        anim,
        await sharp([await frame('#c04020'), await frame('#20c040')], { join: { animated: true } })
          [format]()
          .toBuffer(),
      );
      const a = await runCli(cli, [anim, join(tmp, `anim-${format}.png`), '--backend', 'cpu']);
      expect(a.code, a.stderr).toBe(0);
      expect(a.stderr).toMatch(new RegExp(`warning: .*anim\\.${format} is animated \\(2 frames\\): only the first frame is upscaled`));
    }
    // A still picture of a usual size gets no warning.
    const plain = await runCli(cli, [SAMPLE, join(tmp, 'plain.png'), '--backend', 'cpu']);
    expect(plain.stderr).not.toMatch(/warning/);
  });

  it('progress says how long it has run and, after the first tile, about how long is left; times read "1.2 s", not ms', async () => {
    const r = await runCli(cli, [SAMPLE, join(tmp, 'tiled.png'), '--tile', '32', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^tile 1\/4  25% · \d+\.\d s elapsed, about \d+(\.\d)? s left$/m);
    expect(r.stderr).toMatch(/^tile 4\/4 100% · \d+(\.\d)? s elapsed$/m);
    expect(r.stderr).not.toMatch(/\d ms\b/);
  });

  it('a missing output folder is bad usage: exit 2, as --help says, before any work', async () => {
    const r = await runCli(cli, [SAMPLE, join(tmp, 'no', 'such', 'dir', 'out.png')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/out\.png: the output folder .*no\/such\/dir does not exist/);
    expect(r.stderr).not.toMatch(/backend:/);
  });
});
