/**
 * Makes assets/sample.png, the CLI's bundled sample: the 128×128 flower photo
 * shipped as assets/fixture.png in @upscalerjs/default-model (MIT, © 2022
 * Kevin Scott; see docs/upscale.md), box-filtered 2× down to 64×64 so that an
 * upscale of it runs in seconds on a software GPU.
 *
 *   node scripts/make-sample.mjs
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
// The package's exports map hides package.json, so walk up from its entry point to the package root.
let pkgDir = dirname(require.resolve('@upscalerjs/default-model'));
while (!existsSync(join(pkgDir, 'package.json'))) pkgDir = dirname(pkgDir);
const src = PNG.sync.read(readFileSync(join(pkgDir, 'assets', 'fixture.png')));
const f = 2;
const width = Math.floor(src.width / f);
const height = Math.floor(src.height / f);
const out = new PNG({ width, height });
for (let y = 0; y < height; y++) {
  for (let x = 0; x < width; x++) {
    for (let c = 0; c < 4; c++) {
      let sum = 0;
      for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) sum += src.data[((y * f + dy) * src.width + x * f + dx) * 4 + c];
      out.data[(y * width + x) * 4 + c] = Math.round(sum / (f * f));
    }
  }
}
const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'sample.png');
writeFileSync(target, PNG.sync.write(out, { colorType: 6 }));
console.log(`wrote ${target} (${width}×${height})`);
