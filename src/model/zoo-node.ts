/**
 * Node: models by name or by file. `describeModelFile` reads any model file
 * this package understands, chosen by its name, and describes it without a
 * GPU (for the CPU backend and exportOnnx); `loadModelFile` also uploads it to
 * an engine. `resolveZooModel` finds a zoo model's files: bundled ones in this
 * package's models/ folder, native ones in a native program's models folder.
 *
 *   .param (+ the .bin beside it)   ncnn: waifu2x, Real-ESRGAN, Real-CUGAN, Upscayl
 *   .pth / .pt / .ckpt              PyTorch checkpoints: RRDBNet (ESRGAN), SRVGGNetCompact
 *   .safetensors                    the same architectures
 *   .onnx                           ONNX graphs of the ops the engine has
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine.js';
import { parseOnnxModel } from '../onnx/import/index.js';
import { describeModel, type ModelDescription } from './describe.js';
import { ModelError } from './errors.js';
import { buildModel } from './graph.js';
import { parseNcnnGraph } from './ncnn/model.js';
import { parsePytorchModel, parseSafetensorsModel } from './pytorch/index.js';
import type { UpscaleModel } from './types.js';
import { findZooModel, type ZooModel } from './zoo.js';

/** Largest model file read (x4plus is 33 MB; the biggest ESRGAN checkpoints ~70 MB). */
export const MAX_MODEL_FILE_BYTES = 1 << 30;

/** The file extensions describeModelFile understands. */
export const MODEL_FILE_EXTENSIONS = ['.param', '.pth', '.pt', '.ckpt', '.safetensors', '.onnx'] as const;

/** A model read from files: its description plus where it came from and, for ncnn models, the family. */
export type FileModelDescription = ModelDescription & { readonly file: string; readonly family?: string; readonly noise?: number | null };

/**
 * This package's bundled ncnn models: dist/models/ncnn in the package, models/ncnn in the repository;
 * the nearest such folder above this file.
 */
export function bundledNcnnDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++, dir = dirname(dir)) {
    const candidate = join(dir, 'models', 'ncnn');
    if (existsSync(candidate)) return candidate;
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'ncnn');
}

