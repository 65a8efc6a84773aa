/**
 * The upscaler page's file → file video mode in headless Chromium (SwiftShader):
 * a short video that ffmpeg makes here (testsrc + a sine tone, odd size, variable
 * frame rate, VP9 + Opus in WebM) goes through the page (a Worker: mediabunny demux, WebCodecs
 * decode, Anime4K S ×2 on WebGPU, WebCodecs encode, mux) and the downloaded
 * file is checked with ffprobe/ffmpeg:
 *
 *   - duration, frame count, size (input × 2) and every frame's timestamp (the gap kept);
 *   - the audio stream present and equal to the input's: the same packet bytes
 *     (a pass-through) and the same decoded samples (hash of the PCM);
 *   - the RGBA frames handed to the encoder (first and last) equal, byte for
 *     byte, upscale() of the decoded frames the model got, computed in the
 *     same page on a second engine; and those decoded frames are the video's
 *     frames (close to ffmpeg's own decoding: YUV → RGB differs by a few levels);
 *   - cancelling mid-run leaves no output; an encoder the browser lacks (H.265
 *     here) is refused naming the ones it has; a file without video is refused.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectWebGPUAdapter, keepScreenshot, openPage, useBrowser, type OpenedPage } from './harness.js';

const FFMPEG = '/usr/bin/ffmpeg';
const FFPROBE = '/usr/bin/ffprobe';
const [W, H, FPS, SECONDS] = [47, 33, 12, 1.5];
/** Frames 5–7 are dropped from the source: a variable frame rate (a 0.33 s gap), which must survive. */
const FRAMES = FPS * SECONDS - 3;

/** The share of the clip's bytes a truncated copy keeps (its one cluster is cut: no complete frame is left). */
const CUT = 0.6;
/** The library's entry as the dev server serves it, imported inside the page. */
const LIB = '/src/index.ts';
type Lib = typeof import('../../src/index.js');

const h = useBrowser();
let dir = '';
let video = '';
let audioOnly = '';
let rotated = '';

