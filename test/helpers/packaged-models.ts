/** Reads an installed UpscalerJS model package's model.json and shards (as a browser would fetch them). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { LayersModelJson } from '../../src/model/index.js';

export function readPackagedModel(pkg: string, scale: number): { json: LayersModelJson; shards: ArrayBuffer[] } {
  const entry = createRequire(import.meta.url).resolve(`@upscalerjs/${pkg}`);
  let root = dirname(entry);
  while (!root.endsWith(`@upscalerjs/${pkg}`)) root = dirname(root);
  const dir = pkg === 'default-model' ? join(root, 'models') : join(root, 'models', `x${scale}`);
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as LayersModelJson;
  const shards = json.weightsManifest.flatMap((g) =>
    g.paths.map((p) => {
      const b = readFileSync(join(dir, p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }),
  );
  return { json, shards };
}
