/**
 * The video side of the command line: is this command about video files, and
 * if so, its jobs and options. A command is a video command when an input is
 * a video (by extension, or by its first bytes when it has none), a folder
 * input holds videos, or an animated GIF/WebP goes to an animated or video
 * output. Everything else is left to the image path (parseCli), untouched.
 *
 * Shares the image path's option table (cli-args.ts) and its checks of
 * --model/--backend/--winograd/--scale, and adds --codec, --crf, --preset, --ffmpeg,
 * --resume, --segment-seconds, --dump-frames.
 */
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BackendChoice } from './backend.js';
import type { WinogradOption } from '../src/kernels/conv-winograd.js';
import {
  DEFAULT_MAX_OUTPUT_PIXELS,
  DEFAULT_MAX_PIXELS,
  didYouMean,
  isModelPath,
  modelNames,
  MODELS,
  OPTIONS,
  parseEngineChoice,
  UsageError,
} from './cli-args.js';
import { zooIds } from '../src/model/zoo.js';
import { CONTAINERS, CRF_RANGE, VIDEO_CODECS, VIDEO_EXTENSIONS, type VideoCodec } from '../src/video/ffmpeg/codecs.js';
import { DEFAULT_SEGMENT_SECONDS } from '../src/video/ffmpeg/segments.js';

export const VIDEO_OPTIONS = {
  codec: { type: 'string', short: 'c' },
  crf: { type: 'string' },
  preset: { type: 'string' },
  ffmpeg: { type: 'string' },
  resume: { type: 'boolean' },
  'segment-seconds': { type: 'string' },
  'dump-frames': { type: 'string' },
} as const;

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff', '.gif'];
export const PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow', 'placebo'];

export interface VideoJob {
  input: string;
  output: string;
}

export interface VideoCliOptions {
  jobs: VideoJob[];
  batch: boolean;
  makeDir?: string;
  model: string;
  backend: BackendChoice;
  /** The engine's Winograd option (--winograd; the CLI's default, as for images). */
  winograd: WinogradOption;
  scale?: number;
  noise?: number;
  tta: boolean;
  modelsDirs: string[];
  tile?: number;
  maxPixels: number;
  maxOutputPixels: number;
  quiet: boolean;
  overwrite: boolean;
  codec?: VideoCodec;
  crf?: number;
  preset: string;
  ffmpeg?: string;
  resume: boolean;
  segmentSeconds: number;
  dumpFrames?: string;
  /** Said before the work starts (a folder that also holds images). */
  warnings: string[];
}

/** First bytes of common containers, for inputs without a known extension. */
function sniffVideo(file: string): boolean {
  const head = Buffer.alloc(32);
  let n = 0;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, head, 0, 32, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  const b = head.subarray(0, n);
  const ascii = (from: number, to: number) => b.subarray(from, to).toString('latin1');
  return (
    ascii(4, 8) === 'ftyp' || // MP4, MOV, 3GP
    b.readUInt32BE(0) === 0x1a45dfa3 || // Matroska, WebM
    (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') ||
    ascii(0, 3) === 'FLV' ||
    ascii(0, 10) === 'nut/multim' ||
    (b[0] === 0x47 && n >= 1) // MPEG-TS sync byte
  );
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Is `file` a video: a video extension, or no image extension and a video container's first bytes. */
export function isVideoFile(file: string): boolean {
  const ext = extname(file).toLowerCase();
  if (VIDEO_EXTENSIONS.includes(ext)) return true;
  if (IMAGE_EXTENSIONS.includes(ext)) return false;
  return isFile(file) && sniffVideo(file);
}

/** Frames in a GIF or WebP (sharp's page count), 1 when it cannot tell. */
async function frameCount(file: string): Promise<number> {
  try {
    const sharp = (await import('sharp')).default;
    return (await sharp(file).metadata()).pages ?? 1;
  } catch {
    return 1;
  }
}

function videosIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => !n.startsWith('.') && VIDEO_EXTENSIONS.includes(extname(n).toLowerCase()))
      .sort()
      .map((n) => join(dir, n))
      .filter((p) => !isDir(p));
  } catch {
    return [];
  }
}

function number(name: string, v: string | undefined, min: number, max: number, integer = true): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} ${v} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  }
  return n;
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/**
 * The video command in `argv`, or null when it is not one (the image path
 * handles it). Throws UsageError for a video command that is wrong.
 */
