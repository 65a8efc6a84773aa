/**
 * What a Node user has in hand goes straight into the API (issue 20):
 * `readImage(path)` / `writeImage(path, image)` of webgpu-upsample/node (the
 * CLI's codec code), RGB pixels (sharp's default raw output) as well as RGBA,
 * and grayscale kept grayscale on the way back to a file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { upscale } from '../src/index.js';
import { FileError, readImage, writeImage } from '../src/node.js';
import { readRaw, SAMPLE } from './helpers/cli.js';
import { useEngine } from './helpers/engine.js';
import { fixtureModel } from './upscale-fixture.js';

const tmp = mkdtempSync(join(tmpdir(), 'webgpu-upsample-node-image-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('webgpu-upsample/node readImage / writeImage', () => {
  const h = useEngine();

  it('RGB pixels (3 samples a pixel, as sharp gives them) upscale exactly as the same pixels in opaque RGBA', async () => {
    const { data, info } = await sharp(SAMPLE).resize(12, 9).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    const rgba = new Uint8ClampedArray(12 * 9 * 4);
    for (let i = 0; i < 12 * 9; i++) rgba.set([data[3 * i], data[3 * i + 1], data[3 * i + 2], 255], 4 * i);
    const model = fixtureModel(h.engine);
    try {
      const fromRgb = await upscale(h.engine, { data, width: info.width, height: info.height }, { model });
      const fromRgba = await upscale(h.engine, { data: rgba, width: 12, height: 9 }, { model });
      expect([fromRgb.width, fromRgb.height]).toEqual([24, 18]);
      expect(Array.from(fromRgb.data)).toEqual(Array.from(fromRgba.data));
      // A length that is neither RGB nor RGBA names both.
      await expect(upscale(h.engine, { data: data.subarray(1), width: 12, height: 9 }, { model })).rejects.toThrow(
        /needs 432 \(RGBA\) or 324 \(RGB\)/,
      );
    } finally {
      model.dispose();
    }
  });

  it('reads a file to RGBA and writes it back by extension; a 16-bit grayscale PNG stays one 16-bit channel', async () => {
    const img = await readImage(SAMPLE);
    expect([img.width, img.height, img.data.length, img.header.bits, img.header.grayscale]).toEqual([64, 64, 64 * 64 * 4, 8, false]);
    const out = join(tmp, 'sample.webp');
    expect(await writeImage(out, img)).toEqual({ bits: 8 });
    expect((await sharp(out).metadata()).format).toBe('webp');

    // 16-bit grey with values 8 bits cannot hold.
    const grey = new Uint16Array(5 * 3).map((_, i) => 1000 + 4321 * i);
    const greyPath = join(tmp, 'grey16.png');
    await sharp(grey, { raw: { width: 5, height: 3, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toFile(greyPath);
    const g = await readImage(greyPath);
    expect([g.header.bits, g.header.grayscale, g.data instanceof Uint16Array]).toEqual([16, true, true]);
    expect(Array.from({ length: 15 }, (_, i) => g.data[4 * i])).toEqual(Array.from(grey));
    expect(Array.from({ length: 15 }, (_, i) => g.data[4 * i + 1])).toEqual(Array.from(grey)); // R = G = B
    const back = join(tmp, 'grey16-back.png');
    expect(await writeImage(back, g, { like: g })).toEqual({ bits: 16 });
    const raw = await readRaw(back);
    expect([raw.channels, raw.bits]).toEqual([1, 16]);
    expect(Array.from(raw.data)).toEqual(Array.from(grey));
  });

  it('errors name the file: a missing input, an output extension it cannot write', async () => {
    await expect(readImage(join(tmp, 'nope.png'))).rejects.toThrow(FileError);
    await expect(readImage(join(tmp, 'nope.png'))).rejects.toThrow(/nope\.png: no such file/);
    const img = await readImage(SAMPLE);
    await expect(writeImage(join(tmp, 'out.bmp'), img)).rejects.toThrow(/out\.bmp: the extension names no format/);
  });
});
