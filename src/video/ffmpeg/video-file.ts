/**
 * A whole video file: plan the segments, do each one that is not done yet,
 * join them with the input's audio and subtitles. The output appears only
 * when complete (temporary name, then rename); an interrupted run leaves its
 * finished segments in the work folder for `resume`.
 *
 * Animated GIF/WebP output is one piece (their encoders' palettes and
 * containers do not join by stream copy), so it has no resume.
 */
import { extname } from 'node:path';
import type { FfmpegBinaries } from './binaries.js';
import type { Container, EncodeSettings } from './codecs.js';
import { concatSegments } from './concat.js';
import type { FrameUpscaler } from './frames.js';
import type { VideoProbe } from './types.js';
import { upscaleSegment, type SegmentProgress } from './segment-job.js';
import { DEFAULT_SEGMENT_SECONDS, planSegments } from './segments.js';
import { openWorkDir, segmentFile } from './work-dir.js';

export interface VideoProgress {
  /** Frames done (reused segments count as done). */
  done: number;
  total: number;
  segmentsDone: number;
  segments: number;
  /** Frames upscaled in this run / seconds of this run. */
  fps: number;
  elapsedMs: number;
  /** Frames left / fps; 0 when done. */
  etaMs: number;
  decodeMs: number;
  upscaleMs: number;
  encodeMs: number;
}

export interface UpscaleVideoFileOptions {
  bins: FfmpegBinaries;
  probe: VideoProbe;
  output: string;
  upscaleFrame: FrameUpscaler;
  outWidth: number;
  outHeight: number;
  container: Container;
  settings: EncodeSettings;
  /** Target segment length in seconds (cut at the next keyframe). */
  segmentSeconds?: number;
  /** Reuse finished segments of an earlier run with the same input and key. */
  resume?: boolean;
  /** Everything besides the input that changes the output's bytes (model, scale, backend, codec...): binds the work folder. */
  key: string;
  signal?: AbortSignal;
  onProgress?: (p: VideoProgress) => void;
  onEncoderFrame?: (pts: number, data: Uint8Array, channels: 3 | 4) => void;
  log?: (line: string) => void;
  warn?: (line: string) => void;
}

export interface VideoFileResult {
  frames: number;
  segments: number;
  /** Segments reused from an earlier run. */
  reused: number;
  decodeMs: number;
  upscaleMs: number;
  encodeMs: number;
  joinMs: number;
}

export async function upscaleVideoFile(o: UpscaleVideoFileOptions): Promise<VideoFileResult> {
  const t0 = performance.now();
  const { probe } = o;
  const total = probe.pts.length;
  const sums = { decodeMs: 0, upscaleMs: 0, encodeMs: 0 };
  let finished = 0;
  let thisRun = 0;
  const report = (p: SegmentProgress | null, segmentsDone: number, segments: number) => {
    const elapsedMs = performance.now() - t0;
    const doneRun = thisRun + (p?.done ?? 0);
    const done = finished + (p?.done ?? 0);
    const fps = doneRun / Math.max(elapsedMs / 1000, 1e-9);
    o.onProgress?.({
      done,
      total,
      segmentsDone,
      segments,
      fps,
      elapsedMs,
      etaMs: done >= total ? 0 : ((total - done) / Math.max(fps, 1e-9)) * 1000,
      decodeMs: sums.decodeMs + (p?.decodeMs ?? 0),
      upscaleMs: sums.upscaleMs + (p?.upscaleMs ?? 0),
      encodeMs: sums.encodeMs + (p?.encodeMs ?? 0),
    });
  };
  const common = {
    bins: o.bins,
    probe,
    upscaleFrame: o.upscaleFrame,
    outWidth: o.outWidth,
    outHeight: o.outHeight,
    container: o.container,
    settings: o.settings,
    signal: o.signal,
    onEncoderFrame: o.onEncoderFrame,
  };
  if (o.container === 'gif' || o.container === 'webp') {
    const r = await upscaleSegment({ ...common, output: o.output, onFrame: (p) => report(p, 0, 1) });
    return { frames: r.frames, segments: 1, reused: 0, decodeMs: r.decodeMs, upscaleMs: r.upscaleMs, encodeMs: r.encodeMs, joinMs: 0 };
  }

  const plan = planSegments(probe, o.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS);
  const ext = extname(o.output).toLowerCase();
  const work = openWorkDir(o.output, probe, plan, o.key, ext, o.resume === true);
  if (work.discarded && o.resume) o.warn?.(`${work.dir}: not resumed (${work.discarded}); starting over`);
  if (work.reused.length) o.log?.(`resuming: ${work.reused.length} of ${plan.length} segments already done in ${work.dir}`);
  for (const i of work.reused) finished += plan[i].frames;
  let segmentsDone = work.reused.length;
  for (const segment of plan) {
    if (work.isDone(segment.index)) continue;
    const file = segmentFile(work.dir, segment.index, ext);
    const r = await upscaleSegment({ ...common, segment, output: file, onFrame: (p) => report(p, segmentsDone, plan.length) });
    work.markDone(segment.index, file);
    sums.decodeMs += r.decodeMs;
    sums.upscaleMs += r.upscaleMs;
    sums.encodeMs += r.encodeMs;
    finished += segment.frames;
    thisRun += r.frames;
    segmentsDone++;
  }
  const tJoin = performance.now();
  await concatSegments({
    bins: o.bins,
    probe,
    segments: plan,
    files: plan.map((s) => segmentFile(work.dir, s.index, ext)),
    container: o.container,
    listFile: `${work.dir}/segments.ffconcat`,
    output: o.output,
    signal: o.signal,
    warn: o.warn,
  });
  const joinMs = performance.now() - tJoin;
  work.remove();
  report(null, plan.length, plan.length);
  return { frames: thisRun, segments: plan.length, reused: work.reused.length, ...sums, joinMs };
}