export async function parseVideoCli(argv: string[]): Promise<VideoCliOptions | null> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...OPTIONS, ...VIDEO_OPTIONS } });
  } catch {
    return null; // the image path reports bad options
  }
  const { values: v, positionals } = parsed;
  if (v.help || v.version || v['list-models']) return null;
  const outDirOption = v['out-dir'];
  const inputs = outDirOption !== undefined ? positionals : positionals.slice(0, -1);
  const last = outDirOption !== undefined ? undefined : positionals[positionals.length - 1];
  if (inputs.length === 0) return null;

  const videoFlags = Object.keys(VIDEO_OPTIONS).filter((k) => v[k as keyof typeof v] !== undefined);
  let video = inputs.some((p) => (isDir(p) ? videosIn(p).length > 0 : isVideoFile(p)));
  // An animated GIF/WebP to an animated or video output.
  if (!video && inputs.length === 1 && last && !isDir(inputs[0]) && ['.gif', '.webp'].includes(extname(inputs[0]).toLowerCase())) {
    // GIF/WebP → GIF/WebP or a video container: animated when the input has several frames; else an image job.
    if (extname(last).toLowerCase() in CONTAINERS) video = (await frameCount(inputs[0])) > 1;
  }
  if (!video) {
    if (videoFlags.length) throw new UsageError(`--${videoFlags[0]} applies to video files, and no input here is one`);
    return null;
  }
  if (v.format !== undefined) throw new UsageError(`--format applies to images; a video's container comes from the output's extension`);
  if (v.quality !== undefined) throw new UsageError(`--quality applies to images; for videos use --crf`);

  const model = v.model ?? 'default-model';
  if (!isModelPath(model) && !modelNames().includes(model)) {
    throw new UsageError(
      `--model ${model} is not a model here${didYouMean(model, modelNames())}; models: ${[...MODELS, ...zooIds()].join(', ')} (--list-models)`,
    );
  }
  const { backend, winograd } = parseEngineChoice(v);
  let codec: VideoCodec | undefined;
  if (v.codec !== undefined) {
    const c = v.codec
      .toLowerCase()
      .replace(/^(avc|x264|libx264)$/, 'h264')
      .replace(/^(hevc|x265|libx265)$/, 'h265');
    if (!(VIDEO_CODECS as readonly string[]).includes(c)) {
      throw new UsageError(`--codec ${v.codec} is not one of ${VIDEO_CODECS.join(', ')}${didYouMean(v.codec, VIDEO_CODECS)}`);
    }
    codec = c as VideoCodec;
  }
  const crfRange = CRF_RANGE[codec ?? 'h264'];
  const crf = number('crf', v.crf, crfRange[0], codec ? crfRange[1] : 63);
  const preset = v.preset ?? 'medium';
  if (!PRESETS.includes(preset))
    throw new UsageError(`--preset ${preset} is not one of ${PRESETS.join(', ')}${didYouMean(preset, PRESETS)}`);
  let noise: number | undefined;
  if (v.noise !== undefined) noise = number('noise', v.noise, -1, 3);

  // Jobs: `in out`, `in-dir out-dir`, `in... --out-dir D`, `in... existing-dir`.
  let outDir = outDirOption;
  let single: string | undefined;
  if (outDir === undefined) {
    if (positionals.length < 2) throw new UsageError(`expected <input> <output>, got ${positionals.length} path(s)`);
    if (isDir(last!) || last!.endsWith('/') || (inputs.length === 1 && isDir(inputs[0]))) outDir = last;
    else if (inputs.length > 1) throw new UsageError(`several inputs need an output folder: ${last} is not one (or use --out-dir)`);
    else single = last;
  }
  const files = inputs.flatMap((p) => (isDir(p) ? videosIn(p) : [p]));
  const warnings: string[] = [];
  for (const d of inputs.filter(isDir)) {
    const images = readdirSync(d).filter((n) => IMAGE_EXTENSIONS.includes(extname(n).toLowerCase())).length;
    if (images) warnings.push(`warning: ${d} also holds ${images} image(s); this run does its videos: run again with the images as inputs`);
  }
  let jobs: VideoJob[];
  if (single !== undefined) {
    if (!(extname(single).toLowerCase() in CONTAINERS)) {
      throw new UsageError(`${single}: cannot tell the output container from its extension (${Object.keys(CONTAINERS).join(', ')})`);
    }
    jobs = [{ input: files[0], output: single }];
  } else {
    jobs = files.map((input) => {
      const ext = extname(input).toLowerCase();
      // Containers we write keep their extension; others (.avi, .ts, ...) become .mkv, which holds any audio and subtitles.
      return { input, output: join(outDir!, basename(input, extname(input)) + (ext in CONTAINERS ? ext : '.mkv')) };
    });
    if (jobs.length === 0) throw new UsageError(`no video files in ${inputs.join(', ')} (${VIDEO_EXTENSIONS.join(' ')})`);
  }
  if (!(v.overwrite || v.force)) {
    for (const j of jobs) {
      if (sameFile(j.input, j.output))
        throw new UsageError(`${j.output} is the input file itself; refusing to overwrite it (pass --overwrite)`);
    }
  }
  return {
    jobs,
    batch: single === undefined && (inputs.length > 1 || inputs.some(isDir)),
    makeDir: outDir !== undefined && !isDir(outDir) ? outDir : undefined,
    model,
    backend,
    winograd,
    scale: number('scale', v.scale, 1, 16),
    noise,
    tta: v.tta === true,
    modelsDirs: [...(v['models-dir'] ?? [])],
    tile: number('tile', v.tile, 1, 1 << 16),
    maxPixels: number('max-pixels', v['max-pixels'], 1, Number.MAX_SAFE_INTEGER) ?? DEFAULT_MAX_PIXELS,
    maxOutputPixels: number('max-output-pixels', v['max-output-pixels'], 1, Number.MAX_SAFE_INTEGER) ?? DEFAULT_MAX_OUTPUT_PIXELS,
    quiet: v.quiet === true,
    overwrite: v.overwrite === true || v.force === true,
    codec,
    crf,
    preset,
    ffmpeg: v.ffmpeg,
    resume: v.resume === true,
    segmentSeconds: number('segment-seconds', v['segment-seconds'], 0.001, 86400, false) ?? DEFAULT_SEGMENT_SECONDS,
    dumpFrames: v['dump-frames'],
    warnings,
  };
}
