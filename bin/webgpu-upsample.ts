#!/usr/bin/env node
/**
 * webgpu-upsample: upscale images with a neural network on WebGPU.
 *
 *   webgpu-upsample in.jpg out.png [--model default-model] [--scale N] [--tile N]
 *   webgpu-upsample photos/ big/            (a folder in, a folder out)
 *   webgpu-upsample a.png b.jpg --out-dir big/
 *
 * Order of work, so that mistakes cost nothing: arguments, the model's files,
 * every input's header and every output folder are checked before the GPU
 * starts; then one engine and one model serve every file. Runs on the GPU
 * when there is one and on SwiftShader (CPU) otherwise; says which adapter
 * ran. Ctrl-C cancels between tiles; nothing half-written is left behind.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scalePlan, shrinkImage } from '../src/upscale/rescale.js';
import { formatDuration } from '../src/upscale/duration.js';
import { planUpscale, upscale } from '../src/upscale/upscale.js';
import {
  DEFAULT_MAX_OUTPUT_PIXELS,
  DEFAULT_MAX_PIXELS,
  DEFAULT_QUALITY,
  parseCli,
  UsageError,
  type CliOptions,
  type Job,
} from './cli-args.js';
import {
  checkWritable,
  decodeImageFile,
  FileError,
  probeImage,
  writeImageFile,
  type DecodedImage,
  type ImageHeader,
} from '../src/upscale/image-file.js';
import { openBackend } from './backend.js';
import { listModels, resolveCliModel, type ResolvedModel } from './cli-model.js';
import { progressBar } from './progress-bar.js';

const USAGE = `usage: webgpu-upsample <input> <output> [options]
       webgpu-upsample <input-folder> <output-folder> [options]
       webgpu-upsample <input>... --out-dir <folder> [options]
       webgpu-upsample queue add|status|retry-failed|drain …, webgpu-upsample worker …
                       (a batch farm on Redis: webgpu-upsample queue --help)

Upscales images with a neural network: on the GPU through WebGPU when there
is one; without one on the CPU through ONNX Runtime (onnxruntime-node) when it
is installed, else on SwiftShader (WebGPU on the CPU, much slower).

formats:
  in:  PNG (8/16-bit), JPEG, WebP, AVIF, TIFF (8/16-bit), GIF; animated
       GIF/WebP: the first frame only (a warning says so)
  video: in.mp4 out.mp4 (also .mkv .webm .mov, folders of videos, and an
       animated GIF to .gif/.webp/.mp4) through ffmpeg, audio and subtitles
       kept: see the video options below and docs/video-files.md
  out: PNG, JPEG, WebP, AVIF, TIFF, from the output's extension or --format
  EXIF orientation is applied; colour profiles are converted to sRGB;
  16-bit PNG/TIFF stay 16-bit when written as PNG/TIFF; grayscale stays
  grayscale (one channel out, as in).

options:
  -m, --model NAME|FILE  network (default: default-model); --list-models shows them all:
                           realesr-animevideov3-x2|-x3|-x4   anime/video, fast (bundled)
                           waifu2x-upconv7    ×2, -n -1…3 (bundled)
                           waifu2x-cunet      ×1 ×2, -n -1…3 (native models folder)
                           realcugan-x2|-x3|-x4  -n -1…3 (native models folder)
                           realesrgan-x4plus, -x4plus-anime, -x4fast (native models folder)
                           default-model   ×2 only            (bundled)
                           esrgan-slim     ×2 ×3 ×4 ×8, default ×4  (bundled)
                           esrgan-medium   ×2 ×3 ×4 ×8, default ×4  (npm i --omit=peer @upscalerjs/esrgan-medium)
                           esrgan-thick    ×2 ×3 ×4 ×8, default ×4  (npm i --omit=peer @upscalerjs/esrgan-thick)
                         or a file: .param (+ .bin beside it; waifu2x, Real-ESRGAN,
                         Real-CUGAN, Upscayl), .pth/.safetensors (ESRGAN/RRDBNet,
                         SRVGGNetCompact), .onnx
  -n, --noise N          denoise level -1…3 (waifu2x: default 0; Real-CUGAN: -1 =
                         conservative, 0 = none, 1-3; default -1)
  -x, --tta              test-time augmentation: 8 flips/transposes averaged (8× slower)
      --models-dir DIR   a native program's models folder (repeatable; default
                         $WEBGPU_UPSAMPLE_MODELS), for the models not bundled
      --list-models      list the models, their scales and noise levels
  -b, --backend B        auto (default): a hardware GPU, else the CPU backend if
                         onnxruntime-node is installed, else SwiftShader;
                         webgpu: WebGPU always (SwiftShader without a GPU);
                         cpu: ONNX Runtime on the CPU (npm install onnxruntime-node)
      --winograd MODE    3×3 convs on WebGPU: auto (default: Winograd F(6,3) on a
                         software adapter, ≤ 0.004 levels from exact; the direct
                         kernel on a GPU), off (tiled == untiled bit for bit),
                         f23, f43, f63
  -s, --scale N          output scale (default: the model's); any model: a model that
                         does not offer N runs in passes, then shrinks (antialiased
                         bicubic) to exactly N× (×3 from a ×4 model, ×4 from waifu2x)
  -f, --format FMT       output format: png, jpeg, webp, avif, tiff
                         (default: from the output name; in folder mode, the input's)
  -q, --quality N        JPEG/WebP/AVIF quality 1-100 (default ${DEFAULT_QUALITY})
  -o, --out-dir DIR      write every output into DIR (created if missing)
      --tile N           largest tile, in input pixels (default: from the GPU's limits)
      --max-pixels N     refuse inputs over N pixels (default ${DEFAULT_MAX_PIXELS} = 8192²)
      --max-output-pixels N
                         refuse results over N pixels (default ${DEFAULT_MAX_OUTPUT_PIXELS} = 16384²)
      --overwrite        allow the output to be the input file itself (replaces the original)
      --quiet            no progress, no driver warnings
  -v, --version          print the version
  -h, --help             this text

video options (video files only):
  -c, --codec C          h264 (default; vp9 for .webm), h265, vp9, av1
      --crf N            quality (lower = better; default h264 18, h265 20, vp9/av1 30)
      --preset P         x264/x265 preset (default medium)
      --ffmpeg PATH      the ffmpeg to use (ffprobe beside it; default: $WEBGPU_UPSAMPLE_FFMPEG, else PATH)
      --resume           continue an interrupted run from its finished segments (out.mp4.parts/)
      --segment-seconds S  segment length, cut at keyframes (default 10)
      --dump-frames DIR  also write every frame handed to the encoder, raw RGB(A), named by pts

Outputs are written to a temporary file and renamed when complete: a failure
never leaves a truncated image or destroys an existing file. An existing
output other than the input is replaced.

exit status: 0 all done, 1 some input failed (each is listed), 2 bad usage
(nothing was done: unknown option, missing output folder), 130 cancelled (Ctrl-C).
`;

const seconds = formatDuration;

function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'webgpu-upsample') return pkg.version ?? 'unknown';
  }
  return 'unknown';
}

/**
 * What a user should know about an input before its result surprises them:
 * an animated image gives its first frame only; a picture a few pixels wide
 * or tall is mostly border, and the networks pad their borders with zeros, so
 * it comes out dark (a 1×1 pixel of (200, 100, 50) gives about (1, 2, 2) — as
 * in TensorFlow.js, it is the network's padding, not a decoding error).
 */
