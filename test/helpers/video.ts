/**
 * Small videos made by ffmpeg for the video-file tests, and ways to look
 * inside the results (ffprobe's packet list, decoded audio's hash). The tests
 * need ffmpeg and ffprobe (CI installs Debian's); without them they fail with
 * a message saying so, never silently skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';

export function requireFfmpeg(): void {
  for (const p of ['ffmpeg', 'ffprobe']) {
    const r = spawnSync(p, ['-version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new Error(`the video-file tests need ${p} on the PATH (Debian/Ubuntu: apt-get install ffmpeg; scripts/setup.sh does it)`);
    }
  }
}

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface TestVideoOptions {
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
  /** Keyframe interval in frames. */
  gop?: number;
  /** Drop these frame numbers: the rest keep their timestamps (variable frame rate). */
  drop?: number[];
  audio?: boolean;
  /** Display rotation tag, degrees. */
  rotate?: number;
}

/**
 * testsrc + a 440 Hz sine: H.264 (yuv420p would need even sizes, so 4:4:4 for odd ones) with BT.709 tags, AAC audio, in MP4.
 */
export function makeTestVideo(path: string, o: TestVideoOptions = {}): void {
  const { width = 33, height = 19, fps = 10, seconds = 2, gop = 5, audio = true } = o;
  const filters = o.drop?.length ? [`select='not(${o.drop.map((n) => `eq(n\\,${n})`).join('+')})'`] : [];
  const tmp = o.rotate ? `${path}.norot.mp4` : path;
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc=s=${width}x${height}:r=${fps}:d=${seconds}`,
    ...(audio ? ['-f', 'lavfi', '-i', `sine=f=440:sample_rate=8000:d=${seconds}`] : []),
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    '-fps_mode',
    'vfr',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    String(gop),
    '-pix_fmt',
    width % 2 || height % 2 ? 'yuv444p' : 'yuv420p',
    '-colorspace',
    'bt709',
    '-color_primaries',
    'bt709',
    '-color_trc',
    'bt709',
    ...(audio ? ['-c:a', 'aac', '-b:a', '32k'] : []),
    tmp,
  ]);
  if (o.rotate) ffmpeg(['-i', tmp, '-c', 'copy', '-metadata:s:v:0', `rotate=${o.rotate}`, path]);
}

/** An animated GIF of testsrc. */
export function makeTestGif(path: string, { width = 21, height = 13, fps = 10, seconds = 1 } = {}): void {
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc=s=${width}x${height}:r=${fps}:d=${seconds}`,
    '-vf',
    'split[a][b];[a]palettegen[p];[b][p]paletteuse',
    path,
  ]);
}

/** An animated WebP of testsrc (ffmpeg writes them; it cannot read them back). */
export function makeTestWebp(path: string, { width = 21, height = 13, fps = 10, seconds = 0.5 } = {}): void {
  ffmpeg(['-f', 'lavfi', '-i', `testsrc=s=${width}x${height}:r=${fps}:d=${seconds}`, '-c:v', 'libwebp_anim', '-loop', '0', path]);
}

/** Audio only (a sine in an MP4): a file with no video stream. */
export function makeAudioOnly(path: string): void {
  ffmpeg(['-f', 'lavfi', '-i', 'sine=f=440:sample_rate=8000:d=1', '-c:a', 'aac', path]);
}

export interface StreamFacts {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  nb_frames?: string;
  duration?: string;
  time_base?: string;
  color_space?: string;
  color_primaries?: string;
  side_data_list?: { rotation?: number }[];
}

export function probeStreams(file: string): StreamFacts[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file], { encoding: 'utf8' });
  return (JSON.parse(out) as { streams: StreamFacts[] }).streams;
}

/** Every video packet's pts, sorted (presentation order), in the stream's time base. */
export function videoPts(file: string): number[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts', '-of', 'csv=p=0', file], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((l) => l.trim())
    .map(Number)
    .sort((a, b) => a - b);
}

/** pts in seconds (so that files with different time bases compare). */
export function videoTimes(file: string): number[] {
  const tb = probeStreams(file)
    .find((s) => s.codec_type === 'video')!
    .time_base!.split('/')
    .map(Number);
  return videoPts(file).map((p) => (p * tb[0]) / tb[1]);
}

/** sha256 of the first audio stream decoded to 16-bit PCM. */
export function audioHash(file: string): string {
  const pcm = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-map', '0:a:0', '-f', 's16le', '-'], {
    maxBuffer: 1 << 28,
  });
  return createHash('sha256').update(pcm).digest('hex');
}
