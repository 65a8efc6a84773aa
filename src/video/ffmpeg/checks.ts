/**
 * Checks made before any work, so that a job that cannot finish does not
 * start: the frame size against the limits (input and output pixels, and the
 * codecs' largest side), and the free disk space against an estimate of the
 * output.
 */
import { statfsSync } from 'node:fs';
import { VideoFileError } from './errors.js';
import type { VideoProbe } from './types.js';

/** The largest side every encoder we use accepts (H.264 level 6.2 and x264 stop at 16384; GIF at 65535). */
export const MAX_VIDEO_SIDE = 16384;

export interface VideoLimits {
  maxPixels: number;
  maxOutputPixels: number;
}

/** Throws VideoFileError naming the file when a frame or its upscaled size is over the limits. */
export function checkFrameSize(probe: Pick<VideoProbe, 'file' | 'width' | 'height'>, scale: number, limits: VideoLimits): void {
  const { file, width, height } = probe;
  const ow = Math.round(width * scale);
  const oh = Math.round(height * scale);
  if (width * height > limits.maxPixels) {
    throw new VideoFileError(
      file,
      `frames of ${width}×${height} = ${width * height} pixels are over the limit of ${limits.maxPixels} (--max-pixels)`,
    );
  }
  if (ow * oh > limits.maxOutputPixels) {
    throw new VideoFileError(
      file,
      `×${scale} gives ${ow}×${oh} = ${ow * oh} pixels a frame, over the limit of ${limits.maxOutputPixels} (--max-output-pixels)`,
    );
  }
  if (ow > MAX_VIDEO_SIDE || oh > MAX_VIDEO_SIDE) {
    throw new VideoFileError(file, `×${scale} gives ${ow}×${oh} frames; video encoders take at most ${MAX_VIDEO_SIDE} pixels a side`);
  }
}

export interface SpaceEstimate {
  /** Estimated bytes of the output. */
  bytes: number;
  /** How, in words, for the message. */
  how: string;
}

function mb(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Output size ≈ the input video's bitrate × duration × scale² (an encoder at a
 * similar quality spends about as many bits per pixel), plus the audio, which
 * is copied. Rough, and on the high side for clean upscaled content.
 */
export function estimateOutputBytes(probe: Pick<VideoProbe, 'bitRate' | 'duration' | 'size'>, scale: number): SpaceEstimate {
  const video = (probe.bitRate / 8) * probe.duration * scale * scale;
  const bytes = Math.ceil(Math.max(video, probe.size));
  return {
    bytes,
    how: `${Math.round(probe.bitRate / 1000)} kb/s × ${probe.duration.toFixed(1)} s × ${scale}² ≈ ${mb(bytes)}`,
  };
}

/**
 * Throws VideoFileError naming the file when the output folder's file system
 * has less free space than `copies` × the estimate (segments and the joined
 * output coexist until the end: 2 copies).
 */
export function checkFreeSpace(
  probe: Pick<VideoProbe, 'file' | 'bitRate' | 'duration' | 'size'>,
  scale: number,
  outDir: string,
  copies = 2,
): SpaceEstimate {
  const estimate = estimateOutputBytes(probe, scale);
  const fs = statfsSync(outDir);
  const free = Number(fs.bavail) * Number(fs.bsize);
  const need = estimate.bytes * copies;
  if (need > free) {
    throw new VideoFileError(
      probe.file,
      `not enough free disk space in ${outDir}: the output is estimated at ${estimate.how} (input video bitrate × duration × scale²)` +
        `${copies > 1 ? `, ×${copies} while the segments and the joined file both exist` : ''}: ${mb(need)} needed, ${mb(free)} free`,
    );
  }
  return estimate;
}
