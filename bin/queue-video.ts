/**
 * Videos in the farm: one job per segment (cut at keyframes), on the same
 * model queue as the images, through the video API of src/video/ffmpeg/
 * (probe, segment plan, upscale one segment to a file, join). The probe and
 * plan are stored once in Redis (src/queue/parts.ts), not in every segment's
 * job. Each segment is written to `<output>.parts/segment-NNNNN.<ext>` under a
 * temporary name and renamed, so a segment file that exists is finished and a
 * retried segment whose file exists skips the work. The job that finishes the
 * last segment joins them into the output (temporary name, rename), marks the
 * video joined and removes the parts folder.
 *
 * The result is the single-process result byte for byte (upscaleVideoFile):
 * the same segment plan, the same encoder settings (a fixed thread count, so
 * x264 is deterministic) and a bit-exact join, whichever worker did which segment.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  checkFrameSize,
  checkFreeSpace,
  concatSegments,
  containerOf,
  DEFAULT_CRF,
  ENCODER_THREADS,
  CRF_RANGE,
  DEFAULT_SEGMENT_SECONDS,
  defaultCodec,
  codecFits,
  ENCODERS,
  ffmpegEncoders,
  findFfmpeg,
  frameUpscaler,
  planSegments,
  probeVideo,
  scaledSize,
  segmentFile,
  upscaleSegment,
  VIDEO_CODECS,
  VIDEO_EXTENSIONS,
  workDirOf,
  type Container,
  type EncodeSettings,
  type FfmpegBinaries,
  type Segment,
  type VideoCodec,
  type VideoProbe,
} from '../src/video/ffmpeg/index.js';
import { finishPart, isJoined, loadParts, markJoined, saveParts } from '../src/queue/parts.js';
import { jobIdFor, type Farm } from '../src/queue/farm.js';
import type { WorkerJob } from '../src/queue/worker-loop.js';
import { UsageError } from './cli-args.js';
import type { ImageGroupHandler } from './queue-image.js';

/** What every segment of one video shares (stored once, in Redis). */
export interface VideoRecord {
  input: string;
  output: string;
  /** Extension of the output and of its segment files. */
  ext: string;
  probe: VideoProbe;
  plan: Segment[];
  container: Container;
  settings: EncodeSettings;
  outWidth: number;
  outHeight: number;
  tile: number | null;
  tta: boolean;
}

export interface SegmentJobData {
  kind: 'video-segment';
  /** The video's id (from its output path): the key of its record and of its finished-segment set. */
  video: string;
  index: number;
  segments: number;
  input: string;
  output: string;
}

export interface SegmentJobResult {
  output: string;
  segment: number;
  frames: number;
  /** True when this job joined the segments into the output. */
  joined: boolean;
  ms: number;
}

export interface VideoOptions {
  codec?: string;
  crf?: string;
  preset?: string;
  segmentSeconds?: string;
  ffmpeg?: string;
}

export function isVideoPath(path: string): boolean {
  return VIDEO_EXTENSIONS.includes(extname(path).toLowerCase());
}

/** Video files directly in a folder (not recursive), sorted by name. */
export function videosIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && isVideoPath(n))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
}

let binaries: FfmpegBinaries | null = null;
let missing: Error | null = null;
/**
 * ffmpeg, looked up once per process. Finding it runs `ffmpeg -version` synchronously, which must not
 * happen while a job holds its lock (a busy machine can take seconds to start ffmpeg, and a blocked event
 * loop cannot renew the lock): workers call this before they take jobs.
 */
export function ffmpeg(explicit?: string): FfmpegBinaries {
  if (missing) throw missing;
  try {
    binaries ??= findFfmpeg(explicit);
  } catch (e) {
    missing = e as Error;
    throw e;
  }
  return binaries;
}

/** The output of a video in `outDir`, named as the CLI names it: the input's container when we write it, else .mkv (it holds any audio and subtitles). */
export function videoOutput(input: string, outDir: string): { output: string; container: Container } {
  const ext = extname(input).toLowerCase();
  const c = containerOf(input);
  const keep = c && c.container !== 'gif' && c.container !== 'webp';
  const out = join(outDir, basename(input, extname(input)) + (keep ? ext : '.mkv'));
  return { output: resolve(out), container: keep ? c.container : 'mkv' };
}

function encodeSettings(bins: FfmpegBinaries, container: Container, o: VideoOptions): EncodeSettings {
  const codec = (o.codec ?? defaultCodec(container)) as VideoCodec;
  if (!VIDEO_CODECS.includes(codec)) throw new UsageError(`--codec ${o.codec} is not one of ${VIDEO_CODECS.join(', ')}`);
  if (!codecFits(container, codec)) throw new UsageError(`--codec ${codec} does not fit a .${container} file`);
  const [lo, hi] = CRF_RANGE[codec];
  const crf = o.crf === undefined ? DEFAULT_CRF[codec] : Number(o.crf);
  if (!Number.isInteger(crf) || crf < lo || crf > hi)
    throw new UsageError(`--crf ${o.crf} must be an integer from ${lo} to ${hi} for ${codec}`);
  const available = ffmpegEncoders(bins);
  const encoder = ENCODERS[codec].find((e) => available.has(e));
  if (!encoder) throw new UsageError(`${bins.ffmpeg} has no encoder for ${codec} (${ENCODERS[codec].join(' or ')})`);
  return { codec, encoder, crf, preset: o.preset ?? 'medium', threads: ENCODER_THREADS };
}

