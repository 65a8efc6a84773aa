/** Whether the pretrained-model code the demo pages look for exists in this checkout (the same files pretrained.ts globs). */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const needed = ['../../src/model/load.ts'];

/** Null when the models can run, else why not (mirrors demo/src/upscaler/pretrained.ts). */
export function pretrainedUnavailable(): string | null {
  const missing = needed.filter((p) => !existsSync(fileURLToPath(new URL(p, import.meta.url))));
  return missing.length ? `missing ${missing.join(', ')}` : null;
}
