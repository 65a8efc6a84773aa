/**
 * Output settings: container from the output's extension, codec and quality
 * options, and what each container accepts for audio and subtitles.
 */
import { extname } from 'node:path';

export const VIDEO_CODECS = ['h264', 'h265', 'vp9', 'av1'] as const;
export type VideoCodec = (typeof VIDEO_CODECS)[number];

export type Container = 'mp4' | 'mov' | 'mkv' | 'webm' | 'gif' | 'webp';

/** Output extensions → container (and ffmpeg muxer). */
export const CONTAINERS: Record<string, { container: Container; muxer: string }> = {
  '.mp4': { container: 'mp4', muxer: 'mp4' },
  '.m4v': { container: 'mp4', muxer: 'mp4' },
  '.mov': { container: 'mov', muxer: 'mov' },
  '.mkv': { container: 'mkv', muxer: 'matroska' },
  '.webm': { container: 'webm', muxer: 'webm' },
  '.gif': { container: 'gif', muxer: 'gif' },
  '.webp': { container: 'webp', muxer: 'webp' },
};

/** Video files the CLI takes as input (by extension; files without one are sniffed, see isVideoFile). */
export const VIDEO_EXTENSIONS = [
  '.mp4',
  '.m4v',
  '.mov',
  '.mkv',
  '.webm',
  '.avi',
  '.flv',
  '.wmv',
  '.mpg',
  '.mpeg',
  '.ts',
  '.mts',
  '.m2ts',
  '.ogv',
  '.3gp',
  '.y4m',
  '.nut',
];

export function containerOf(path: string): { container: Container; muxer: string } | null {
  return CONTAINERS[extname(path).toLowerCase()] ?? null;
}

/** Which encoders serve each codec, first available wins. */
export const ENCODERS: Record<VideoCodec, string[]> = {
  h264: ['libx264'],
  h265: ['libx265'],
  vp9: ['libvpx-vp9'],
  av1: ['libsvtav1', 'libaom-av1'],
};

/** Default CRF per codec: visually lossless-ish for h264/h265 (18/20), the usual good-quality points for vp9/av1. */
export const DEFAULT_CRF: Record<VideoCodec, number> = { h264: 18, h265: 20, vp9: 30, av1: 30 };
export const CRF_RANGE: Record<VideoCodec, [number, number]> = { h264: [0, 51], h265: [0, 51], vp9: [0, 63], av1: [0, 63] };

export function defaultCodec(container: Container): VideoCodec {
  return container === 'webm' ? 'vp9' : 'h264';
}

/** Codecs a container can hold. */
export function codecFits(container: Container, codec: VideoCodec): boolean {
  if (container === 'webm') return codec === 'vp9' || codec === 'av1';
  return container === 'mp4' || container === 'mov' || container === 'mkv';
}

export interface EncodeSettings {
  codec: VideoCodec;
  /** The encoder ffmpeg runs (from ENCODERS and `ffmpeg -encoders`). */
  encoder: string;
  crf: number;
  /** x264/x265 preset (default medium). */
  preset: string;
  /** Encoder threads, fixed so the output is the same on every run (x264 is deterministic for a fixed count). */
  threads: number;
}

/** ffmpeg output options for one codec. */
export function encoderArgs(s: EncodeSettings): string[] {
  const common = ['-c:v', s.encoder, '-threads', String(s.threads)];
  switch (s.encoder) {
    case 'libx264':
      return [...common, '-preset', s.preset, '-crf', String(s.crf), '-pix_fmt', 'yuv420p'];
    case 'libx265':
      return [
        ...common,
        '-preset',
        s.preset,
        '-crf',
        String(s.crf),
        '-pix_fmt',
        'yuv420p',
        '-tag:v',
        'hvc1',
        '-x265-params',
        `log-level=error:pools=${s.threads}`,
      ];
    case 'libvpx-vp9':
      return [...common, '-crf', String(s.crf), '-b:v', '0', '-row-mt', '1', '-deadline', 'good', '-cpu-used', '2', '-pix_fmt', 'yuv420p'];
    case 'libsvtav1':
      return [...common, '-crf', String(s.crf), '-preset', '8', '-pix_fmt', 'yuv420p'];
    case 'libaom-av1':
      return [...common, '-crf', String(s.crf), '-b:v', '0', '-cpu-used', '6', '-row-mt', '1', '-pix_fmt', 'yuv420p'];
    default:
      return [...common, '-crf', String(s.crf)];
  }
}

/** Audio codecs each container takes as they are (stream copy); others are re-encoded. */
const AUDIO_COPY: Record<Container, Set<string> | 'all'> = {
  mp4: new Set(['aac', 'mp3', 'ac3', 'eac3', 'alac', 'opus', 'flac']),
  mov: new Set(['aac', 'mp3', 'ac3', 'eac3', 'alac', 'pcm_s16le', 'pcm_s24le', 'pcm_s16be']),
  mkv: 'all',
  webm: new Set(['opus', 'vorbis']),
  gif: new Set(),
  webp: new Set(),
};

/** ffmpeg options for the i-th output audio stream: copy when the container takes it, else AAC (Opus for WebM). */
export function audioArgs(container: Container, i: number, codec: string): string[] {
  const copy = AUDIO_COPY[container];
  if (copy === 'all' || copy.has(codec)) return [`-c:a:${i}`, 'copy'];
  return container === 'webm' ? [`-c:a:${i}`, 'libopus', `-b:a:${i}`, '160k'] : [`-c:a:${i}`, 'aac', `-b:a:${i}`, '192k'];
}

const TEXT_SUBTITLES = new Set(['subrip', 'ass', 'ssa', 'webvtt', 'mov_text', 'text']);

/** ffmpeg options for a subtitle stream, or null when the container cannot hold it (bitmap subtitles in MP4/WebM). */
export function subtitleArgs(container: Container, i: number, codec: string): string[] | null {
  if (container === 'mkv') return [`-c:s:${i}`, 'copy'];
  if (!TEXT_SUBTITLES.has(codec)) return null;
  if (container === 'mp4' || container === 'mov') return [`-c:s:${i}`, 'mov_text'];
  if (container === 'webm') return [`-c:s:${i}`, 'webvtt'];
  return null;
}

/**
 * Encoder threads: fixed, so that the same command gives the same bytes on any machine (and after
 * --resume), and every queue worker encodes a segment to the bytes the single-machine CLI would.
 */
export const ENCODER_THREADS = 4;
