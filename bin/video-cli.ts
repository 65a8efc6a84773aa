/**
 * `webgpu-upsample in.mp4 out.mp4 [options]`: video files through ffmpeg.
 *
 * Order of work, as for images: arguments, ffmpeg, the model, then every
 * input's probe, size limits, output folder and free disk space, all before
 * the GPU starts; then one backend serves every file. Each file is cut into
 * segments at keyframes; each segment is decoded, upscaled frame by frame
 * and encoded on its own, into `out.mp4.parts/`; the segments are joined with
 * the input's audio and subtitles into `out.mp4` (written under a temporary
 * name, renamed when complete). Ctrl-C stops between frames: no output, the
 * finished segments stay for --resume.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkWritable, FileError } from '../src/upscale/image-file.js';
import { formatDuration } from '../src/upscale/duration.js';
import {
  checkFrameSize,
  checkFreeSpace,
  codecFits,
  containerOf,
  DEFAULT_CRF,
  ENCODER_THREADS,
  defaultCodec,
  ENCODERS,
  ffmpegEncoders,
  findFfmpeg,
  frameUpscaler,
  probeVideo,
  scaledSize,
  upscaleVideoFile,
  FfmpegMissingError,
  workDirOf,
  readManifest,
  type EncodeSettings,
  type FfmpegBinaries,
  type VideoProbe,
} from '../src/video/ffmpeg/index.js';
import { openBackend } from './backend.js';
import { UsageError } from './cli-args.js';
import { resolveCliModel, type ResolvedModel } from './cli-model.js';
import { progressBar } from './progress-bar.js';
import { parseVideoCli, type VideoCliOptions, type VideoJob } from './video-args.js';

interface Ready {
  job: VideoJob;
  probe: VideoProbe;
  settings: EncodeSettings;
  container: NonNullable<ReturnType<typeof containerOf>>['container'];
  out: { width: number; height: number };
}

function describe(e: unknown): string {
  if (e instanceof FileError) return e.message;
  const err = e as Error;
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
}

/** What the encoder will be for `job`; UsageError when the container cannot hold the codec or ffmpeg lacks an encoder. */
function encodeSettings(
  opts: VideoCliOptions,
  output: string,
  encoders: Set<string>,
): { settings: EncodeSettings; container: Ready['container'] } {
  const c = containerOf(output);
  if (!c) throw new UsageError(`${output}: not a container this tool writes`);
  if (c.container === 'gif' || c.container === 'webp') {
    if (opts.codec)
      throw new UsageError(`--codec ${opts.codec}: ${output} is an animated ${c.container.toUpperCase()}, which has its own codec`);
    const encoder = c.container === 'gif' ? 'gif' : 'libwebp_anim';
    if (!encoders.has(encoder)) throw new UsageError(`this ffmpeg has no ${encoder} encoder for ${output}`);
    return { container: c.container, settings: { codec: 'h264', encoder, crf: 0, preset: opts.preset, threads: ENCODER_THREADS } };
  }
  const codec = opts.codec ?? defaultCodec(c.container);
  if (!codecFits(c.container, codec)) throw new UsageError(`--codec ${codec} cannot go into ${output} (${c.container}: vp9 or av1)`);
  const encoder = ENCODERS[codec].find((e) => encoders.has(e));
  if (!encoder) throw new UsageError(`this ffmpeg has no ${ENCODERS[codec].join(' or ')} encoder for ${codec}`);
  return {
    container: c.container,
    settings: { codec, encoder, crf: opts.crf ?? DEFAULT_CRF[codec], preset: opts.preset, threads: ENCODER_THREADS },
  };
}

