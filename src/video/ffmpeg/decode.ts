/**
 * Decoding one segment to raw frames: ffmpeg decodes, converts to RGB(A) and
 * writes the frames to a pipe; each frame's pts comes from the showinfo
 * filter's log line for it (stderr), so frames keep their exact timestamps
 * (variable frame rate included). Backpressure: the generator reads the pipe
 * only as fast as its consumer takes frames, so ffmpeg blocks on a full pipe
 * and memory stays at a frame or two whatever the video's length.
 *
 * A segment after the first seeks (-ss, rounded up to its keyframe, with
 * -copyts so timestamps stay the file's own) and stops at the next segment's
 * start: the generator ends and ffmpeg is killed.
 */
import { spawn } from 'node:child_process';
import type { FfmpegBinaries } from './binaries.js';
import { VideoFileError } from './errors.js';
import type { DecodedFrame, VideoProbe } from './types.js';

export type { DecodedFrame } from './types.js';
import { ffmpegComplaint } from './run.js';
import { animatedWebpFrames, SHARP_WEBP } from './animated-webp.js';
import { ptsToSeekTime, type Segment } from './segments.js';

/** scale= options that convert with the file's own matrix and range (so colours round-trip through the encoder). */
export function matrixOptions(probe: Pick<VideoProbe, 'pixFmt' | 'colour'>, dir: 'in' | 'out'): string {
  if (/^(rgb|bgr|gbr|pal|argb|abgr|gray)/.test(probe.pixFmt)) return '';
  const m = colourMatrix(probe.colour.space);
  const range = probe.colour.range === 'pc' ? 'full' : 'limited';
  return `${m ? `${dir}_color_matrix=${m}:` : ''}${dir}_range=${range}`;
}

function colourMatrix(space: string | undefined): string | null {
  switch (space) {
    case 'bt709':
      return 'bt709';
    case 'smpte170m':
    case 'bt470bg':
      return 'bt601';
    case 'bt2020nc':
    case 'bt2020c':
      return 'bt2020';
    case 'smpte240m':
      return 'smpte240m';
    case 'fcc':
      return 'fcc';
    default:
      return null;
  }
}

/** Frames of `segment` (all frames when omitted), in presentation order. */
export async function* decodeFrames(
  bins: FfmpegBinaries,
  probe: VideoProbe,
  segment?: Segment,
  signal?: AbortSignal,
): AsyncGenerator<DecodedFrame> {
  if (probe.format === SHARP_WEBP) {
    yield* animatedWebpFrames(probe, segment, signal);
    return;
  }
  const channels: 3 | 4 = probe.hasAlpha ? 4 : 3;
  const pixFmt = channels === 4 ? 'rgba' : 'rgb24';
  const scale = matrixOptions(probe, 'in');
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-noautorotate'];
  if (segment && segment.index > 0) args.push('-noaccurate_seek', '-ss', ptsToSeekTime(segment.startPts, probe.timeBase));
  args.push(
    '-copyts',
    '-i',
    probe.file,
    '-map',
    `0:${probe.streamIndex}`,
    '-vf',
    `${scale ? `scale=${scale},` : ''}format=${pixFmt},showinfo=checksum=0`,
    '-fps_mode',
    'passthrough',
    // Each frame reaches the pipe as soon as it is decoded (not when a 32 KiB buffer fills).
    '-flush_packets',
    '1',
    '-f',
    'rawvideo',
    '-pix_fmt',
    pixFmt,
    'pipe:1',
  );
  // Own process group: a terminal's Ctrl-C reaches us, and we stop ffmpeg ourselves (no half-finished file from it).
  const child = spawn(bins.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const frameBytes = probe.width * probe.height * channels;
  const ptsQueue: number[] = [];
  let filterTb: [number, number] | null = null;
  let stderrTail = '';
  let partial = '';
  let exited: { code: number | null } | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const tb = /config in time_base: (\d+)\/(\d+)/.exec(line);
      if (tb) filterTb = [Number(tb[1]), Number(tb[2])];
      const m = /\] n: *\d+ pts: *(-?\d+)/.exec(line);
      if (m) ptsQueue.push(Number(m[1]));
      else if (!line.includes('Parsed_showinfo')) stderrTail = `${stderrTail}\n${line}`.slice(-4000);
    }
    notify();
  });
  const closed = new Promise<void>((resolve) =>
    child.on('close', (code) => {
      exited = { code };
      notify();
      resolve();
    }),
  );
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  let stopped = false;
  let decoded = 0;
  try {
    let buf: Buffer = Buffer.alloc(0);
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= frameBytes) {
        const data = Buffer.from(buf.subarray(0, frameBytes));
        buf = buf.subarray(frameBytes);
        // showinfo logs a frame before ffmpeg writes it, so its line is on stderr already (or arriving).
        while (ptsQueue.length === 0 && !exited) await new Promise<void>((r) => (wake = r));
        if (ptsQueue.length === 0) throw new VideoFileError(probe.file, 'ffmpeg wrote a frame without its timestamp');
        let pts = ptsQueue.shift()!;
        const ftb = filterTb as [number, number] | null;
        if (ftb && (ftb[0] !== probe.timeBase[0] || ftb[1] !== probe.timeBase[1])) {
          pts = Math.round((pts * ftb[0] * probe.timeBase[1]) / (ftb[1] * probe.timeBase[0]));
        }
        if (segment && segment.index > 0 && pts < segment.startPts) continue;
        if (segment && segment.endPts !== null && pts >= segment.endPts) {
          stopped = true;
          break;
        }
        decoded++;
        yield { pts, width: probe.width, height: probe.height, channels, data };
      }
      if (stopped) break;
    }
    if (!stopped) {
      await closed;
      if (signal?.aborted) return;
      const code = (exited as { code: number | null } | null)?.code;
      if (code !== 0) throw new VideoFileError(probe.file, `cannot be decoded: ${ffmpegComplaint(stderrTail)}`);
      const expected = segment ? segment.frames : probe.pts.length;
      if (decoded < expected) {
        throw new VideoFileError(
          probe.file,
          `is truncated or damaged: decoded ${decoded} of ${expected} frames${segment ? ` in segment ${segment.index}` : ''} (${ffmpegComplaint(stderrTail)})`,
        );
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!exited) child.kill('SIGKILL');
    await closed;
  }
}