export interface PlannedVideo {
  id: string;
  record: VideoRecord;
  jobs: { id: string; name: string; data: SegmentJobData }[];
}

/** Probes a video, checks it (size limits, disk space) and plans its segment jobs. Throws a VideoFileError naming the file. */
export async function planVideo(
  input: string,
  outDir: string,
  o: VideoOptions & { scale: number; tile: number | null; tta: boolean; maxPixels: number; maxOutputPixels: number },
): Promise<PlannedVideo> {
  const bins = ffmpeg(o.ffmpeg);
  const probe = await probeVideo(bins, resolve(input));
  checkFrameSize(probe, o.scale, { maxPixels: o.maxPixels, maxOutputPixels: o.maxOutputPixels });
  mkdirSync(outDir, { recursive: true });
  checkFreeSpace(probe, o.scale, outDir);
  const seconds = o.segmentSeconds === undefined ? DEFAULT_SEGMENT_SECONDS : Number(o.segmentSeconds);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UsageError(`--segment-seconds ${o.segmentSeconds} must be a positive number`);
  const plan = planSegments(probe, seconds);
  const { output, container } = videoOutput(input, outDir);
  const settings = encodeSettings(bins, container, o);
  const size = scaledSize(probe.width, probe.height, o.scale);
  const id = jobIdFor('vid', output);
  const record: VideoRecord = {
    input: probe.file,
    output,
    ext: extname(output).toLowerCase(),
    probe,
    plan,
    container,
    settings,
    outWidth: size.width,
    outHeight: size.height,
    tile: o.tile,
    tta: o.tta,
  };
  const jobs = plan.map((s) => ({
    id: jobIdFor('seg', output, s.index),
    name: `${probe.file} [segment ${s.index + 1}/${plan.length}]`,
    data: { kind: 'video-segment' as const, video: id, index: s.index, segments: plan.length, input: probe.file, output },
  }));
  return { id, record, jobs };
}

/** Stores a planned video's record before its jobs are added (a new video starts with no finished segment). */
export function saveVideo(farm: Farm, v: PlannedVideo): Promise<void> {
  return saveParts(farm, v.id, v.record);
}

/** Removes `<output>.tmp-*` left by a join killed half way. */
function removeStaleJoins(output: string): void {
  const prefix = `${basename(output)}.tmp-`;
  for (const name of readdirSync(dirname(output))) {
    if (name.startsWith(prefix)) rmSync(join(dirname(output), name), { force: true });
  }
}

/** Does one segment job: upscale its segment unless its file exists; join them all if it was the last. */
export async function processSegment(
  farm: Farm,
  handler: ImageGroupHandler,
  job: WorkerJob<SegmentJobData>,
  log: (line: string) => void,
): Promise<SegmentJobResult> {
  const t0 = performance.now();
  const d = job.data;
  const result = { output: d.output, segment: d.index, frames: 0, joined: false, ms: 0 };
  if (await isJoined(farm, d.video)) return { ...result, ms: performance.now() - t0 };
  const rec = await loadParts<VideoRecord>(farm, d.video);
  if (!rec) throw new Error(`${d.input}: the video's record is gone from Redis (drained with --history?); add the video again`);
  const bins = ffmpeg();
  const work = workDirOf(rec.output);
  mkdirSync(work, { recursive: true });
  const file = segmentFile(work, d.index, rec.ext);
  if (!existsSync(file)) {
    const options = { scale: handler.target, tileSize: rec.tile ?? undefined, tta: rec.tta };
    const r = await upscaleSegment({
      bins,
      probe: rec.probe,
      segment: rec.plan[d.index],
      // Frame by frame, each in its turn on the worker's one model (image jobs interleave).
      upscaleFrame: (frame, signal) => handler.withRunner((runner) => frameUpscaler(runner, options)(frame, signal)),
      outWidth: rec.outWidth,
      outHeight: rec.outHeight,
      container: rec.container,
      settings: rec.settings,
      output: file,
    });
    result.frames = r.frames;
  }
  if (await finishPart(farm, d.video, d.index, rec.plan.length)) {
    if (job.attemptsMade > 0 || job.stalledCounter > 0) removeStaleJoins(rec.output);
    const files = rec.plan.map((s) => segmentFile(work, s.index, rec.ext));
    await concatSegments({
      bins,
      probe: rec.probe,
      segments: rec.plan,
      files,
      container: rec.container,
      listFile: join(work, 'segments.ffconcat'),
      output: rec.output,
      warn: log,
    });
    await markJoined(farm, d.video);
    rmSync(work, { recursive: true, force: true });
    result.joined = true;
    log(`joined ${rec.plan.length} segments → ${rec.output}`);
  }
  return { ...result, ms: performance.now() - t0 };
}
