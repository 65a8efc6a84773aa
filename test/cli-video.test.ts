/**
 * Video files through the CLI, end to end with the real ffmpeg: a small
 * variable-frame-rate H.264 + AAC clip of odd size (33×19, rotated, BT.709
 * tags) in, ×2 out with the CPU backend and the default model. Checked: frame
 * count, size, every frame's timestamp, audio samples (hash of the decoded
 * PCM), rotation and colour tags, and that the frames handed to the encoder
 * are exactly upscale() of the decoded frames; Ctrl-C leaves no output and
 * --resume finishes with the same bytes as an uninterrupted run; an animated
 * GIF comes out animated; each bad input is refused by name with nothing
 * written.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCliModel } from '../bin/cli-model.js';
import { CLI_WINOGRAD } from '../bin/node-engine.js';
import { parseVideoCli } from '../bin/video-args.js';
import { createEngine } from '../src/engine.js';
import { buildModel } from '../src/model/graph.js';
import { webgpuRunner } from '../src/upscale/runner.js';
import { createCpuUpscaler, loadOnnxRuntimeNode } from '../src/upscale/ort-node.js';
import { nutFrameHeader, nutHeader } from '../src/video/ffmpeg/nut.js';
import { checkFreeSpace, decodeFrames, findFfmpeg, frameUpscaler, probeVideo, VideoFileError } from '../src/video/ffmpeg/index.js';
import { buildCli, ROOT, runCli } from './helpers/cli.js';
import {
  audioHash,
  makeAudioOnly,
  makeTestGif,
  makeTestVideo,
  makeTestWebp,
  probeStreams,
  requireFfmpeg,
  videoPts,
} from './helpers/video.js';

let dir: string;
let cli: string;
let input: string;
/** The output of one uninterrupted run (test 1), which the resumed run must equal byte for byte. */
let reference: string;
const ARGS = ['--backend', 'cpu', '--segment-seconds', '0.1', '--quiet'];