function readBounded(path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ModelError(`${path}: not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (size > MAX_MODEL_FILE_BYTES)
    throw new ModelError(`${path}: ${size} bytes, more than the ${MAX_MODEL_FILE_BYTES} a model file may have`);
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export interface ModelFileOptions {
  /** The model's name; default the file name without its extension. */
  name?: string;
  /** ncnn: the .bin; default the .param's path with '.bin'. */
  bin?: string;
}

/** Reads and describes a model file (no GPU); throws ModelError naming the file for anything it cannot run. */
export function describeModelFile(path: string, options: ModelFileOptions = {}): FileModelDescription {
  const file = resolve(path);
  const ext = extname(file).toLowerCase();
  const name = options.name ?? basename(file, extname(file));
  switch (ext) {
    case '.param': {
      const bin = options.bin ?? `${file.slice(0, -ext.length)}.bin`;
      if (!existsSync(bin)) throw new ModelError(`${file}: its weights ${bin} are missing (an ncnn model is a .param and a .bin)`);
      const { graph, family } = parseNcnnGraph({ param: readBounded(file), bin: readBounded(bin), name, file });
      const d = describeModel(graph, { name, inputRange: [0, 1], outputRange: [0, 1] });
      return { ...d, file, family: family.family, noise: family.noise };
    }
    case '.pth':
    case '.pt':
    case '.ckpt':
    case '.safetensors': {
      const parse = ext === '.safetensors' ? parseSafetensorsModel : parsePytorchModel;
      const spec = parse(readBounded(file), { file, name });
      return {
        ...describeModel(spec.graph, { name, inputRange: spec.inputRange, outputRange: spec.outputRange }),
        file,
        family: spec.architecture.kind,
      };
    }
    case '.onnx': {
      const parsed = parseOnnxModel(readBounded(file), { file, name });
      return { ...describeModel(parsed.graph, { name, inputRange: parsed.inputRange, outputRange: parsed.outputRange }), file };
    }
    default:
      throw new ModelError(`${file}: '${ext || 'no extension'}' is not a model format here (${MODEL_FILE_EXTENSIONS.join(', ')})`);
  }
}

/** Reads a model file (see describeModelFile) and uploads its weights to `engine`. */
export function loadModelFile(engine: Engine, path: string, options: ModelFileOptions = {}): UpscaleModel & FileModelDescription {
  const d = describeModelFile(path, options);
  const model = buildModel(engine, d.graph, { name: d.name, inputRange: d.inputRange, outputRange: d.outputRange });
  return Object.assign(model, {
    graph: d.graph,
    file: d.file,
    family: d.family,
    noise: d.noise,
    maxChannels: d.maxChannels,
    peakElementsPerInputPixel: d.peakElementsPerInputPixel,
  });
}

export interface ZooOptions {
  noise?: number | null;
  scale?: number;
  /**
   * Where native models are looked for: folders holding a native program's models (Upscayl's
   * `models/`, waifu2x-ncnn-vulkan's folder with `models-cunet/`, realcugan-ncnn-vulkan's with
   * `models-se/`, Real-ESRGAN-ncnn-vulkan's `models/`). Default: $WEBGPU_UPSAMPLE_MODELS (':'-separated).
   */
  modelsDirs?: readonly string[];
}

/** The folders native models are looked up in: the option, else $WEBGPU_UPSAMPLE_MODELS. */
export function nativeModelDirs(option?: readonly string[]): string[] {
  const env = typeof process !== 'undefined' ? process.env.WEBGPU_UPSAMPLE_MODELS : undefined;
  return [...(option ?? env?.split(':').filter(Boolean) ?? [])];
}

/** A zoo model's .param and .bin paths; ModelError saying where it looked when they are not there. */
export function resolveZooModel(id: string, options: ZooOptions = {}): { entry: ZooModel; param: string; bin: string } {
  const entry = findZooModel(id, options);
  if (entry.where === 'bundled') {
    const root = bundledNcnnDir();
    return { entry, param: join(root, entry.param), bin: join(root, entry.bin) };
  }
  const dirs = nativeModelDirs(options.modelsDirs);
  // Each program's folder layout: the file at the top, or under models/, waifu2x/, real-cugan/, real-esrgan/models/.
  const subdirs = ['', 'models', 'waifu2x', 'real-cugan', join('real-esrgan', 'models')];
  for (const d of dirs) {
    for (const sub of subdirs) {
      const param = join(d, sub, entry.param);
      const flat = join(d, sub, basename(entry.param));
      for (const p of [param, flat]) {
        if (existsSync(p)) return { entry, param: p, bin: join(dirname(p), basename(entry.bin)) };
      }
    }
  }
  throw new ModelError(
    `model '${id}'${entry.noise === null ? '' : ` (noise ${entry.noise})`} is not bundled: point --models-dir (or $WEBGPU_UPSAMPLE_MODELS) at the ` +
      `models folder of the native program that ships it (it needs ${entry.param}); ${dirs.length ? `looked in ${dirs.join(', ')}` : 'no folder was given'}`,
  );
}

/** A zoo model's display name: its id, the scale when the id has several, the noise level when it has one. */
export function zooModelName(entry: ZooModel): string {
  const scale = /-x\d+$/.test(entry.id) ? '' : `-x${entry.scale}`;
  return `${entry.id}${entry.noise === null ? '' : `${scale}-noise${entry.noise}`}`;
}

/** A zoo model described (no GPU). */
export function describeZooModel(id: string, options: ZooOptions = {}): FileModelDescription {
  const { entry, param, bin } = resolveZooModel(id, options);
  return describeModelFile(param, { bin, name: zooModelName(entry) });
}

/** A zoo model on an engine. */
export function loadZooModel(engine: Engine, id: string, options: ZooOptions = {}): UpscaleModel & FileModelDescription {
  const { entry, param, bin } = resolveZooModel(id, options);
  return loadModelFile(engine, param, { bin, name: zooModelName(entry) });
}
