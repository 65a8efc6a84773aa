/**
 * createVideoUpscaler in headless Chromium (WebGPU on SwiftShader), with
 * synthetic VideoFrame sources: every frame it shows must equal upscale() of
 * the same RGBA bytes, byte for byte (same model, same tiles, same rounding),
 * on the 2D fallback, on a 'webgpu' canvas context (a texture-backed stub:
 * SwiftShader cannot present a real one headless) and in a Worker on an
 * OffscreenCanvas. Frames are dropped, not queued, when they arrive faster
 * than the GPU upscales them; the last frame is always shown.
 *
 * The model is Anime4K cnn-2x-s (×2), frames are small (SwiftShader is a CPU).
 */
import { describe, expect, it } from 'vitest';
import { expectWebGPUAdapter, openPage, useBrowser, type OpenedPage } from './harness.js';

const h = useBrowser();

/** Opens a page with the library and the kit on window.__m / window.__kit. */
async function kitPage(): Promise<OpenedPage> {
  const opened = await openPage(h, '/demo/index.html?method=engine:conv-transpose&image=sample');
  await expectWebGPUAdapter(opened.page);
  await opened.page.evaluate(async () => {
    // Through Function: vitest would rewrite a literal import() in this (serialized) callback.
    const load = new Function('p', 'return import(p)') as (p: string) => Promise<unknown>;
    Object.assign(window, { __m: await load('/src/index.ts'), __kit: await load('/test/browser/video-kit.ts') });
  });
  return opened;
}