function inputWarnings(header: ImageHeader): string[] {
  const out: string[] = [];
  if (header.frames > 1) {
    out.push(`${header.file} is animated (${header.frames} frames): only the first frame is upscaled`);
  }
  const side = Math.min(header.width, header.height);
  if (side < TINY_SIDE) {
    out.push(
      `${header.file} is ${header.width}×${header.height}: the network pads its borders with zeros, so an image under ${TINY_SIDE} px ` +
        `wide or tall comes out much darker than it is (pad it first, e.g. by repeating its edge pixels)`,
    );
  }
  return out;
}

/** Below this many pixels across, zero padding darkens the whole result (a 3×3 image's corners lose half their value). */
const TINY_SIDE = 4;

/** A file that could not be done, and why. */
interface Failure {
  input: string;
  message: string;
}

/** What one error says to a user: the typed error's name unless the message already names the file. */
function describe(e: unknown): string {
  if (e instanceof FileError) return e.message;
  const err = e as Error;
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
}

async function run(opts: CliOptions, log: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const t0 = performance.now();
  // 1. The model: an unknown model or noise level, a package that is not installed, or a model file that
  //    cannot run is a usage error, found before any image is read.
  let resolved: ResolvedModel;
  try {
    resolved = resolveCliModel(opts);
  } catch (e) {
    throw new UsageError(`--model ${opts.model}${opts.noise !== undefined ? ` --noise ${opts.noise}` : ''}: ${(e as Error).message}`);
  }
  const files = resolved.description;
  // Any --scale: passes of the model until at least that scale, then a shrink to the exact size.
  const target = opts.scale ?? files.scale;
  const { passes, shrink } = scalePlan(files.scale, target);

  // 2. Every input's header and every output's folder, before the GPU starts.
  if (opts.makeDir) {
    try {
      mkdirSync(opts.makeDir, { recursive: true });
    } catch (e) {
      throw new FileError(opts.makeDir, `cannot create the output folder (${(e as NodeJS.ErrnoException).code})`);
    }
  }
  const failures: Failure[] = [];
  const ready: { job: Job; header: ImageHeader; image?: DecodedImage }[] = [];
  const limits = { maxPixels: opts.maxPixels, maxOutputPixels: opts.maxOutputPixels };
  for (const job of opts.jobs) {
    try {
      const header = await probeImage(job.input, Math.ceil(target), limits);
      try {
        checkWritable(job.output);
      } catch (e) {
        // An output path in a folder that does not exist is a mistake in the command line (nothing was done): exit 2.
        if (!opts.batch && e instanceof FileError && e.code === 'no-folder') throw new UsageError(e.message);
        throw e;
      }
      for (const line of inputWarnings(header)) warn(`warning: ${opts.batch ? `${job.input}: ` : ''}${line}`);
      // One file: decode it now, so a truncated or corrupt image is found before the GPU starts.
      // A batch decodes each file when its turn comes (one image in memory at a time).
      ready.push({ job, header, image: opts.batch ? undefined : await decodeImageFile(header, limits) });
    } catch (e) {
      if (!opts.batch) throw e;
      failures.push({ input: job.input, message: describe(e) });
      warn(`skipped ${describe(e)}`);
    }
  }
  if (ready.length === 0) return report(opts, failures, 0, warn);

  // 3. One backend (engine + model, or an ONNX Runtime session) for every file.
  const backend = await openBackend(opts.backend, files, { quiet: opts.quiet, log, warn, winograd: opts.winograd });
  const { runner } = backend;
  const tModel = performance.now();
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  let done = 0;
  try {
    log(`backend: ${backend.description}`);
    log(
      `model: ${resolved.label} (×${runner.model.scale}, receptive radius ${runner.model.receptiveRadius} px) ready in ${seconds(tModel - t0)}` +
        (passes > 1 || shrink !== 1
          ? `; ×${target} = ${passes > 1 ? `${passes} passes` : '1 pass'}${shrink !== 1 ? ` then ×${(1 / shrink).toFixed(3).replace(/\.?0+$/, '')} (antialiased bicubic)` : ''}`
          : '') +
        (opts.tta ? '; TTA: 8 runs averaged' : ''),
    );
    if (opts.tile !== undefined) {
      // Σ tile input pixels / image pixels: how much extra work the tiles' overlap costs.
      const worst = Math.max(
        ...ready.map(({ header }) => planUpscale(runner, header.height, header.width, { tileSize: opts.tile }).readAmplification),
      );
      if (worst > 2.5) {
        warn(
          `warning: --tile ${opts.tile} with receptive radius ${runner.model.receptiveRadius}: tiles read up to ${worst.toFixed(1)}× the pixels ` +
            `they keep, so this runs about that much slower than with large tiles`,
        );
      }
    }
    for (const [i, { job, header, image: decoded }] of ready.entries()) {
      const label = opts.batch ? `[${i + 1}/${ready.length}] ${job.input}` : '';
      const t1 = performance.now();
      try {
        const image = decoded ?? (await decodeImageFile(header, limits));
        const bar = progressBar(process.stderr, label);
        let result;
        try {
          result = await upscale(runner, image, {
            tileSize: opts.tile,
            signal: controller.signal,
            tta: opts.tta,
            onProgress: opts.quiet ? undefined : (p) => bar.update(p),
          });
          // Further passes run on the rounded result, as waifu2x-ncnn-vulkan's -s 4 does.
          for (let pass = 1; pass < passes; pass++) {
            result = await upscale(runner, result, { tileSize: opts.tile, signal: controller.signal, tta: opts.tta });
          }
          if (shrink !== 1) result = shrinkImage(result, Math.round(image.width * target), Math.round(image.height * target));
        } finally {
          bar.end();
        }
        const { bits } = await writeImageFile(job.output, result, {
          format: job.format,
          quality: opts.quality,
          alpha: header.hasAlpha,
          grayscale: header.grayscale,
        });
        done++;
        const t2 = performance.now();
        log(
          `${label ? `${label}: ` : ''}${header.width}×${header.height} → ${result.width}×${result.height} ` +
            `(${job.format}, ${bits}-bit) in ${seconds(opts.batch ? t2 - t1 : t2 - t0)}` +
            (opts.batch ? '' : ` (backend and model ${seconds(tModel - t0)}, upscale ${seconds(t2 - tModel)})`) +
            ` → ${job.output}`,
        );
      } catch (e) {
        if ((e as Error)?.name === 'AbortError' || controller.signal.aborted) throw e;
        if (!opts.batch) throw e;
        failures.push({ input: job.input, message: describe(e) });
        warn(`failed ${describe(e)}`);
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    await backend.close();
  }
  return report(opts, failures, done, failures.length ? warn : log, performance.now() - t0);
}

function report(opts: CliOptions, failures: Failure[], done: number, log: (line: string) => void, ms?: number): number {
  if (opts.batch) {
    log(
      `${done} of ${opts.jobs.length} done${ms !== undefined ? ` in ${seconds(ms)}` : ''}${failures.length ? `, ${failures.length} failed:` : ''}`,
    );
    for (const f of failures) log(`  ${f.message.startsWith(f.input) ? f.message : `${f.input}: ${f.message}`}`);
  } else if (failures.length) {
    log(failures[0].message);
  }
  return failures.length ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  // A batch farm on Redis (bin/queue.ts), loaded only when asked for.
  if (argv[0] === 'queue' || argv[0] === 'worker') {
    let queue: typeof import('./queue.js');
    try {
      queue = await import('./queue.js');
    } catch (e) {
      // bullmq and ioredis are optional dependencies (a browser-only install leaves them out).
      if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
      console.error(
        `webgpu-upsample ${argv[0]}: the job queue needs bullmq and ioredis (npm install bullmq ioredis): ${(e as Error).message}`,
      );
      return 1;
    }
    return queue.queueMain(argv);
  }
  // Video files, and animated GIF/WebP to an animated output, go through ffmpeg (bin/video-cli.ts); null: not a video command.
  const video = await (await import('./video-cli.js')).videoMain(argv);
  if (video !== null) return video;
  try {
    const parsed = parseCli(argv);
    if (parsed.kind === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (parsed.kind === 'version') {
      process.stdout.write(`webgpu-upsample ${packageVersion()}\n`);
      return 0;
    }
    if (parsed.kind === 'list-models') {
      process.stdout.write(`${listModels(parsed.modelsDirs)}\n`);
      return 0;
    }
    // --quiet: errors and warnings only.
    return await run(parsed.options, parsed.options.quiet ? () => {} : log, log);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`webgpu-upsample: ${e.message}\n(webgpu-upsample --help lists the options)\n`);
      return 2;
    }
    const err = e as Error;
    if (err?.name === 'AbortError') {
      process.stderr.write('webgpu-upsample: cancelled; no output was written for the image in progress\n');
      return 130;
    }
    process.stderr.write(`webgpu-upsample: ${describe(e)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
