/**
 * The finished segments → the output file: ffmpeg's concat demuxer joins the
 * segments' video by stream copy, and the input's audio, subtitles, chapters
 * and metadata are muxed in beside it from the original file, with its
 * rotation. Every segment file starts at pts 0; the list gives each one's
 * exact duration (next segment's start − its own, in µs), so the joined
 * video has the input's timestamps, shifted by -itsoffset to the input's first
 * video pts (audio stays in sync).
 */
import { writeFileSync, rmSync, renameSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { FfmpegBinaries } from './binaries.js';
import { audioArgs, subtitleArgs, type Container } from './codecs.js';
import { VideoFileError } from './errors.js';
import { timescaleArgs } from './probe.js';
import type { VideoProbe } from './types.js';
import { ffmpegComplaint, runProgram } from './run.js';
import { SHARP_WEBP } from './animated-webp.js';
import { microsToText, ptsToMicros, type Segment } from './segments.js';

export interface ConcatOptions {
  bins: FfmpegBinaries;
  probe: VideoProbe;
  segments: readonly Segment[];
  /** One finished file per segment, in order (absolute paths or relative to the list's folder). */
  files: readonly string[];
  container: Container;
  /** Where the concat list is written (the work folder). */
  listFile: string;
  /** The output; written as `${output}.tmp-<pid>` and renamed when complete. */
  output: string;
  signal?: AbortSignal;
  /** Says what was not carried over (bitmap subtitles into MP4, ...). */
  warn?: (line: string) => void;
}

/** The ffconcat list: every segment with its exact duration. */
export function concatList(probe: Pick<VideoProbe, 'timeBase'>, segments: readonly Segment[], files: readonly string[]): string {
  const lines = ['ffconcat version 1.0'];
  segments.forEach((s, i) => {
    lines.push(`file '${resolve(files[i]).replace(/'/g, "'\\''")}'`);
    if (s.endPts !== null) {
      const us = ptsToMicros(s.endPts, probe.timeBase) - ptsToMicros(s.startPts, probe.timeBase);
      lines.push(`duration ${microsToText(us)}`);
    }
  });
  return `${lines.join('\n')}\n`;
}

/** The muxer's name for a container's output (-f). */
const MUXER: Record<Container, string> = { mp4: 'mp4', mov: 'mov', mkv: 'matroska', webm: 'webm', gif: 'gif', webp: 'webp' };

/** Joins the segments and the input's other streams into `output` (atomically). */
export async function concatSegments(o: ConcatOptions): Promise<void> {
  const { probe, container } = o;
  writeFileSync(o.listFile, concatList(probe, o.segments, o.files));
  const offset = microsToText(ptsToMicros(o.segments[0].startPts, probe.timeBase));
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'];
  // The input's other streams and metadata come from the input itself (not for a WebP that ffmpeg cannot open).
  const withInput = probe.format !== SHARP_WEBP;
  args.push('-f', 'concat', '-safe', '0', '-itsoffset', offset, '-i', o.listFile, ...(withInput ? ['-i', probe.file] : []));
  args.push('-map', '0:v:0', '-c:v', 'copy');
  probe.audio.forEach((a, i) => args.push('-map', `1:${a.index}`, ...audioArgs(container, i, a.codec)));
  let s = 0;
  for (const sub of probe.subtitles) {
    const how = subtitleArgs(container, s, sub.codec);
    if (!how) {
      o.warn?.(
        `${probe.file}: subtitle stream ${sub.index} (${sub.codec}) cannot go into ${basename(o.output)}'s container; left out (use .mkv to keep it)`,
      );
      continue;
    }
    args.push('-map', `1:${sub.index}`, ...how);
    s++;
  }
  if (withInput) args.push('-map_metadata', '1', '-map_chapters', '1');
  // The stored frames are in the input's orientation; the display matrix says how to show them, as the input's did.
  if (probe.rotation) args.push('-metadata:s:v:0', `rotate=${(((Math.round(probe.rotation) % 360) + 360) % 360).toString()}`);
  if (container === 'mp4' || container === 'mov') {
    args.push(...timescaleArgs(probe), '-movflags', '+faststart');
  }
  const tmp = `${o.output}.tmp-${process.pid}`;
  args.push('-fflags', '+bitexact', '-f', MUXER[container], '-y', tmp);
  try {
    const r = await runProgram(o.bins.ffmpeg, args, o.signal);
    if (r.code !== 0) throw new VideoFileError(o.output, `joining the segments failed: ${ffmpegComplaint(r.stderr)}`);
    renameSync(tmp, o.output);
  } finally {
    rmSync(tmp, { force: true });
  }
}