describe('createVideoUpscaler', () => {
  it('stream, every frame (dropFrames: false), 2D fallback: each shown frame == upscale() of its bytes; no tensor left', async () => {
    const { page, errors } = await kitPage();
    const r = await page.evaluate(async () => {
      const { __m: m, __kit: kit } = window as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      const [W, H, n] = [20, 12, 4];
      const engine = await m.createEngine();
      const model = await kit.anime4kS(engine);
      const refs: Uint8ClampedArray[] = [];
      for (let t = 0; t < n; t++) refs.push(await kit.reference(engine, model, W, H, t));
      const base = engine.stats().liveTensors;
      const canvas = document.createElement('canvas');
      const shown: { index: number; t: number; bad: number; size: number[] }[] = [];
      const up = m.createVideoUpscaler({
        engine,
        model,
        source: kit.frameStream(W, H, n),
        canvas,
        dropFrames: false,
        onFrame: (f: { index: number; timestamp: number; width: number; height: number }) =>
          shown.push({
            index: f.index,
            t: f.timestamp / 1000,
            bad: kit.diff(kit.canvasBytes(canvas), refs[f.timestamp / 1000]).bad,
            size: [f.width, f.height],
          }),
      });
      const during = up.stats();
      const stats = await up.done;
      const again = await up.stop();
      const live = engine.stats().liveTensors - base;
      engine.destroy();
      return { shown, stats, again, during, live, canvas: [canvas.width, canvas.height] };
    });
    expect(r.during.running).toBe(true);
    expect(r.shown).toEqual([0, 1, 2, 3].map((t) => ({ index: t, t, bad: 0, size: [40, 24] })));
    expect(r.stats).toMatchObject({ frames: 4, dropped: 0, path: '2d', input: [20, 12], output: [40, 24], running: false });
    // One tile per frame: one submit (crop, network, store and the readback copy) and one wait (the readback).
    expect(r.stats).toMatchObject({ submits: 4, waits: 4, lastFrame: { submits: 1, waits: 1, tiles: 1 } });
    expect(r.stats.frameMs).toBeGreaterThan(0);
    expect(r.again).toEqual(r.stats);
    expect(r.canvas).toEqual([40, 24]);
    expect(r.live).toBe(0);
    expect(errors).toEqual([]);
  });

  it('frames arriving faster than the GPU are dropped, never queued; shown + dropped = sent; the last frame is shown', async () => {
    const { page, errors } = await kitPage();
    const r = await page.evaluate(async () => {
      const { __m: m, __kit: kit } = window as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      const [W, H, n] = [24, 16, 10];
      const engine = await m.createEngine();
      const model = await kit.anime4kS(engine);
      const last = await kit.reference(engine, model, W, H, n - 1);
      // A push source: all n frames are written as fast as the stream takes them (a camera that outruns the GPU).
      const { readable, writable } = new TransformStream<VideoFrame, VideoFrame>(undefined, { highWaterMark: n });
      const writer = writable.getWriter();
      for (let t = 0; t < n; t++) void writer.write(new VideoFrame(kit.frameCanvas(W, H, t), { timestamp: 1000 * t }));
      void writer.close();
      const canvas = document.createElement('canvas');
      const order: number[] = [];
      const up = m.createVideoUpscaler({
        engine,
        model,
        source: readable,
        canvas,
        onFrame: (f: { timestamp: number }) => order.push(f.timestamp / 1000),
      });
      const stats = await up.done;
      const bad = kit.diff(kit.canvasBytes(canvas), last).bad;
      engine.destroy();
      return { stats, order, bad };
    });
    expect(r.stats.frames + r.stats.dropped).toBe(10);
    // Each upscaled frame takes milliseconds on SwiftShader while the other frames are already in the stream.
    expect(r.stats.dropped).toBeGreaterThan(0);
    expect(r.order.at(-1)).toBe(9);
    expect([...r.order].sort((a, b) => a - b)).toEqual(r.order);
    expect(r.bad).toBe(0);
    expect(errors).toEqual([]);
  });

  it("mode 'webgpu': the store pass writes the canvas's current texture itself (STORAGE_BINDING; bgra8unorm where preferred and storable), one submit and no wait per frame, equal to upscale()", async () => {
    const { page, errors } = await kitPage();
    const r = await page.evaluate(async () => {
      const { __m: m, __kit: kit } = window as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      const [W, H, n] = [17, 11, 2];
      const engine = await m.createEngine();
      const model = await kit.anime4kS(engine);
      const refs: Uint8ClampedArray[] = [];
      for (let t = 0; t < n; t++) refs.push(await kit.reference(engine, model, W, H, t));
      const stub = kit.stubWebgpuCanvas(engine.device);
      const bad: number[] = [];
      const checks: Promise<void>[] = [];
      const up = m.createVideoUpscaler({
        engine,
        model,
        source: kit.frameStream(W, H, n),
        canvas: stub.canvas,
        mode: 'webgpu',
        dropFrames: false,
        onFrame: (f: { timestamp: number }) => {
          const bgra = stub.configured.at(-1).format === 'bgra8unorm';
          const rgba = (b: Uint8Array) => (bgra ? b.map((v, i) => (i % 4 === 0 ? b[i + 2] : i % 4 === 2 ? b[i - 2] : v)) : b);
          checks.push(stub.read().then((got: Uint8Array) => void bad.push(kit.diff(rgba(got), refs[f.timestamp / 1000]).bad)));
        },
      });
      const stats = await up.done;
      await Promise.all(checks);
      const configured = stub.configured.map((c: GPUCanvasConfiguration) => ({ format: c.format, usage: c.usage, alphaMode: c.alphaMode }));
      const storable = navigator.gpu.getPreferredCanvasFormat() === 'bgra8unorm' && engine.device.features.has('bgra8unorm-storage');
      engine.destroy();
      return { stats, bad, configured, format: storable ? 'bgra8unorm' : 'rgba8unorm' };
    });
    expect(r.stats).toMatchObject({
      frames: 2,
      dropped: 0,
      path: 'webgpu',
      output: [34, 22],
      lastFrame: { submits: 1, waits: 0, tiles: 1 },
    });
    expect(r.bad).toEqual([0, 0]);
    expect(r.configured).toEqual([{ format: r.format, usage: 0x08, alphaMode: 'opaque' }]);
    expect(errors).toEqual([]);
  });

  it('a camera-like MediaStreamTrack (canvas.captureStream) and a <video> playing it: frames flow until stop()', async () => {
    const { page, errors } = await kitPage();
    const r = await page.evaluate(async () => {
      const { __m: m, __kit: kit } = window as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      const [W, H] = [32, 16];
      const engine = await m.createEngine();
      const model = await kit.anime4kS(engine);
      const want = await kit.reference(engine, model, W, H, 0);
      const src = document.createElement('canvas');
      [src.width, src.height] = [W, H];
      const ctx = src.getContext('2d')!;
      const paint = (): void => ctx.putImageData(new ImageData(kit.frameBytes(W, H, 0), W, H), 0, 0);
      paint();
      const timer = setInterval(paint, 30); // captureStream emits a frame when the canvas is drawn
      const [track] = src.captureStream(30).getVideoTracks();
      /** Runs one source until 3 frames are shown (or 20 s pass), then stops; returns stats and the mean difference to upscale(). */
      const run = async (source: unknown) => {
        const canvas = document.createElement('canvas');
        let resolve!: () => void;
        const three = new Promise<void>((r) => (resolve = r));
        const up = m.createVideoUpscaler({ engine, model, source, canvas, onFrame: (f: { index: number }) => f.index === 2 && resolve() });
        await Promise.race([three, new Promise((r) => setTimeout(r, 20_000))]);
        const stats = await up.stop();
        const got = kit.canvasBytes(canvas);
        let sum = 0;
        for (let i = 0; i < got.length; i++) sum += Math.abs(got[i] - want[i]);
        return { stats, meanDiff: sum / got.length, size: [canvas.width, canvas.height] };
      };
      const fromTrack = await run(track);
      const video = document.createElement('video');
      video.muted = true;
      video.srcObject = new MediaStream([track]);
      await video.play();
      const fromVideo = await run(video);
      clearInterval(timer);
      track.stop();
      engine.destroy();
      return { fromTrack, fromVideo };
    });
    for (const s of [r.fromTrack, r.fromVideo]) {
      expect(s.stats.frames).toBeGreaterThanOrEqual(3);
      expect(s.stats.running).toBe(false);
      expect(s.size).toEqual([64, 32]);
      // The stream carries the canvas as YUV 4:2:0, so the frame is the picture up to chroma rounding, not byte-exact.
      expect(s.meanDiff).toBeLessThan(6);
    }
    expect(errors).toEqual([]);
  });

  it('in a Worker: OffscreenCanvas + a transferred VideoFrame stream, each frame == upscale()', async () => {
    const { page, errors } = await kitPage();
    const r = await page.evaluate(async () => {
      const { __kit: kit } = window as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      const [W, H, n] = [16, 12, 3];
      const worker = new Worker('/test/browser/video-worker.ts', { type: 'module' });
      const canvas = document.createElement('canvas').transferControlToOffscreen();
      const stream = kit.frameStream(W, H, n);
      const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
      });
      worker.postMessage({ stream, canvas, W, H, n }, [stream, canvas]);
      const out = await reply;
      worker.terminate();
      return out;
    });
    expect(r.error).toBeUndefined();
    expect(r.hasDocument).toBe(false);
    expect(r.shown).toEqual([0, 1, 2].map((t) => ({ t, bad: 0 })));
    expect(r.stats).toMatchObject({ frames: 3, dropped: 0, path: '2d', output: [32, 24] });
    expect(r.live).toBe(0);
    expect(r.size).toEqual([32, 24]);
    expect(errors).toEqual([]);
  });

  it('errors: bad source, unknown option, audio track are refused by name; a failing frame rejects done and frees every frame; abort stops', async () => {
    const { page } = await kitPage();
    const r = await page.evaluate(async () => {
      const { __m: m, __kit: kit } = window as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      const engine = await m.createEngine();
      const model = await kit.anime4kS(engine);
      const canvas = document.createElement('canvas');
      const refused = (f: () => unknown): string => {
        try {
          f();
          return 'accepted';
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
      };
      const audio = new AudioContext().createMediaStreamDestination().stream.getAudioTracks()[0];
      const out = {
        badSource: refused(() => m.createVideoUpscaler({ engine, model, canvas, source: new Blob([]) })),
        unknownOption: refused(() => m.createVideoUpscaler({ engine, model, canvas, source: kit.frameStream(4, 4, 1), fps: 30 })),
        audio: refused(() => m.createVideoUpscaler({ engine, model, canvas, source: audio })),
        badMode: refused(() => m.createVideoUpscaler({ engine, model, canvas, source: kit.frameStream(4, 4, 1), mode: 'gl' })),
      };
      // A model that fails on its second frame: done rejects with its error; every frame the stream made is closed.
      const made: VideoFrame[] = [];
      let t = 0;
      const stream = new ReadableStream<VideoFrame>(
        {
          pull(c) {
            if (t === 5) return c.close();
            const f = new VideoFrame(kit.frameCanvas(8, 8, t), { timestamp: 1000 * t++ });
            made.push(f);
            c.enqueue(f);
          },
        },
        { highWaterMark: 0 },
      );
      let calls = 0;
      const failing = {
        ...model,
        run: (x: unknown) =>
          ++calls === 2
            ? (() => {
                throw new Error('model broke');
              })()
            : model.run(x),
      };
      await kit.reference(engine, model, 8, 8, 0); // the engine keeps packed weights per model once run: count from here
      const base = engine.stats().liveTensors;
      const up = m.createVideoUpscaler({ engine, model: failing, canvas, source: stream, dropFrames: false });
      const rejected = await up.done.then(
        () => 'resolved',
        (e: Error) => e.message,
      );
      await new Promise((r) => setTimeout(r, 50));
      const openFrames = made.filter((f) => f.format !== null).length;
      const live = engine.stats().liveTensors - base;
      // Abort: done resolves with running false; frames stop.
      const ac = new AbortController();
      const up2 = m.createVideoUpscaler({ engine, model, canvas, source: kit.frameStream(8, 8, 1000), signal: ac.signal });
      await new Promise((r) => setTimeout(r, 200));
      ac.abort();
      const aborted = await up2.done;
      const after = up2.stats().frames;
      await new Promise((r) => setTimeout(r, 200));
      engine.destroy();
      return { ...out, rejected, openFrames, live, aborted, later: up2.stats().frames - after };
    });
    expect(r.badSource).toMatch(
      /^ArgumentError: createVideoUpscaler: source must be an HTMLVideoElement, a MediaStreamTrack, or a ReadableStream .* got Blob$/,
    );
    expect(r.unknownOption).toMatch(/^ArgumentError: createVideoUpscaler: unknown option 'fps'/);
    expect(r.audio).toMatch(/^ArgumentError: createVideoUpscaler: the MediaStreamTrack is 'audio', not 'video'$/);
    expect(r.badMode).toMatch(/^ArgumentError: createVideoUpscaler: mode 'gl' must be 'webgpu', '2d' or 'auto'$/);
    expect(r.rejected).toBe('model broke');
    expect(r.openFrames).toBe(0);
    expect(r.live).toBe(0);
    expect(r.aborted.running).toBe(false);
    expect(r.later).toBe(0);
  });
});
