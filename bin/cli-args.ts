/**
 * The CLI's arguments → a list of jobs (input file → output file) and the
 * settings for all of them. Everything a user can get wrong on the command
 * line is found here, before the GPU starts: unknown options (with a "did you
 * mean"), bad numbers, an unknown model or a scale it does not offer, output
 * names that collide, and an output that is the input (refused unless
 * --overwrite). Pure argument logic plus file-system lookups; no decoding.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BACKENDS, type BackendChoice } from './backend.js';
import type { WinogradOption } from '../src/kernels/conv-winograd.js';
import { CLI_WINOGRAD } from './node-engine.js';

const WINOGRAD_MODES: readonly WinogradOption[] = ['auto', 'off', 'f23', 'f43', 'f63'];
import { zooIds } from '../src/model/zoo.js';
import { MODEL_FILE_EXTENSIONS } from '../src/model/zoo-node.js';
import { zooAliases } from './cli-model.js';
import {
  DEFAULT_MAX_OUTPUT_PIXELS,
  DEFAULT_MAX_PIXELS,
  DEFAULT_QUALITY,
  FORMAT_EXTENSION,
  formatOfPath,
  INPUT_EXTENSIONS,
  OUTPUT_FORMATS,
  type OutputFormat,
} from '../src/upscale/image-file.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const MODELS = ['default-model', 'esrgan-slim', 'esrgan-medium', 'esrgan-thick'] as const;
export type ModelName = (typeof MODELS)[number];

/** Every name --model takes: UpscalerJS's models, the zoo's, and the zoo's families without their scale suffix. */
export function modelNames(): string[] {
  return [...MODELS, ...zooIds(), ...zooAliases()];
}

/** True when --model names a file rather than a model: a path separator or a model file's extension. */
export function isModelPath(model: string): boolean {
  return /[\\/]/.test(model) || (MODEL_FILE_EXTENSIONS as readonly string[]).includes(extname(model).toLowerCase());
}

/** Defaults of the size limits (documented in --help and the README). */
export { DEFAULT_MAX_OUTPUT_PIXELS, DEFAULT_MAX_PIXELS, DEFAULT_QUALITY };

export interface Job {
  input: string;
  output: string;
  format: OutputFormat;
}

export interface CliOptions {
  jobs: Job[];
  /** True when the command names folders or several inputs (per-file progress and a summary). */
  batch: boolean;
  /** Folder to create before any work (--out-dir or a folder output that does not exist yet). */
  makeDir?: string;
  /** An UpscalerJS model, a zoo model (or family) name, or a model file's path. */
  model: string;
  backend: BackendChoice;
  /** Winograd for the 3×3 convs on the WebGPU backend (default 'auto': see bin/node-engine.ts). */
  winograd: WinogradOption;
  /** The output scale asked for (any model: passes of the model, then a shrink to the exact size). */
  scale?: number;
  /** Denoise level, for zoo models that have them. */
  noise?: number;
  /** Test-time augmentation (8 flips/transposes averaged), as the native programs' -x. */
  tta: boolean;
  /** Folders of native programs' models, for the zoo models not bundled. */
  modelsDirs: string[];
  tile?: number;
  quality: number;
  maxPixels: number;
  maxOutputPixels: number;
  quiet: boolean;
  overwrite: boolean;
}

export type Parsed =
  { kind: 'help' } | { kind: 'version' } | { kind: 'list-models'; modelsDirs: string[] } | { kind: 'run'; options: CliOptions };