const ff = (args: string[]): Buffer => execFileSync(FFMPEG, ['-v', 'error', '-y', ...args], { maxBuffer: 64 * 2 ** 20 });
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Probe {
  streams: {
    codec_type: string;
    codec_name: string;
    width?: number;
    height?: number;
    nb_read_frames?: string;
    sample_rate?: string;
    channels?: number;
  }[];
  format: { duration: string };
}
function probe(file: string): Probe {
  const out = execFileSync(FFPROBE, ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file]);
  return JSON.parse(out.toString()) as Probe;
}
/** The audio packets' payload bytes, concatenated (what a pass-through must keep). */
const audioPackets = (file: string): string => sha(ff(['-i', file, '-map', '0:a:0', '-c', 'copy', '-f', 'data', '-']));
/** The decoded audio samples (float32 PCM). */
const audioPcm = (file: string): Buffer => ff(['-i', file, '-map', '0:a:0', '-f', 'f32le', '-']);
/** The presentation timestamps (s) of a stream's packets, in order. */
const ptsList = (file: string, stream: 'v' | 'a'): number[] =>
  execFileSync(FFPROBE, ['-v', 'error', '-select_streams', stream, '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file])
    .toString()
    .trim()
    .split('\n')
    .map(Number)
    .sort((a, b) => a - b);
/** Frame `n` of a video as RGBA bytes, decoded by ffmpeg (by the file's colour tags: the output says full-range BT.709). */
const ffFrame = (file: string, n: number): Buffer =>
  ff(['-i', file, '-vf', `select=eq(n\\,${n})`, '-vsync', '0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-']);

/** Mean |ΔY| (BT.709 luma of RGBA bytes): chroma is upsampled differently by each decoder, luma is not. */
function meanAbsLuma(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 4) {
    const ya = 0.2126 * a[i] + 0.7152 * a[i + 1] + 0.0722 * a[i + 2];
    const yb = 0.2126 * b[i] + 0.7152 * b[i + 1] + 0.0722 * b[i + 2];
    sum += Math.abs(ya - yb);
  }
  return sum / (a.length / 4);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'video-file-page-'));
  video = join(dir, 'clip.webm');
  ff([
    ...['-f', 'lavfi', '-i', `testsrc=size=${W}x${H}:rate=${FPS}:duration=${SECONDS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SECONDS}`],
    ...['-vf', 'select=not(between(n\\,5\\,7))', '-fps_mode', 'vfr'],
    // Tagged BT.709 (what an HD video says it is), so that Chromium and ffmpeg pick the same matrix.
    ...['-c:v', 'libvpx-vp9', '-pix_fmt', 'yuv420p', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709'],
    ...['-color_range', 'tv', '-b:v', '400k', '-c:a', 'libopus', '-b:a', '48k', '-shortest', video],
  ]);
  audioOnly = join(dir, 'tone.webm');
  ff(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=0.5', '-c:a', 'libopus', audioOnly]);
  // H.264 + AAC in MP4, shown rotated 90° (display matrix): the most common kind of phone video.
  const plain = join(dir, 'plain.mp4');
  rotated = join(dir, 'phone.mp4');
  ff([
    ...['-f', 'lavfi', '-i', 'testsrc=size=32x18:rate=10:duration=0.5', '-f', 'lavfi', '-i', 'sine=frequency=660:duration=0.5'],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', plain],
  ]);
  ff(['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Frame {
  index: number;
  timestamp: number;
  input: { data: Record<string, number>; width: number; height: number };
  output: { data: Record<string, number>; width: number; height: number };
}
interface FileState {
  state: string;
  previews: number;
  progress: { done: number; total: number; fps: number; etaMs: number } | null;
  result: {
    frames: number;
    width: number;
    height: number;
    codec: string;
    container: string;
    audio: string[];
    size: number;
    fps: number;
  } | null;
  frames: { first: Frame | null; last: Frame | null } | null;
  error: string | null;
}

async function openVideoTab(): Promise<OpenedPage> {
  const p = await openPage(h, '/demo/index.html');
  await expectWebGPUAdapter(p.page);
  await p.page.waitForFunction(() => document.body.dataset.videoFile === 'idle', undefined, { timeout: 60_000 });
  await p.page.click('#mode-video');
  // The library as the dev server serves it, for the references computed in the page (a string: vitest would rewrite import()).
  await p.page.evaluate(`import(${JSON.stringify(LIB)}).then((m) => { window.__lib = m; })`);
  return p;
}

describe('upscaler page, video file → file (Worker, WebCodecs, mediabunny)', () => {
  it('upscales every frame ×2, keeps the audio packets, hands the encoder exactly upscale() of the decoded frames', async () => {
    const p = await openVideoTab();
    const { page } = p;
    await page.evaluate(() => (window.__videoFile!.record = true));
    await page.selectOption('#video-file-model', 'anime4k:cnn-2x-s-an');
    await page.setInputFiles('#video-file-in', video);
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.videoFile ?? ''), undefined, { timeout: 150_000 });
    const s = (await page.evaluate(() => {
      const d = window.__videoFile!;
      const plain = (f: unknown) => f && JSON.parse(JSON.stringify(f, (_k, v) => (v instanceof Uint8ClampedArray ? Array.from(v) : v)));
      return { ...d, frames: d.frames && { first: plain(d.frames.first), last: plain(d.frames.last) } };
    })) as unknown as FileState;
    expect(s.error).toBeNull();
    expect(s.state).toBe('done');
    expect(s.result).toMatchObject({ frames: FRAMES, width: 2 * W, height: 2 * H, container: 'webm', codec: 'vp9', audio: ['opus'] });
    expect(s.progress).toMatchObject({ done: FRAMES, total: FRAMES });
    expect(s.previews).toBeGreaterThanOrEqual(1);
    expect(await page.textContent('#video-file-stats')).toContain(`${FRAMES} / ${FRAMES}`);
    await keepScreenshot(page, 'upscaler-video-file');

    // The download: what a user gets.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#video-file-download')]);
    const out = join(dir, download.suggestedFilename());
    await download.saveAs(out);
    expect(out).toMatch(/\.webm$/);
    expect(statSync(out).size).toBe(s.result!.size);
    const pin = probe(video);
    const pout = probe(out);
    const v = pout.streams.find((x) => x.codec_type === 'video')!;
    expect(v).toMatchObject({ codec_name: 'vp9', width: 2 * W, height: 2 * H });
    expect(Number(v.nb_read_frames)).toBe(FRAMES);
    expect(Math.abs(Number(pout.format.duration) - Number(pin.format.duration))).toBeLessThan(0.1);
    const aIn = pin.streams.find((x) => x.codec_type === 'audio')!;
    const aOut = pout.streams.find((x) => x.codec_type === 'audio');
    expect(aOut).toMatchObject({ codec_name: aIn.codec_name, sample_rate: aIn.sample_rate, channels: aIn.channels });
    expect(audioPackets(out)).toBe(audioPackets(video));
    // Decoded: every sample of the input, in order, from the first; mediabunny (1.61) does not carry Matroska's
    // DiscardPadding, so the last Opus packet's encoder padding (at most one 20 ms packet) follows them.
    const [pcmIn, pcmOut] = [audioPcm(video), audioPcm(out)];
    expect(sha(pcmOut.subarray(0, pcmIn.length))).toBe(sha(pcmIn));
    expect(pcmOut.length - pcmIn.length).toBeLessThanOrEqual(960 * 4);
    // Same timing: the video's frames keep their timestamps (ffprobe), the audio its start.
    expect(ptsList(out, 'v')).toEqual(ptsList(video, 'v'));
    expect(ptsList(out, 'a')[0]).toBeCloseTo(ptsList(video, 'a')[0] + 0.007, 2);

    // The frames the encoder got == upscale() of the frames the model got, on a second engine in the same page.
    const { first, last } = s.frames!;
    expect(first!.index).toBe(0);
    expect(last!.index).toBe(FRAMES - 1);
    const check = await page.evaluate(
      async ([, frames]) => {
        const lib = (window as unknown as { __lib: Lib }).__lib;
        const engine = await lib.createEngine();
        const json = await (await fetch(new URL('models/anime4k/cnn-2x-s-an.json', document.baseURI))).json();
        const model = lib.loadAnime4k(engine, json);
        const out = [];
        for (const f of frames) {
          const input = { data: Uint8ClampedArray.from(Object.values(f.input.data)), width: f.input.width, height: f.input.height };
          const want = await lib.upscale(engine, input, { model });
          const got = Object.values(f.output.data);
          let bad = 0;
          for (let i = 0; i < want.data.length; i++) if (want.data[i] !== got[i]) bad++;
          out.push({ bad, n: want.data.length, size: [want.width, want.height], got: [f.output.width, f.output.height] });
        }
        model.dispose();
        engine.destroy();
        return out;
      },
      [LIB, [first!, last!]] as const,
    );
    for (const c of check) expect(c).toEqual({ bad: 0, n: 4 * W * H * 4, size: [2 * W, 2 * H], got: [2 * W, 2 * H] });

    // What the model got is the video's frame: its luma within 3 levels of ffmpeg's decoding of that frame (2.4 here;
    // the next frame is 3.2 away), and what the file holds is what the encoder got, up to VP9's loss.
    for (const f of [first!, last!]) {
      expect(meanAbsLuma(Object.values(f.input.data), ffFrame(video, f.index))).toBeLessThan(3);
      expect(meanAbsLuma(Object.values(f.output.data), ffFrame(out, f.index))).toBeLessThan(3);
    }
    expect(p.errors).toEqual([]);
    await page.close();
  });

  it('cancel mid-run: no file; a rotated H.264 + AAC MP4: rotation and audio kept; H.265 without an encoder, a file without video and a truncated one refused by name', async () => {
    const p = await openVideoTab();
    const { page } = p;
    await page.selectOption('#video-file-model', 'anime4k:cnn-2x-s-an');
    await page.setInputFiles('#video-file-in', video);
    await page.waitForFunction(() => (window.__videoFile?.progress?.done ?? 0) >= 1, undefined, { timeout: 120_000 });
    await page.click('#video-file-cancel');
    await page.waitForFunction(() => ['cancelled', 'done', 'error'].includes(document.body.dataset.videoFile ?? ''), undefined, {
      timeout: 60_000,
    });
    const s = (await page.evaluate(() => window.__videoFile)) as unknown as FileState;
    expect(s.state).toBe('cancelled');
    expect(s.result).toBeNull();
    expect(s.progress!.done).toBeLessThan(FRAMES);
    expect(await page.isHidden('#video-file-download')).toBe(true);
    expect(await page.textContent('#video-file-note')).toContain('Cancelled');

    // A phone video on the same page: MP4 out, H.264 (the first encoder for MP4), the AAC packets and samples, the rotation.
    await page.setInputFiles('#video-file-in', rotated);
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.videoFile ?? ''), undefined, { timeout: 120_000 });
    const r = (await page.evaluate(() => window.__videoFile)) as unknown as FileState;
    expect(r.error).toBeNull();
    expect(r.result).toMatchObject({ frames: 5, width: 64, height: 36, container: 'mp4', codec: 'avc', audio: ['aac'] });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#video-file-download')]);
    const phone = join(dir, download.suggestedFilename());
    await download.saveAs(phone);
    const streams = execFileSync(FFPROBE, ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', phone]).toString();
    const v = (JSON.parse(streams) as Probe).streams.find((x) => x.codec_type === 'video') as Probe['streams'][number] & {
      side_data_list?: { rotation?: number }[];
    };
    expect(v).toMatchObject({ codec_name: 'h264', width: 64, height: 36, nb_read_frames: '5' });
    expect(v.side_data_list?.find((d) => d.rotation !== undefined)?.rotation).toBe(90);
    expect(audioPackets(phone)).toBe(audioPackets(rotated));
    expect(sha(audioPcm(phone))).toBe(sha(audioPcm(rotated)));

    // The library in the page: a codec without an encoder here, and a file with audio only.
    const refusals = await page.evaluate(
      async ([, clip, tone, cut]) => {
        const lib = (window as unknown as { __lib: Lib }).__lib;
        const engine = await lib.createEngine();
        const json = await (await fetch(new URL('models/anime4k/cnn-2x-s-an.json', document.baseURI))).json();
        const model = lib.loadAnime4k(engine, json);
        const file = async (b64: string, name: string) => new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name);
        const why = (p: Promise<unknown>) =>
          p.then(
            () => 'resolved',
            (e: Error) => `${e.name}: ${e.message}`,
          );
        const hevc = await why(lib.upscaleVideo(engine, await file(clip, 'clip.webm'), { model, codec: 'hevc', container: 'mp4' }));
        const noVideo = await why(lib.upscaleVideo(engine, await file(tone, 'tone.webm'), { model }));
        const truncated = await why(lib.upscaleVideo(engine, await file(cut, 'cut.webm'), { model }));
        const support = await lib.videoEncoderSupport(94, 66);
        model.dispose();
        engine.destroy();
        return { hevc, noVideo, truncated, support: support.map((x) => [x.codec, x.supported]) };
      },
      [
        LIB,
        readFileSync(video).toString('base64'),
        readFileSync(audioOnly).toString('base64'),
        readFileSync(video)
          .subarray(0, Math.round(readFileSync(video).length * CUT))
          .toString('base64'),
      ] as const,
    );
    expect(refusals.hevc).toMatch(
      /^VideoError: clip\.webm: this browser has no H\.265 encoder for 94×66; this browser encodes H\.264 \('avc'\)/,
    );
    expect(refusals.truncated).toMatch(/^VideoError: cut\.webm: (its video track holds no frame|it says it lasts)/);
    expect(refusals.noVideo).toBe('VideoError: tone.webm: the file has no video track');
    expect(Object.fromEntries(refusals.support)).toEqual({ avc: true, hevc: false, vp9: true, av1: true, vp8: true });
    expect(p.errors).toEqual([]);
    await page.close();
  });
});
