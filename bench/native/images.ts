/**
 * The bench's folder of photos: N crops of the 128×128 flower photo shipped as assets/fixture.png in
 * @upscalerjs/default-model (MIT, © 2022 Kevin Scott; the source of assets/sample.png), each at its own
 * offset and flip so that no two images are the same. RGB PNGs (no alpha: the native programs and ours
 * would otherwise also time their alpha paths).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';

function flowerPhoto(): PNG {
  const require = createRequire(import.meta.url);
  // The package's exports map hides package.json, so walk up from its entry point to the package root.
  let dir = dirname(require.resolve('@upscalerjs/default-model'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return PNG.sync.read(readFileSync(join(dir, 'assets', 'fixture.png')));
}

/** Writes `count` size×size RGB PNGs into `dir` (created); returns their file names. Sizes up to 128. */
export function writeBenchImages(dir: string, count: number, size: number): string[] {
  const src = flowerPhoto();
  if (size > src.width || size > src.height) throw new Error(`bench images: size ${size} exceeds the ${src.width}×${src.height} photo`);
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  const span = src.width - size + 1;
  for (let k = 0; k < count; k++) {
    const x0 = (k * 37) % span;
    const y0 = (k * 23 + 11) % (src.height - size + 1);
    const flipX = (k & 1) === 1;
    const flipY = (k & 2) === 2;
    const png = new PNG({ width: size, height: size, colorType: 2, inputColorType: 2, inputHasAlpha: false });
    const data = Buffer.alloc(size * size * 3);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const sx = x0 + (flipX ? size - 1 - x : x);
        const sy = y0 + (flipY ? size - 1 - y : y);
        const s = (sy * src.width + sx) * 4;
        data.set([src.data[s], src.data[s + 1], src.data[s + 2]], (y * size + x) * 3);
      }
    }
    png.data = data;
    const name = `photo-${k}.png`;
    writeFileSync(join(dir, name), PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
    names.push(name);
  }
  return names;
}

/** Reads a PNG as RGB bytes (alpha dropped). */
export function readRgb(path: string): { width: number; height: number; data: Uint8Array } {
  const png = PNG.sync.read(readFileSync(path));
  const data = new Uint8Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) data.set(png.data.subarray(i * 4, i * 4 + 3), i * 3);
  return { width: png.width, height: png.height, data };
}