export const OPTIONS = {
  model: { type: 'string', short: 'm' },
  noise: { type: 'string', short: 'n' },
  tta: { type: 'boolean', short: 'x' },
  'models-dir': { type: 'string', multiple: true },
  'list-models': { type: 'boolean' },
  backend: { type: 'string', short: 'b' },
  winograd: { type: 'string' },
  scale: { type: 'string', short: 's' },
  tile: { type: 'string' },
  format: { type: 'string', short: 'f' },
  quality: { type: 'string', short: 'q' },
  'out-dir': { type: 'string', short: 'o' },
  'max-pixels': { type: 'string' },
  'max-output-pixels': { type: 'string' },
  overwrite: { type: 'boolean' },
  force: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** --backend and --winograd, checked (shared by the image and the video commands). */
export function parseEngineChoice(v: { backend?: string; winograd?: string }): { backend: BackendChoice; winograd: WinogradOption } {
  const backend = (v.backend ?? 'auto') as BackendChoice;
  if (!BACKENDS.includes(backend))
    throw new UsageError(`--backend ${backend} is not one of ${BACKENDS.join(', ')}${didYouMean(backend, BACKENDS)}`);
  const winograd = (v.winograd ?? CLI_WINOGRAD) as WinogradOption;
  if (!WINOGRAD_MODES.includes(winograd))
    throw new UsageError(`--winograd ${winograd} is not one of ${WINOGRAD_MODES.join(', ')}${didYouMean(winograd, WINOGRAD_MODES)}`);
  return { backend, winograd };
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/** " (did you mean X?)" for the nearest candidate within 2 edits, else "". */
export function didYouMean(word: string, candidates: readonly string[]): string {
  let best = '';
  let bestD = 3;
  for (const c of candidates) {
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    if (dist < bestD) [best, bestD] = [c, dist];
  }
  return best ? ` (did you mean ${best}?)` : '';
}

function positiveInt(name: string, v: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 1 || n > max) {
    throw new UsageError(`--${name} ${v} must be an integer from 1 to ${max}`);
  }
  return n;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The images in a folder (not recursive), by extension, sorted by name. */
function imagesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new UsageError(`${dir}: cannot list the folder (${(e as NodeJS.ErrnoException).code})`);
  }
  const files = names
    .filter((n) => !n.startsWith('.') && INPUT_EXTENSIONS.includes(extname(n).toLowerCase()))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => !isDir(p));
  if (files.length === 0) throw new UsageError(`${dir}: no images in this folder (${INPUT_EXTENSIONS.join(' ')})`);
  return files;
}

/** Same file: same real path, or the same inode (a hard link). */
function sameFile(a: string, b: string): boolean {
  try {
    if (realpathSync(a) === realpathSync(b)) return true;
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return resolve(a) === resolve(b);
  }
}

function outputFormatFor(input: string, format: OutputFormat | undefined): OutputFormat {
  return format ?? formatOfPath(input) ?? 'png';
}

