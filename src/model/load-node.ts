/**
 * Node: load the UpscalerJS model packages installed in node_modules.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Engine } from '../engine.js';
import { ModelError } from './errors.js';
import { loadModel, type LayersModelSource } from './load.js';
import type { LayersModelJson } from './tfjs-layers.js';
import type { UpscaleModel } from './types.js';

export type PackagedModel = 'default-model' | 'esrgan-slim' | 'esrgan-medium' | 'esrgan-thick';

/** esrgan-thick is UpscalerJS's RRDN architecture, which works on [0, 1]; the RDN ones on [0, 255]. */
const RANGES: Record<PackagedModel, readonly [number, number]> = {
  'default-model': [0, 255],
  'esrgan-slim': [0, 255],
  'esrgan-medium': [0, 255],
  'esrgan-thick': [0, 1],
};

/** The package's folder: its exports hide package.json, so resolve the entry and walk up. */
function packageRoot(name: PackagedModel): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(`@upscalerjs/${name}`);
  } catch {
    throw new ModelError(`@upscalerjs/${name} is not installed (npm i @upscalerjs/${name})`);
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === `@upscalerjs/${name}`) return dir;
  }
  throw new ModelError(`could not find the folder of @upscalerjs/${name}`);
}

/** Scales a packaged model offers (default-model: [2]; the ESRGAN ones: 2, 3, 4, 8). */
export function packagedScales(name: PackagedModel): number[] {
  const models = join(packageRoot(name), 'models');
  if (existsSync(join(models, 'model.json'))) return [2];
  return readdirSync(models).map((d) => /^x(\d+)$/.exec(d)?.[1]).filter((s): s is string => !!s).map(Number).sort((a, b) => a - b);
}

/** The files of a packaged model, read from node_modules; `scale` defaults to 4 where offered. */
export interface PackagedModelFiles extends LayersModelSource {
  weightShards: ArrayBuffer[];
  name: string;
  inputRange: readonly [number, number];
  scale: number;
}

export function readPackagedModel(name: PackagedModel, scale?: number): PackagedModelFiles {
  if (!(name in RANGES)) throw new ModelError(`unknown model '${name}' (${Object.keys(RANGES).join(', ')})`);
  const scales = packagedScales(name);
  const s = scale ?? (scales.includes(4) ? 4 : scales[0]);
  if (!scales.includes(s)) throw new ModelError(`${name} offers scales ${scales.join(', ')}, not ${s}`);
  const models = join(packageRoot(name), 'models');
  const dir = existsSync(join(models, 'model.json')) ? models : join(models, `x${s}`);
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as LayersModelJson;
  const weightShards = modelJson.weightsManifest.flatMap((g) =>
    g.paths.map((p) => {
      const b = readFileSync(join(dir, p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }),
  );
  return { modelJson, weightShards, name: `${name}-x${s}`, inputRange: RANGES[name], scale: s };
}

export function loadModelFromPackage(engine: Engine, name: PackagedModel, scale?: number): UpscaleModel & { maxChannels: number } {
  return loadModel(engine, readPackagedModel(name, scale));
}
