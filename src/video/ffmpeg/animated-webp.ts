/**
 * Animated WebP input, which ffmpeg (up to 7.0) cannot decode: sharp (libvips)
 * reads it one frame at a time instead, and the frames join the same
 * upscale → encode path as decoded video frames. Timestamps come from the
 * frames' delays (milliseconds).
 */
import { VideoFileError } from './errors.js';
import type { Segment } from './segments.js';
import type { DecodedFrame, VideoProbe } from './types.js';

/** VideoProbe.format of an input read by sharp rather than ffmpeg. */
export const SHARP_WEBP = 'webp (animated, read by sharp)';

type Sharp = (typeof import('sharp'))['default'];

async function loadSharp(file: string): Promise<Sharp> {
  try {
    const m = await import('sharp');
    return ((m as { default?: unknown }).default ?? m) as Sharp;
  } catch {
    throw new VideoFileError(file, 'is an animated WebP, which needs the sharp package to read (npm install sharp)');
  }
}

/** A VideoProbe for an animated WebP (all frames are keyframes; no audio). */
export async function probeAnimatedWebp(file: string, size: number, mtimeMs: number): Promise<VideoProbe | null> {
  const sharp = await loadSharp(file);
  let meta;
  try {
    meta = await sharp(file).metadata();
  } catch {
    return null;
  }
  const pages = meta.pages ?? 1;
  // Without { pages: -1 } sharp describes the first frame: its height is a frame's height.
  const height = meta.pageHeight ?? meta.height;
  if (meta.format !== 'webp' || pages < 2 || !meta.width || !height) return null;
  const delays = meta.delay ?? [];
  const pts: number[] = [];
  let t = 0;
  for (let i = 0; i < pages; i++) {
    pts.push(t);
    t += delays[i] && delays[i] > 0 ? delays[i] : 100;
  }
  const duration = t / 1000;
  return {
    file,
    size,
    mtimeMs,
    format: SHARP_WEBP,
    streamIndex: 0,
    codec: 'webp',
    width: meta.width,
    height,
    pixFmt: meta.hasAlpha ? 'rgba' : 'rgb24',
    hasAlpha: meta.hasAlpha === true,
    sar: [1, 1],
    timeBase: [1, 1000],
    fps: pages / duration,
    duration,
    pts,
    keyframes: [...pts],
    rotation: 0,
    colour: {},
    bitRate: (size * 8) / duration,
    audio: [],
    subtitles: [],
  };
}

/** The frames of an animated WebP (of one segment when given), decoded one at a time. */
export async function* animatedWebpFrames(probe: VideoProbe, segment?: Segment, signal?: AbortSignal): AsyncGenerator<DecodedFrame> {
  const sharp = await loadSharp(probe.file);
  const channels: 3 | 4 = probe.hasAlpha ? 4 : 3;
  for (let i = 0; i < probe.pts.length; i++) {
    const pts = probe.pts[i];
    if (segment && (pts < segment.startPts || (segment.endPts !== null && pts >= segment.endPts))) continue;
    signal?.throwIfAborted();
    let img = sharp(probe.file, { page: i, pages: 1 });
    img = channels === 4 ? img.ensureAlpha() : img.removeAlpha();
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.width !== probe.width || info.height !== probe.height || info.channels !== channels) {
      throw new VideoFileError(
        probe.file,
        `frame ${i} decoded as ${info.width}×${info.height}×${info.channels}, expected ${probe.width}×${probe.height}×${channels}`,
      );
    }
    yield { pts, width: probe.width, height: probe.height, channels, data };
  }
}