export function parseCli(argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    const msg = (e as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(msg);
    if (unknown) {
      const names = Object.keys(OPTIONS).map((k) => `--${k}`);
      throw new UsageError(`unknown option ${unknown[1]}${didYouMean(unknown[1].split('=')[0], names)}`);
    }
    throw new UsageError(msg.split('\n')[0]);
  }
  const { values: v, positionals } = parsed;
  if (v.help) return { kind: 'help' };
  if (v.version) return { kind: 'version' };

  const modelsDirs = [...(v['models-dir'] ?? [])];
  if (v['list-models']) return { kind: 'list-models', modelsDirs };
  const model = v.model ?? 'default-model';
  if (!isModelPath(model) && !modelNames().includes(model)) {
    throw new UsageError(
      `--model ${model} is not a model here${didYouMean(model, modelNames())}; models: ${[...MODELS, ...zooIds()].join(', ')} ` +
        `(--list-models), or a model file (${MODEL_FILE_EXTENSIONS.join(', ')})`,
    );
  }
  let noise: number | undefined;
  if (v.noise !== undefined) {
    noise = Number(v.noise);
    if (v.noise.trim() === '' || !Number.isInteger(noise) || noise < -1 || noise > 3)
      throw new UsageError(`--noise ${v.noise} must be an integer from -1 to 3`);
  }
  const { backend, winograd } = parseEngineChoice(v);
  let format: OutputFormat | undefined;
  if (v.format !== undefined) {
    const f = v.format.toLowerCase() === 'jpg' ? 'jpeg' : v.format.toLowerCase() === 'tif' ? 'tiff' : v.format.toLowerCase();
    if (!(OUTPUT_FORMATS as readonly string[]).includes(f)) {
      throw new UsageError(`--format ${v.format} is not one of ${OUTPUT_FORMATS.join(', ')}${didYouMean(v.format, OUTPUT_FORMATS)}`);
    }
    format = f as OutputFormat;
  }
  const options: Omit<CliOptions, 'jobs' | 'batch'> = {
    model,
    backend,
    winograd,
    scale: positiveInt('scale', v.scale, 16),
    noise,
    tta: v.tta === true,
    modelsDirs,
    tile: positiveInt('tile', v.tile, 1 << 16),
    quality: positiveInt('quality', v.quality, 100) ?? DEFAULT_QUALITY,
    maxPixels: positiveInt('max-pixels', v['max-pixels']) ?? DEFAULT_MAX_PIXELS,
    maxOutputPixels: positiveInt('max-output-pixels', v['max-output-pixels']) ?? DEFAULT_MAX_OUTPUT_PIXELS,
    quiet: v.quiet === true,
    overwrite: v.overwrite === true || v.force === true,
  };

  // Which form is this? `in out`, `in-dir out-dir`, `in... --out-dir D`, or `in... existing-dir`.
  let inputs: string[];
  let outDir: string | undefined = v['out-dir'];
  let single: string | undefined;
  if (outDir !== undefined) {
    if (positionals.length === 0) throw new UsageError('expected at least one input with --out-dir');
    inputs = positionals;
  } else if (positionals.length < 2) {
    throw new UsageError(`expected <input> <output>, got ${positionals.length} path(s)`);
  } else {
    const last = positionals[positionals.length - 1];
    inputs = positionals.slice(0, -1);
    if (inputs.length === 1 && isDir(inputs[0]) && !isDir(last) && formatOfPath(last)) {
      throw new UsageError(`${inputs[0]} is a folder, so the output must be a folder too, not ${last}`);
    }
    if (isDir(last) || last.endsWith('/') || (inputs.length === 1 && isDir(inputs[0]))) outDir = last;
    else if (inputs.length > 1) throw new UsageError(`several inputs need an output folder: ${last} is not one (or use --out-dir)`);
    else single = last;
  }

  const batch = single === undefined && (inputs.length > 1 || inputs.some(isDir));
  const files = inputs.flatMap((p) => (isDir(p) ? imagesIn(p) : [p]));
  let jobs: Job[];
  if (single !== undefined) {
    const ext = formatOfPath(single);
    if (format && ext && ext !== format) throw new UsageError(`--format ${format} contradicts the output name ${single}`);
    if (!format && !ext) {
      throw new UsageError(
        `${single}: cannot tell the output format from its extension (${Object.keys(FORMAT_EXTENSION).join(', ')}); add one or pass --format`,
      );
    }
    jobs = [{ input: files[0], output: single, format: format ?? ext! }];
  } else {
    jobs = files.map((input) => {
      const f = outputFormatFor(input, format);
      const stem = basename(input, extname(input));
      return { input, output: join(outDir!, stem + (format || !formatOfPath(input) ? FORMAT_EXTENSION[f] : extname(input))), format: f };
    });
    const seen = new Map<string, string>();
    for (const j of jobs) {
      const key = resolve(j.output);
      const other = seen.get(key);
      if (other) throw new UsageError(`${other} and ${j.input} would both be written to ${j.output}; use --format or separate folders`);
      seen.set(key, j.input);
    }
  }
  if (!options.overwrite) {
    for (const j of jobs) {
      if (sameFile(j.input, j.output)) {
        throw new UsageError(`${j.output} is the input file itself; refusing to overwrite it (pass --overwrite to replace the original)`);
      }
    }
  }
  return { kind: 'run', options: { ...options, jobs, batch, makeDir: outDir !== undefined && !isDir(outDir) ? outDir : undefined } };
}
