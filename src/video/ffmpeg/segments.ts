/**
 * The segment plan: the video cut at keyframes into pieces of about
 * `seconds` each. Each segment is decoded, upscaled and encoded on its own
 * (one ffmpeg pair per segment), so an interrupted run resumes from its last
 * finished segment, and a queue can hand segments to different workers.
 *
 * Segment j holds the frames with boundaries[j] ≤ pts < boundaries[j + 1]
 * (the first starts at the first frame, the last runs to the end). Cutting at
 * keyframes means a segment's decoder seeks straight to its first frame.
 */
import type { VideoProbe } from './types.js';

export interface Segment {
  index: number;
  /** pts of the segment's first frame (a keyframe except for segment 0's leading frames), in the stream's time base. */
  startPts: number;
  /** pts where the next segment starts (exclusive); null for the last segment. */
  endPts: number | null;
  /** Frames in the segment (from the packet list). */
  frames: number;
}

export const DEFAULT_SEGMENT_SECONDS = 10;

/** Cuts at the first keyframe at or after each multiple of `seconds` since the previous cut. */
export function planSegments(probe: Pick<VideoProbe, 'pts' | 'keyframes' | 'timeBase'>, seconds = DEFAULT_SEGMENT_SECONDS): Segment[] {
  if (!(seconds > 0)) throw new RangeError(`segment length ${seconds} s must be positive`);
  const { pts, keyframes, timeBase } = probe;
  const span = (seconds * timeBase[1]) / timeBase[0];
  const starts = [pts[0]];
  for (const k of keyframes) if (k > starts[starts.length - 1] && k - starts[starts.length - 1] >= span) starts.push(k);
  const segments: Segment[] = starts.map((startPts, index) => ({ index, startPts, endPts: starts[index + 1] ?? null, frames: 0 }));
  let j = 0;
  for (const p of pts) {
    while (j + 1 < starts.length && p >= starts[j + 1]) j++;
    segments[j].frames++;
  }
  return segments;
}

/** Seconds of a pts as an exact decimal with microseconds, rounded up (a seek to it lands on that keyframe, never the one before). */
export function ptsToSeekTime(pts: number, timeBase: readonly [number, number]): string {
  const us = ceilDiv(BigInt(pts) * BigInt(timeBase[0]) * 1_000_000n, BigInt(timeBase[1]));
  return microsToText(us);
}

/** pts → microseconds, rounded to nearest (the concat list's unit). */
export function ptsToMicros(pts: number, timeBase: readonly [number, number]): bigint {
  const num = BigInt(pts) * BigInt(timeBase[0]) * 1_000_000n;
  const den = BigInt(timeBase[1]);
  const q = num / den;
  const r = num % den;
  return r * 2n >= den ? q + 1n : q;
}

export function microsToText(us: bigint): string {
  const neg = us < 0n;
  const a = neg ? -us : us;
  return `${neg ? '-' : ''}${a / 1_000_000n}.${(a % 1_000_000n).toString().padStart(6, '0')}`;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return a >= 0n ? (a + b - 1n) / b : a / b;
}
