/**
 * Build step (part of `npm run build`): copies the pretrained weights of the
 * two small UpscalerJS models into dist/models/<name>/ and the zoo's bundled
 * ncnn models (models/ncnn/) into dist/models/ncnn/, so the published
 * package runs its default model out of the box without installing the
 * @upscalerjs/* packages, whose @tensorflow/tfjs peer dependency would make
 * npm pull in 271 MB of TensorFlow.js that nothing here uses.
 *
 * Copied per model: each scale's model.json and the weight shards its
 * manifest names (nothing else: no JS, no assets), and the package's MIT
 * LICENSE (© 2022 Kevin Scott), which must travel with the weights.
 * Layout mirrors the package's models/ folder: model.json at the top for a
 * single-scale model, x2/ x3/ x4/ x8/ for the others.
 *
 *   node scripts/bundle-models.mjs [outDir]   (default: dist/models)
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLED = ['default-model', 'esrgan-slim'];
const outRoot = resolve(ROOT, process.argv[2] ?? 'dist/models');

const require = createRequire(join(ROOT, 'package.json'));

/** The package's folder: its exports map hides package.json, so walk up from its entry point. */
function packageRoot(name) {
  let dir = dirname(require.resolve(`@upscalerjs/${name}`));
  while (!(
    existsSync(join(dir, 'package.json')) && JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === `@upscalerjs/${name}`
  )) {
    if (dir === dirname(dir)) throw new Error(`bundle-models: could not find the folder of @upscalerjs/${name}`);
    dir = dirname(dir);
  }
  return dir;
}

/** Copies one model.json and the shards its weightsManifest names; returns the bytes copied. */
function copyModel(from, to) {
  mkdirSync(to, { recursive: true });
  const json = readFileSync(join(from, 'model.json'), 'utf8');
  writeFileSync(join(to, 'model.json'), json);
  let bytes = json.length;
  for (const group of JSON.parse(json).weightsManifest) {
    for (const p of group.paths) {
      copyFileSync(join(from, p), join(to, p));
      bytes += readFileSync(join(to, p)).byteLength;
    }
  }
  return bytes;
}

rmSync(outRoot, { recursive: true, force: true });
for (const name of BUNDLED) {
  const pkg = packageRoot(name);
  const models = join(pkg, 'models');
  const out = join(outRoot, name);
  let bytes = 0;
  if (existsSync(join(models, 'model.json'))) {
    bytes += copyModel(models, out);
  } else {
    const scales = readdirSync(models).filter((d) => /^x\d+$/.test(d));
    if (scales.length === 0) throw new Error(`bundle-models: ${models} holds neither model.json nor x<N>/ folders`);
    for (const d of scales) bytes += copyModel(join(models, d), join(out, d));
  }
  const license = ['LICENSE', 'license', 'LICENSE.md'].map((f) => join(pkg, f)).find((f) => existsSync(f));
  if (!license) throw new Error(`bundle-models: @upscalerjs/${name} has no LICENSE file; its weights cannot be redistributed without one`);
  copyFileSync(license, join(out, 'LICENSE'));
  const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  writeFileSync(join(out, 'SOURCE'), `@upscalerjs/${name}@${version} (https://github.com/thekevinscott/upscaler), MIT, see LICENSE\n`);
  console.log(`bundle-models: @upscalerjs/${name}@${version} → ${join(outRoot, name)} (${(bytes / 1e6).toFixed(1)} MB)`);
}

// The zoo's bundled ncnn models (models/ncnn/<model>/: .param, .bin, LICENSE, SOURCE), copied as they are.
const ncnnFrom = join(ROOT, 'models', 'ncnn');
const ncnnTo = join(outRoot, 'ncnn');
let ncnnBytes = 0;
for (const model of readdirSync(ncnnFrom)) {
  const files = readdirSync(join(ncnnFrom, model));
  if (!files.includes('LICENSE'))
    throw new Error(`bundle-models: models/ncnn/${model} has no LICENSE; its weights cannot be redistributed without one`);
  mkdirSync(join(ncnnTo, model), { recursive: true });
  for (const f of files) {
    copyFileSync(join(ncnnFrom, model, f), join(ncnnTo, model, f));
    ncnnBytes += readFileSync(join(ncnnTo, model, f)).byteLength;
  }
}
console.log(`bundle-models: models/ncnn → ${ncnnTo} (${(ncnnBytes / 1e6).toFixed(1)} MB)`);