beforeAll(async () => {
  requireFfmpeg();
  dir = mkdtempSync(join(tmpdir(), 'cli-video-'));
  input = join(dir, 'in.mp4');
  // 17 frames at 10 fps with 3 dropped (variable frame rate), a keyframe every 3 frames, audio, rotated.
  makeTestVideo(input, { drop: [3, 7, 8], gop: 3, rotate: 90 });
  cli = await buildCli(join(ROOT, 'test-artifacts', 'cli-video'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Files left in `dir` that belong to `output` (the output itself, temporaries, work folders). */
function leftovers(output: string): string[] {
  const base = output.split('/').pop()!;
  return readdirSync(dir).filter((n) => n.startsWith(base) || n.startsWith(`.${base}`));
}

describe('a video file through the CLI', () => {
  it('every frame upscaled as upscale() does it; timestamps, audio, rotation and colour kept', async () => {
    reference = join(dir, 'out.mp4');
    const dump = join(dir, 'dump');
    const r = await runCli(cli, [input, reference, ...ARGS, '--dump-frames', dump]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const [inV, inA] = ['video', 'audio'].map((t) => probeStreams(input).find((s) => s.codec_type === t)!);
    const out = probeStreams(reference);
    const v = out.find((s) => s.codec_type === 'video')!;
    const a = out.find((s) => s.codec_type === 'audio')!;
    expect([v.codec_name, v.width, v.height, Number(v.nb_frames)]).toEqual(['h264', 66, 38, 17]);
    expect(v.time_base).toBe(inV.time_base);
    // Variable frame rate: every frame keeps its own timestamp (the dropped frames' gaps stay).
    expect(videoPts(reference)).toEqual(videoPts(input));
    expect(Math.abs(Number(v.duration) - Number(inV.duration))).toBeLessThan(0.1);
    expect(a.codec_name).toBe(inA.codec_name);
    expect(audioHash(reference)).toBe(audioHash(input));
    expect(v.side_data_list?.find((d) => d.rotation !== undefined)?.rotation).toBe(90);
    expect([v.color_space, v.color_primaries]).toEqual(['bt709', 'bt709']);
    expect(leftovers(reference)).toEqual(['out.mp4']);

    // The frames handed to the encoder = upscale() of the same decoded frames, exactly.
    const bins = findFfmpeg();
    const probe = await probeVideo(bins, input);
    const { description } = resolveCliModel({ model: 'default-model', modelsDirs: [] });
    const runner = await createCpuUpscaler(description, undefined, { ort: await loadOnnxRuntimeNode() });
    try {
      const up = frameUpscaler(runner, { scale: 2 });
      const dumped = readdirSync(dump).sort();
      expect(dumped.length).toBe(17);
      let i = 0;
      for await (const frame of decodeFrames(bins, probe)) {
        const img = await up({ width: frame.width, height: frame.height, data: new Uint8ClampedArray(frame.data) });
        const rgb = Buffer.alloc(img.width * img.height * 3);
        for (let p = 0; p < img.width * img.height; p++) img.data.subarray(p * 4, p * 4 + 3).forEach((x, c) => (rgb[p * 3 + c] = x));
        expect(dumped[i]).toBe(`${String(frame.pts).padStart(12, '0')}.rgb`);
        expect(readFileSync(join(dump, dumped[i])).equals(rgb), `frame ${i} (pts ${frame.pts})`).toBe(true);
        i++;
      }
      expect(i).toBe(17);
    } finally {
      await runner.dispose();
    }
  });

  it('--backend webgpu: the frames run on the engine (SwiftShader here), each exactly upscale() on an engine with the CLI settings', async () => {
    const small = join(dir, 'small.mp4');
    makeTestVideo(small, { width: 17, height: 11, seconds: 0.5, gop: 5 });
    const output = join(dir, 'gpu.mp4');
    const dump = join(dir, 'dump-gpu');
    // --winograd off (the image commands' flag): tiled == untiled bit for bit, and the frames equal an engine with winograd 'off'.
    const r = await runCli(cli, [
      small,
      output,
      '--backend',
      'webgpu',
      '--winograd',
      'off',
      '--segment-seconds',
      '0.2',
      '--quiet',
      '--dump-frames',
      dump,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const v = probeStreams(output).find((s) => s.codec_type === 'video')!;
    expect([v.width, v.height, Number(v.nb_frames)]).toEqual([34, 22, 5]);
    expect(videoPts(output)).toEqual(videoPts(small));

    const engine = await createEngine({ winograd: 'off' });
    const { description: d } = resolveCliModel({ model: 'default-model', modelsDirs: [] });
    const model = buildModel(engine, d.graph, { name: d.name, inputRange: d.inputRange, outputRange: d.outputRange });
    try {
      const up = frameUpscaler(webgpuRunner(engine, model), { scale: 2 });
      const bins = findFfmpeg();
      const dumped = readdirSync(dump).sort();
      let i = 0;
      for await (const frame of decodeFrames(bins, await probeVideo(bins, small))) {
        const img = await up({ width: frame.width, height: frame.height, data: new Uint8ClampedArray(frame.data) });
        const rgb = Buffer.alloc(img.width * img.height * 3);
        for (let p = 0; p < img.width * img.height; p++) img.data.subarray(p * 4, p * 4 + 3).forEach((x, c) => (rgb[p * 3 + c] = x));
        expect(readFileSync(join(dump, dumped[i])).equals(rgb), `frame ${i}`).toBe(true);
        i++;
      }
      expect(i).toBe(5);
    } finally {
      model.dispose();
      engine.destroy();
    }
  });

  it('--winograd is parsed and checked as for images', async () => {
    const small = join(dir, 'args.mp4');
    makeTestVideo(small, { width: 8, height: 8, seconds: 0.2, gop: 5 });
    const out = join(dir, 'args-out.mp4');
    expect((await parseVideoCli([small, out]))?.winograd).toBe(CLI_WINOGRAD);
    expect((await parseVideoCli([small, out, '--winograd', 'f43']))?.winograd).toBe('f43');
    await expect(parseVideoCli([small, out, '--winograd', 'f64'])).rejects.toThrow(/--winograd f64 is not one of .*\(did you mean f63\?\)/);
  });

  it('Ctrl-C mid-run leaves no output; --resume finishes it, byte for byte the uninterrupted run', async () => {
    const output = join(dir, 'resumed.mp4');
    const child = spawn(process.execPath, [cli, input, output, '--backend', 'cpu', '--segment-seconds', '0.1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        // Interrupt once a segment or two are finished.
        if (/segment [2-5]\/6/.test(stderr)) resolve();
      });
      void exited.then(() => resolve());
    });
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/cancelled; .*resumed\.mp4 was not written/);
    expect(existsSync(output)).toBe(false);
    expect(leftovers(output)).toEqual(['resumed.mp4.parts']); // finished segments and the manifest only
    const manifest = JSON.parse(readFileSync(join(`${output}.parts`, 'manifest.json'), 'utf8')) as { done: Record<string, number> };
    const done = Object.keys(manifest.done).length;
    expect(done).toBeGreaterThan(0);
    expect(readdirSync(`${output}.parts`).filter((n) => n.includes('.tmp')).length).toBe(0);

    // Without --resume the finished segments are not thrown away: the run refuses and says how to go on.
    const again = await runCli(cli, [input, output, '--backend', 'cpu', '--segment-seconds', '0.1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`resumed.mp4.parts/ holds ${done} finished segment(s) of an earlier run: add --resume`);
    const r = await runCli(cli, [input, output, '--backend', 'cpu', '--segment-seconds', '0.1', '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`resuming: ${done} of 6 segments already done`);
    expect(readFileSync(output).equals(readFileSync(reference))).toBe(true);
    expect(leftovers(output)).toEqual(['resumed.mp4']);
  });

  it('an animated GIF comes out animated, every frame ×2', async () => {
    const gif = join(dir, 'anim.gif');
    makeTestGif(gif);
    const output = join(dir, 'anim-x2.gif');
    const r = await runCli(cli, [gif, output, ...ARGS]);
    expect(r.code, r.stderr).toBe(0);
    const [v] = probeStreams(output);
    expect([v.codec_name, v.width, v.height]).toEqual(['gif', 42, 26]);
    expect(videoPts(output)).toEqual(videoPts(gif));
  });

  it('an animated WebP (which ffmpeg cannot decode: sharp reads it) comes out animated', async () => {
    const webp = join(dir, 'anim.webp');
    makeTestWebp(webp);
    const output = join(dir, 'anim-x2.webp');
    const r = await runCli(cli, [webp, output, ...ARGS]);
    expect(r.code, r.stderr).toBe(0);
    const sharp = (await import('sharp')).default;
    const [a, b] = await Promise.all([sharp(webp).metadata(), sharp(output).metadata()]);
    expect([b.width, b.height, b.pages, b.delay]).toEqual([a.width! * 2, a.height! * 2, a.pages, a.delay]);
  });
});

describe('bad video input: a message naming the file, exit 1, nothing written', () => {
  async function refused(file: string, pattern: RegExp, extra: string[] = []): Promise<void> {
    const output = join(dir, 'refused.mp4');
    const r = await runCli(cli, [file, output, ...ARGS, ...extra]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(leftovers(output)).toEqual([]);
  }

  it('a truncated file (index lost, and data cut after the index)', async () => {
    const whole = readFileSync(input);
    const cut = join(dir, 'cut.mp4');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    await refused(cut, /truncated/);
    const fast = join(dir, 'fast.mp4');
    makeTestVideo(fast, { gop: 3 });
    const { execFileSync } = await import('node:child_process');
    const faststart = join(dir, 'faststart.mp4');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', fast, '-c', 'copy', '-movflags', '+faststart', faststart]);
    const data = readFileSync(faststart);
    const cut2 = join(dir, 'cut-after-index.mp4');
    writeFileSync(cut2, data.subarray(0, Math.floor(data.length * 0.6)));
    await refused(cut2, /truncated or damaged/);
  });

  it('no video stream', async () => {
    const audio = join(dir, 'sound.mp4');
    makeAudioOnly(audio);
    await refused(audio, /has no video stream \(only audio\)/);
  });

  it('a codec ffmpeg cannot decode', async () => {
    const mkv = join(dir, 'k.mkv');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', input, '-c', 'copy', '-an', mkv]);
    const bytes = readFileSync(mkv);
    const at = bytes.indexOf('V_MPEG4/ISO/AVC');
    expect(at).toBeGreaterThan(0);
    bytes.write('V_MPEG4/ISO/ZZZ', at, 'latin1');
    const bad = join(dir, 'unknown-codec.mkv');
    writeFileSync(bad, bytes);
    await refused(bad, /not one this ffmpeg can decode/);
  });

  it('an absurd resolution, before any work', async () => {
    const huge = join(dir, 'huge.nut');
    writeFileSync(
      huge,
      Buffer.concat([nutHeader({ width: 16000, height: 16000, channels: 3, timeBase: [1, 25] }), nutFrameHeader(0, 16), Buffer.alloc(16)]),
    );
    await refused(huge, /16000×16000 = 256000000 pixels are over the limit of 67108864/);
  });

  it('no ffmpeg where --ffmpeg says', async () => {
    const r = await runCli(cli, [input, join(dir, 'x.mp4'), ...ARGS, '--ffmpeg', join(dir, 'no', 'ffmpeg')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--ffmpeg .*no such file/);
    expect(leftovers(join(dir, 'x.mp4'))).toEqual([]);
  });

  it('a 10-hour file on a disk too small for its estimated output', async () => {
    const probe = { file: join(dir, 'ten-hours.mp4'), bitRate: 50e6, duration: 36000, size: 225e9 };
    expect(() => checkFreeSpace(probe, 4, dir)).toThrow(VideoFileError);
    expect(() => checkFreeSpace(probe, 4, dir)).toThrow(/ten-hours\.mp4: not enough free disk space .* 50000 kb\/s × 36000\.0 s × 4²/);
    // The same check passes for the real clip.
    const real = await probeVideo(findFfmpeg(), input);
    expect(checkFreeSpace(real, 2, dir).bytes).toBeGreaterThan(0);
  });
});
