/**
 * One segment, start to finish: decode its frames, upscale each, encode them
 * into a file of its own. The file is written under a temporary name and
 * renamed when complete, so a segment file that exists is a finished one
 * (what --resume and a queue rely on).
 */
import { renameSync, rmSync } from 'node:fs';
import type { FfmpegBinaries } from './binaries.js';
import type { Container, EncodeSettings } from './codecs.js';
import { decodeFrames, type DecodedFrame } from './decode.js';
import { startEncoder } from './encode.js';
import type { FrameUpscaler } from './frames.js';
import type { VideoProbe } from './types.js';
import type { Segment } from './segments.js';

export interface SegmentProgress {
  segment: number;
  /** Frames of this segment done. */
  done: number;
  total: number;
  /** Milliseconds in decode (waiting for frames), upscale and encode (waiting for the pipe) so far. */
  decodeMs: number;
  upscaleMs: number;
  encodeMs: number;
}

export interface UpscaleSegmentOptions {
  bins: FfmpegBinaries;
  probe: VideoProbe;
  /** The segment to do; omit for the whole video as one piece (animated GIF/WebP output). */
  segment?: Segment;
  upscaleFrame: FrameUpscaler;
  /** Output size of every frame (from scaledSize()). */
  outWidth: number;
  outHeight: number;
  container: Container;
  settings: EncodeSettings;
  /** The finished file; written as `${output}.tmp-<pid>` first. */
  output: string;
  signal?: AbortSignal;
  onFrame?: (p: SegmentProgress) => void;
  /** Sees every frame handed to the encoder (pts, RGB or RGBA bytes): for tests and --dump-frames. */
  onEncoderFrame?: (pts: number, data: Uint8Array, channels: 3 | 4) => void;
}

/** RGBA → RGB (the encoder pipe carries no alpha for videos without it). */
function dropAlpha(rgba: Uint8ClampedArray): Uint8Array {
  const n = rgba.length / 4;
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[j] = rgba[i * 4];
    out[j + 1] = rgba[i * 4 + 1];
    out[j + 2] = rgba[i * 4 + 2];
  }
  return out;
}

export interface SegmentResult {
  frames: number;
  decodeMs: number;
  upscaleMs: number;
  encodeMs: number;
}

/** Decodes, upscales and encodes one segment into `output`. Frames' pts are written relative to the segment's start. */
export async function upscaleSegment(o: UpscaleSegmentOptions): Promise<SegmentResult> {
  const { probe, segment, signal } = o;
  const channels: 3 | 4 = probe.hasAlpha ? 4 : 3;
  const tmp = `${o.output}.tmp-${process.pid}`;
  const encoder = startEncoder(o.bins, {
    probe,
    input: { width: o.outWidth, height: o.outHeight, channels },
    container: o.container,
    settings: o.settings,
    output: tmp,
  });
  const origin = segment ? segment.startPts : probe.pts[0];
  const total = segment ? segment.frames : probe.pts.length;
  const t = { decodeMs: 0, upscaleMs: 0, encodeMs: 0 };
  let done = 0;
  const frames = decodeFrames(o.bins, probe, segment, signal);
  try {
    let t0 = performance.now();
    for (;;) {
      const next: IteratorResult<DecodedFrame> = await frames.next();
      if (next.done) break;
      const f = next.value;
      const t1 = performance.now();
      t.decodeMs += t1 - t0;
      signal?.throwIfAborted();
      const image = { width: f.width, height: f.height, data: new Uint8ClampedArray(f.data.buffer, f.data.byteOffset, f.data.length) };
      const up = await o.upscaleFrame(image, signal);
      if (up.width !== o.outWidth || up.height !== o.outHeight) {
        throw new Error(`frame ${done}: upscaled to ${up.width}×${up.height}, expected ${o.outWidth}×${o.outHeight}`);
      }
      const bytes = channels === 4 ? new Uint8Array(up.data.buffer, up.data.byteOffset, up.data.length) : dropAlpha(up.data);
      const t2 = performance.now();
      t.upscaleMs += t2 - t1;
      o.onEncoderFrame?.(f.pts, bytes, channels);
      await encoder.write(Math.max(0, f.pts - origin), bytes);
      t0 = performance.now();
      t.encodeMs += t0 - t2;
      done++;
      o.onFrame?.({ segment: segment?.index ?? 0, done, total, ...t });
    }
    signal?.throwIfAborted();
    const t3 = performance.now();
    await encoder.finish();
    t.encodeMs += performance.now() - t3;
    renameSync(tmp, o.output);
    return { frames: done, ...t };
  } catch (e) {
    encoder.kill();
    throw e;
  } finally {
    await frames.return(undefined); // stops and reaps the decoder whatever happened
    rmSync(tmp, { force: true });
  }
}
