/**
 * Node: load UpscalerJS's pretrained models from disk.
 *
 * A model is read from an installed @upscalerjs/<name> package when there is
 * one, else from the copy bundled in this package's dist/models/ (the build
 * copies default-model and esrgan-slim there, with their MIT licence, so the
 * @upscalerjs packages, and the TensorFlow.js they name as a peer, need not be
 * installed). esrgan-medium and esrgan-thick are too large to bundle: users
 * install them, without their peer, as the "not installed" error says.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine.js';
import { ModelError } from './errors.js';
import { loadModel, type LayersModelSource } from './load.js';
import type { ModelGraph } from './ir.js';
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

/**
 * The command that installs a model package without its @tensorflow/tfjs peer
 * (npm installs peers by default; the weights need no TensorFlow.js here).
 * `--omit=peer` still records the peer in package-lock.json, so a later
 * `npm ci --omit=peer` (or `omit=peer` in .npmrc) reproduces it;
 * `--legacy-peer-deps` leaves a lockfile that plain `npm ci` rejects.
 */
const installCommand = (name: PackagedModel): string => `npm install @upscalerjs/${name} --omit=peer`;

/** The installed package's folder, or null: its exports hide package.json, so resolve the entry and walk up. */
function installedPackageRoot(name: PackagedModel): string | null {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(`@upscalerjs/${name}`);
  } catch {
    return null;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === `@upscalerjs/${name}`) return dir;
  }
  return null;
}

/** Where the build bundles models: dist/models/<name>, two folders above dist/src/model/. */
const bundledModelsDir = (name: PackagedModel): string => join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', name);

/**
 * The folder holding the model's files: model.json itself (single-scale
 * models) or x2/, x3/, … folders. An installed package wins over the bundled copy.
 */
function modelsDir(name: PackagedModel): string {
  const root = installedPackageRoot(name);
  if (root) return join(root, 'models');
  const bundled = bundledModelsDir(name);
  if (existsSync(bundled)) return bundled;
  throw new ModelError(
    `model '${name}' is not installed: run \`${installCommand(name)}\` (default-model and esrgan-slim come bundled with webgpu-upsample)`,
  );
}

/** Scales a packaged model offers (default-model: [2]; the ESRGAN ones: 2, 3, 4, 8). */
export function packagedScales(name: PackagedModel): number[] {
  const models = modelsDir(name);
  if (existsSync(join(models, 'model.json'))) return [2];
  return readdirSync(models)
    .map((d) => /^x(\d+)$/.exec(d)?.[1])
    .filter((s): s is string => !!s)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The files of a packaged model, read from its package or the bundled copy; `scale` defaults to 4 where offered. */
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
  const models = modelsDir(name);
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

export function loadModelFromPackage(
  engine: Engine,
  name: PackagedModel,
  scale?: number,
): UpscaleModel & { maxChannels: number; graph: ModelGraph } {
  return loadModel(engine, readPackagedModel(name, scale));
}
