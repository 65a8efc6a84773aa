/**
 * What a video file is, from ffprobe, before any work: its video stream (size,
 * codec, time base, frame count, colour and rotation metadata), its audio and
 * subtitle streams, and every video packet's pts with its keyframe flag (one
 * pass over the container, no decoding), from which the segment plan is cut.
 *
 * Refused here, each with a message naming the file: a file ffprobe cannot
 * open (truncated before its index, not a media file), a file without a video
 * stream, a video codec this ffmpeg cannot decode, and a file whose packets
 * end early (truncated after its index: ffprobe reports a partial file).
 */
import { statSync } from 'node:fs';
import type { FfmpegBinaries } from './binaries.js';
import { VideoFileError } from './errors.js';
import { ffmpegComplaint, runProgram } from './run.js';
import { probeAnimatedWebp } from './animated-webp.js';
import type { VideoProbe } from './types.js';

export type { ColourInfo, StreamInfo, VideoProbe } from './types.js';

interface RawStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_aspect_ratio?: string;
  time_base?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  bit_rate?: string;
  color_range?: string;
  color_space?: string;
  color_transfer?: string;
  color_primaries?: string;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
  disposition?: { attached_pic?: number };
}

function ratio(text: string | undefined): [number, number] | null {
  const m = /^(\d+)[/:](\d+)$/.exec(text ?? '');
  if (!m || Number(m[2]) === 0 || Number(m[1]) === 0) return null;
  return [Number(m[1]), Number(m[2])];
}

const ALPHA_FORMATS = /^(rgba|bgra|argb|abgr|ya|yuva|gbrap|pal8|rgba64|bgra64)/;

/** Probes `file`; throws VideoFileError (naming it) for what cannot be upscaled. */
export async function probeVideo(bins: FfmpegBinaries, file: string, signal?: AbortSignal): Promise<VideoProbe> {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    throw new VideoFileError(file, `cannot read it (${(e as NodeJS.ErrnoException).code})`);
  }
  if (!st.isFile()) throw new VideoFileError(file, 'is not a file');
  if (st.size === 0) throw new VideoFileError(file, 'is empty');
  const info = await runProgram(bins.ffprobe, ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file], signal);
  if (info.code !== 0) {
    throw new VideoFileError(file, `not a readable video (truncated or not a media file): ${ffmpegComplaint(info.stderr)}`);
  }
  const json = JSON.parse(info.stdout) as {
    streams?: RawStream[];
    format?: { format_name?: string; duration?: string; bit_rate?: string };
  };
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) {
    const kinds = streams.map((s) => s.codec_type ?? 'unknown');
    throw new VideoFileError(file, `has no video stream${kinds.length ? ` (only ${kinds.join(', ')})` : ''}`);
  }
  if (!video.codec_name || video.codec_name === 'none' || video.codec_name === 'unknown') {
    throw new VideoFileError(file, `its video codec (${video.codec_tag_string || 'unknown tag'}) is not one this ffmpeg can decode`);
  }
  const tb = ratio(video.time_base);
  if (video.codec_name === 'webp' && !video.width) {
    // ffmpeg ≤ 7.0 lists an animated WebP with no size and cannot decode it: sharp reads it instead.
    const webp = await probeAnimatedWebp(file, st.size, st.mtimeMs);
    if (webp) return webp;
  }
  if (!video.width || !video.height || !tb) {
    throw new VideoFileError(
      file,
      `its video stream has no usable size or time base (${video.width ?? '?'}×${video.height ?? '?'}, ${video.time_base}): ` +
        'a frame size ffmpeg refuses as absurd, or an animated WebP (which this ffmpeg cannot decode)',
    );
  }

  // Every video packet: pts (or dts where pts is missing), keyframe flag. ffprobe reports a truncated file on stderr here.
  const packets = await runProgram(
    bins.ffprobe,
    ['-v', 'error', '-select_streams', `${video.index}`, '-show_entries', 'packet=pts,dts,flags', '-of', 'csv=p=0', file],
    signal,
  );
  if (packets.code !== 0 || /partial file|Invalid NAL|error reading|truncat|End of file/i.test(packets.stderr)) {
    throw new VideoFileError(file, `is truncated or damaged: ${ffmpegComplaint(packets.stderr)}`);
  }
  const pts: number[] = [];
  const keyframes: number[] = [];
  for (const line of packets.stdout.split('\n')) {
    if (!line.trim()) continue;
    const [p, d, flags] = line.split(',');
    const t = Number(p === 'N/A' || p === '' ? d : p);
    if (!Number.isFinite(t)) continue;
    pts.push(t);
    if (flags?.includes('K')) keyframes.push(t);
  }
  if (pts.length === 0) throw new VideoFileError(file, 'its video stream has no frames (truncated?)');
  pts.sort((a, b) => a - b);
  keyframes.sort((a, b) => a - b);
  if (keyframes.length === 0 || keyframes[0] > pts[0]) keyframes.unshift(pts[0]);

  const fmt = json.format ?? {};
  const seconds = (x: number) => (x * tb[0]) / tb[1];
  const frameDuration = pts.length > 1 ? (pts[pts.length - 1] - pts[0]) / (pts.length - 1) : tb[1] / tb[0] / 25;
  const duration = Number(video.duration) || Number(fmt.duration) || seconds(pts[pts.length - 1] - pts[0] + frameDuration);
  const avg = ratio(video.avg_frame_rate) ?? ratio(video.r_frame_rate);
  const fps = avg ? avg[0] / avg[1] : pts.length / Math.max(duration, 1e-6);
  const rotation = video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? Number(video.tags?.rotate ?? 0);
  const bitRate = Number(video.bit_rate) || Number(fmt.bit_rate) || (st.size * 8) / Math.max(duration, 1e-3);
  const pick = (type: string) =>
    streams
      .filter((s) => s.codec_type === type)
      .map((s) => ({ index: s.index, codec: s.codec_name ?? 'unknown', language: s.tags?.language }));
  return {
    file,
    size: st.size,
    mtimeMs: st.mtimeMs,
    format: fmt.format_name ?? 'unknown',
    streamIndex: video.index,
    codec: video.codec_name,
    width: video.width,
    height: video.height,
    pixFmt: video.pix_fmt ?? 'unknown',
    hasAlpha: ALPHA_FORMATS.test(video.pix_fmt ?? ''),
    sar: ratio(video.sample_aspect_ratio) ?? [1, 1],
    timeBase: tb,
    fps,
    duration,
    pts,
    keyframes,
    rotation: Number.isFinite(rotation) ? rotation : 0,
    colour: {
      range: video.color_range,
      space: video.color_space,
      transfer: video.color_transfer,
      primaries: video.color_primaries,
    },
    bitRate,
    audio: pick('audio'),
    subtitles: pick('subtitle'),
  };
}

/** MP4/MOV: the video track's timescale = the input's time base, so every pts is kept exactly (time bases 1/N only). */
export function timescaleArgs(probe: Pick<VideoProbe, 'timeBase'>): string[] {
  const [num, den] = probe.timeBase;
  return num === 1 && den <= 2 ** 31 - 1 ? ['-video_track_timescale', String(den)] : [];
}
