/**
 * Encoding frames: our frames go to ffmpeg's stdin as NUT (raw RGB(A) with
 * each frame's exact pts, see nut.ts) and ffmpeg encodes them into a file.
 * Writes wait for the pipe to drain (backpressure), so a slow encoder slows
 * the upscaler instead of filling memory.
 *
 * The encoder keeps the input's timestamps (-fps_mode passthrough,
 * -enc_time_base -1, MP4's track timescale = the input's time base), its
 * colour tags, and its pixel aspect ratio; the YUV conversion uses the same
 * matrix and range as the decoding, so colours round-trip. Output is made
 * deterministic (-fflags +bitexact, fixed encoder threads), so a resumed run
 * gives the same bytes as an uninterrupted one.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { FfmpegBinaries } from './binaries.js';
import { encoderArgs, type Container, type EncodeSettings } from './codecs.js';
import { matrixOptions } from './decode.js';
import { VideoFileError } from './errors.js';
import { timescaleArgs } from './probe.js';
import { nutFrameHeader, nutHeader } from './nut.js';
import type { VideoProbe } from './types.js';
import { ffmpegComplaint } from './run.js';

export interface EncoderInput {
  width: number;
  height: number;
  channels: 3 | 4;
}

export interface Encoder {
  /** Queues one frame (pts ≥ 0, stream time base); resolves when the pipe can take more. */
  write(pts: number, rgb: Uint8Array): Promise<void>;
  /** Closes the pipe and waits for ffmpeg to finish the file. */
  finish(): Promise<void>;
  /** Kills ffmpeg (the partial file is the caller's to remove). */
  kill(): void;
}

const MUXERS: Record<Container, string> = { mp4: 'mp4', mov: 'mov', mkv: 'matroska', webm: 'webm', gif: 'gif', webp: 'webp' };

/** The -vf of the encoder: pad odd sizes for 4:2:0, convert with the input's matrix, keep the pixel aspect ratio. */
function encoderFilters(probe: VideoProbe, input: EncoderInput, container: Container): string {
  const f: string[] = [];
  if (container === 'gif') {
    // Streaming palettes (one per frame): a global palette would hold every frame until the end.
    return 'split[a][b];[a]palettegen=stats_mode=single:reserve_transparent=1[p];[b][p]paletteuse=new=1';
  }
  if (container !== 'webp' && (input.width % 2 || input.height % 2)) {
    // 4:2:0 needs even sizes: one more column/row, a copy of the last one.
    const w = input.width + (input.width % 2);
    const h = input.height + (input.height % 2);
    f.push(`pad=${w}:${h}:0:0`, `fillborders=right=${w - input.width}:bottom=${h - input.height}:mode=smear`);
  }
  const m = container === 'webp' ? '' : matrixOptions(probe, 'out');
  if (m) f.push(`scale=${m}`);
  f.push(`setsar=r=${probe.sar[0]}/${probe.sar[1]}:max=${Math.max(100, probe.sar[0], probe.sar[1])}`);
  return f.join(',');
}

/** Output options for the colour tags of the input (so players treat the upscaled video as they did the original). */
function colourArgs(probe: VideoProbe): string[] {
  const c = probe.colour;
  const out: string[] = [];
  if (c.range && c.range !== 'unknown') out.push('-color_range', c.range);
  if (c.space && c.space !== 'unknown' && c.space !== 'gbr') out.push('-colorspace', c.space);
  if (c.transfer && c.transfer !== 'unknown') out.push('-color_trc', c.transfer);
  if (c.primaries && c.primaries !== 'unknown') out.push('-color_primaries', c.primaries);
  return out;
}

export interface StartEncoderOptions {
  probe: VideoProbe;
  input: EncoderInput;
  container: Container;
  settings: EncodeSettings;
  /** The file ffmpeg writes (a temporary name: the caller renames it when complete). */
  output: string;
}

/** Starts an encoding ffmpeg that reads NUT from its stdin. */
export function startEncoder(bins: FfmpegBinaries, { probe, input, container, settings, output }: StartEncoderOptions): Encoder {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-f', 'nut', '-i', 'pipe:0', '-map', '0:0'];
  const filters = encoderFilters(probe, input, container);
  if (container === 'gif') {
    args.push('-filter_complex', `[0:0]${filters}`, '-c:v', 'gif', '-loop', '0');
    args.splice(args.indexOf('-map'), 2);
  } else if (container === 'webp') {
    args.push(
      '-vf',
      filters,
      '-c:v',
      'libwebp_anim',
      '-quality',
      '90',
      '-loop',
      '0',
      '-pix_fmt',
      input.channels === 4 ? 'yuva420p' : 'yuv420p',
    );
  } else {
    args.push('-vf', filters, ...encoderArgs(settings), ...colourArgs(probe));
  }
  args.push('-fps_mode', 'passthrough', '-enc_time_base', '-1');
  if (container === 'mp4' || container === 'mov') args.push(...timescaleArgs(probe));
  args.push('-map_metadata', '-1', '-fflags', '+bitexact', '-flags:v', '+bitexact', '-f', MUXERS[container], '-y', output);
  const child: ChildProcessByStdio<Writable, null, Readable> = spawn(bins.ffmpeg, args, {
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true, // own process group: Ctrl-C is ours to handle (we kill it and remove its file)
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (t: string) => (stderr = (stderr + t).slice(-8000)));
  let exitCode: number | null | undefined;
  const closed = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  let pipeError: Error | null = null;
  child.stdin.on('error', (e) => (pipeError = e));
  const fail = () => new VideoFileError(output, `the encoder (${settings.encoder}) failed: ${ffmpegComplaint(stderr)}`);
  const headerInput = { ...input, timeBase: probe.timeBase };
  let started = false;
  const frameBytes = input.width * input.height * input.channels;

  async function put(buf: Buffer | Uint8Array): Promise<void> {
    if (exitCode !== undefined || pipeError) throw fail();
    if (!child.stdin.write(buf)) {
      await Promise.race([once(child.stdin, 'drain'), closed]);
      if (exitCode !== undefined) throw fail();
    }
  }
  return {
    async write(pts, rgb) {
      if (rgb.length !== frameBytes) throw new RangeError(`encoder: frame of ${rgb.length} bytes, expected ${frameBytes}`);
      if (!started) {
        started = true;
        await put(nutHeader(headerInput));
      }
      await put(nutFrameHeader(pts, rgb.length));
      await put(rgb);
    },
    async finish() {
      if (!started) await put(nutHeader(headerInput));
      child.stdin.end();
      const code = await closed;
      if (code !== 0) throw fail();
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
}