/** Runs a video command; returns the exit status. */
export async function runVideo(opts: VideoCliOptions, log: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const t0 = performance.now();
  let bins: FfmpegBinaries;
  try {
    bins = findFfmpeg(opts.ffmpeg);
  } catch (e) {
    if (e instanceof FfmpegMissingError) {
      warn(`webgpu-upsample: ${e.message}`);
      return 1;
    }
    throw e;
  }
  let resolved: ResolvedModel;
  try {
    resolved = resolveCliModel(opts);
  } catch (e) {
    throw new UsageError(`--model ${opts.model}${opts.noise !== undefined ? ` --noise ${opts.noise}` : ''}: ${(e as Error).message}`);
  }
  for (const line of opts.warnings) warn(line);
  const target = opts.scale ?? resolved.description.scale;
  if (opts.makeDir) mkdirSync(opts.makeDir, { recursive: true });
  const encoders = ffmpegEncoders(bins);

  const failures: { input: string; message: string }[] = [];
  const ready: Ready[] = [];
  for (const job of opts.jobs) {
    try {
      const { settings, container } = encodeSettings(opts, job.output, encoders);
      const earlier = readManifest(workDirOf(job.output));
      const finished = earlier ? Object.keys(earlier.done).length : 0;
      if (finished && !opts.resume) {
        // Never throw away hours of work because --resume was forgotten.
        throw new FileError(
          job.output,
          `${workDirOf(job.output)}/ holds ${finished} finished segment(s) of an earlier run: add --resume to continue it, or delete that folder to start over`,
        );
      }
      const probe = await probeVideo(bins, job.input);
      checkFrameSize(probe, target, opts);
      try {
        checkWritable(job.output);
      } catch (e) {
        if (!opts.batch && e instanceof FileError && e.code === 'no-folder') throw new UsageError(e.message);
        throw e;
      }
      const estimate = checkFreeSpace(probe, target, dirname(resolve(job.output)));
      if ((container === 'gif' || container === 'webp') && probe.audio.length) {
        warn(`warning: ${job.input}: ${container.toUpperCase()} has no sound; its ${probe.audio.length} audio stream(s) are left out`);
      }
      const out = scaledSize(probe.width, probe.height, target);
      log(
        `${job.input}: ${probe.codec} ${probe.width}×${probe.height}, ${probe.pts.length} frames, ${probe.fps.toFixed(probe.fps % 1 ? 3 : 0)} fps, ` +
          `${formatDuration(probe.duration * 1000)}${probe.audio.length ? `, ${probe.audio.length} audio` : ''}` +
          `${probe.subtitles.length ? `, ${probe.subtitles.length} subtitle` : ''}${probe.rotation ? `, rotated ${probe.rotation}°` : ''}` +
          ` → ${out.width}×${out.height} ${settings.encoder}${container === 'gif' || container === 'webp' ? '' : ` crf ${settings.crf}`} (output about ${(estimate.bytes / 2 ** 20).toFixed(1)} MiB)`,
      );
      ready.push({ job, probe, settings, container, out });
    } catch (e) {
      if (!opts.batch || e instanceof UsageError) throw e;
      failures.push({ input: job.input, message: describe(e) });
      warn(`skipped ${describe(e)}`);
    }
  }
  if (ready.length === 0) return summary(opts, failures, 0, warn);

  const backend = await openBackend(opts.backend, resolved.description, { quiet: opts.quiet, log, warn, winograd: opts.winograd });
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint); // a `kill` or a service stop: the same clean stop as Ctrl-C
  let done = 0;
  try {
    log(`backend: ${backend.description}`);
    log(
      `model: ${resolved.label} (×${backend.runner.model.scale}) ready in ${formatDuration(performance.now() - t0)}${target !== backend.runner.model.scale ? `; ×${target}` : ''}`,
    );
    const upscaleFrame = frameUpscaler(backend.runner, { scale: target, tileSize: opts.tile, tta: opts.tta });
    for (const [i, r] of ready.entries()) {
      const label = opts.batch ? `[${i + 1}/${ready.length}] ${r.job.input}` : '';
      const bar = progressBar(process.stderr, label, 'frames');
      let last = 0;
      const t1 = performance.now();
      if (opts.dumpFrames) mkdirSync(opts.dumpFrames, { recursive: true });
      try {
        const result = await upscaleVideoFile({
          bins,
          probe: r.probe,
          output: r.job.output,
          upscaleFrame,
          outWidth: r.out.width,
          outHeight: r.out.height,
          container: r.container,
          settings: r.settings,
          segmentSeconds: opts.segmentSeconds,
          resume: opts.resume,
          key: JSON.stringify({
            model: resolved.label,
            scale: target,
            noise: opts.noise,
            tta: opts.tta,
            tile: opts.tile,
            backend: backend.description,
            ...r.settings,
            ffmpeg: bins.version,
            segmentSeconds: opts.segmentSeconds,
          }),
          signal: controller.signal,
          log,
          warn,
          onEncoderFrame: opts.dumpFrames
            ? (pts, data, channels) =>
                writeFileSync(join(opts.dumpFrames!, `${String(pts).padStart(12, '0')}.${channels === 4 ? 'rgba' : 'rgb'}`), data)
            : undefined,
          onProgress: opts.quiet
            ? undefined
            : (p) => {
                const now = performance.now();
                if (now - last < 1000 && p.done < p.total) return;
                last = now;
                bar.update({
                  done: p.done,
                  total: p.total,
                  fraction: p.total ? p.done / p.total : 1,
                  stage: 'tiles',
                  elapsedMs: p.elapsedMs,
                  etaMs: p.etaMs,
                  detail: `${p.fps.toFixed(p.fps < 10 ? 2 : 1)} fps · segment ${Math.min(p.segmentsDone + 1, p.segments)}/${p.segments}`,
                });
              },
        });
        bar.end();
        done++;
        const ms = performance.now() - t1;
        const split = (x: number) => `${((100 * x) / Math.max(ms, 1)).toFixed(0)}%`;
        log(
          `${label ? `${label}: ` : ''}${r.probe.width}×${r.probe.height} → ${r.out.width}×${r.out.height}, ${result.frames} frames in ${formatDuration(ms)} ` +
            `(${((result.frames * 1000) / ms).toFixed(2)} fps; decode ${split(result.decodeMs)}, upscale ${split(result.upscaleMs)}, encode ${split(result.encodeMs)}, join ${split(result.joinMs)})` +
            `${result.reused ? `, ${result.reused} of ${result.segments} segments from the earlier run` : ''} → ${r.job.output}`,
        );
      } catch (e) {
        bar.end();
        if ((e as Error)?.name === 'AbortError' || controller.signal.aborted) {
          const parts = workDirOf(r.job.output);
          warn(
            `webgpu-upsample: cancelled; ${r.job.output} was not written` +
              (r.container === 'gif' || r.container === 'webp'
                ? ''
                : `; finished segments are kept in ${parts}/ (run again with --resume to continue)`),
          );
          return 130;
        }
        if (!opts.batch) throw e;
        failures.push({ input: r.job.input, message: describe(e) });
        warn(`failed ${describe(e)}`);
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await backend.close();
  }
  return summary(opts, failures, done, failures.length ? warn : log, performance.now() - t0);
}

function summary(
  opts: VideoCliOptions,
  failures: { input: string; message: string }[],
  done: number,
  log: (line: string) => void,
  ms?: number,
): number {
  if (opts.batch) {
    log(
      `${done} of ${opts.jobs.length} videos done${ms !== undefined ? ` in ${formatDuration(ms)}` : ''}${failures.length ? `, ${failures.length} failed:` : ''}`,
    );
    for (const f of failures) log(`  ${f.message.startsWith(f.input) ? f.message : `${f.input}: ${f.message}`}`);
  } else if (failures.length) {
    log(failures[0].message);
  }
  return failures.length ? 1 : 0;
}

/**
 * The CLI's entry for videos: null when `argv` is not a video command (the
 * image path runs it), else the exit status. Errors are printed here as the
 * image path prints its own.
 */
export async function videoMain(argv: string[]): Promise<number | null> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    const opts = await parseVideoCli(argv);
    if (!opts) return null;
    return await runVideo(opts, opts.quiet ? () => {} : log, log);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`webgpu-upsample: ${e.message}\n(webgpu-upsample --help lists the options)\n`);
      return 2;
    }
    process.stderr.write(`webgpu-upsample: ${describe(e)}\n`);
    return 1;
  }
}
