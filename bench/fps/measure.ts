/**
 * Per-frame timing, the same for every path: a frame is handed over
 * (untimed, as a decoder would), then the clock runs from the call until the
 * path's output is complete on the GPU (the queue drained with
 * `onSubmittedWorkDone`), so every path ends at the same point: upscaled
 * pixels in a GPU texture. Warm-up frames run first and are kept apart (the
 * first one compiles pipelines). No DOM, no GPU here.
 */
import type { FpsCase } from './cases.js';

/** Median, min and max of the timed frames, and frames per second from the median. */
export type PathResult =
  | {
      status: 'ok';
      /** The warm-up frames' times (the first includes pipeline compilation), ms. */
      warmupMs: number[];
      /** The timed frames, ms each. */
      frameMs: number[];
      medianMs: number;
      minMs: number;
      maxMs: number;
      /** 1000 / medianMs. */
      fps: number;
      /** How the path was driven, or why it stopped early. */
      note?: string;
    }
  | { status: 'error'; error: string }
  | { status: 'skipped'; reason: string };

/** GPU-resident output against round-trip output, byte for byte, on one frame. */
export interface IdentityCheck {
  equal: boolean;
  bytes: number;
  /** How many bytes differ, and the largest difference. */
  differing: number;
  maxDiff: number;
  /** The first differing byte, e.g. 'x 12 y 3 channel 1: 200 vs 201'. */
  first?: string;
}

/** One case: the three paths, their ratios to the GPU-resident path and the byte check. */
export interface FpsResult {
  name: string;
  case: FpsCase;
  /** e.g. 'Anime4K CNN ×2 S (cnn-2x-s-an)'. */
  model: string;
  /** What a frame is: 'VideoFrame' (browser), 'GPUTexture' (Node). */
  source: string;
  output: { width: number; height: number };
  gpu: PathResult;
  roundTrip: PathResult;
  websr: PathResult;
  /**
   * For reading the others: the network alone, `model.run` on frame 0 already
   * in a GPU tensor (whole frame, untiled), queue drained; no image transfers.
   */
  network: PathResult;
  identical: IdentityCheck | { error: string };
  /** Round trip ÷ GPU-resident and WebSR ÷ GPU-resident, per frame (> 1: GPU-resident faster). */
  ratios: { roundTrip: number | null; websr: number | null };
  /** Against FPS_TARGETS; null where a side did not run. */
  met: { roundTrip: boolean | null; websr: boolean | null };
}

/** A frame source: frame i (untimed), and its release once every path is done with it. */
export interface FrameSource<F> {
  width: number;
  height: number;
  frame(i: number): F | Promise<F>;
  release(frame: F): void;
}

export interface TimingOptions {
  frames: number;
  warmup: number;
  /** A timed frame slower than this ends the path's frames (after at least one), and the note says so. */
  budgetMs?: number;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/**
 * Runs `path` on warm-up frames, then on timed frames, each frame from
 * `source` (frame numbers continue across the two, so a path sees the same
 * sequence as every other path).
 */
export async function timeFrames<F>(source: FrameSource<F>, path: (frame: F) => Promise<void>, opts: TimingOptions): Promise<PathResult> {
  const warmupMs: number[] = [];
  const frameMs: number[] = [];
  let note: string | undefined;
  try {
    for (let i = 0; i < opts.warmup + opts.frames; i++) {
      const frame = await source.frame(i);
      let ms: number;
      try {
        const t0 = performance.now();
        await path(frame);
        ms = performance.now() - t0;
      } finally {
        source.release(frame);
      }
      if (i < opts.warmup) {
        warmupMs.push(ms);
        continue;
      }
      frameMs.push(ms);
      if (opts.budgetMs !== undefined && ms > opts.budgetMs && frameMs.length < opts.frames) {
        note = `frame took ${ms.toFixed(0)} ms > budget ${opts.budgetMs} ms: stopped after ${frameMs.length} timed frames`;
        break;
      }
    }
  } catch (e) {
    return { status: 'error', error: errorText(e) };
  }
  const m = median(frameMs);
  return {
    status: 'ok',
    warmupMs,
    frameMs,
    medianMs: m,
    minMs: Math.min(...frameMs),
    maxMs: Math.max(...frameMs),
    fps: 1000 / m,
    ...(note ? { note } : {}),
  };
}

/** Compares two RGBA images of width × height byte for byte. */
export function compareRgba(a: Uint8Array | Uint8ClampedArray, b: Uint8Array | Uint8ClampedArray, width: number): IdentityCheck {
  if (a.length !== b.length)
    return { equal: false, bytes: Math.max(a.length, b.length), differing: NaN, maxDiff: NaN, first: `lengths ${a.length} vs ${b.length}` };
  let differing = 0;
  let maxDiff = 0;
  let first: string | undefined;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d === 0) continue;
    differing++;
    maxDiff = Math.max(maxDiff, d);
    if (first === undefined) {
      const px = i >> 2;
      first = `x ${px % width} y ${Math.floor(px / width)} channel ${i & 3}: ${a[i]} vs ${b[i]}`;
    }
  }
  return { equal: differing === 0, bytes: a.length, differing, maxDiff, ...(first ? { first } : {}) };
}

const medianOf = (r: PathResult): number | null => (r.status === 'ok' ? r.medianMs : null);

/** theirs ÷ ours per frame, and whether it reaches `target`; nulls where either side did not run. */
export function ratioTo(ours: PathResult, theirs: PathResult, target: number): { ratio: number | null; met: boolean | null } {
  const o = medianOf(ours);
  const t = medianOf(theirs);
  if (o === null || t === null) return { ratio: null, met: null };
  const ratio = t / o;
  return { ratio, met: ratio >= target };
}
