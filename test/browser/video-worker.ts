/**
 * A module Worker for test/browser/video-upscaler.test.ts: createVideoUpscaler
 * in a Worker, on a transferred OffscreenCanvas, reading a transferred
 * ReadableStream of VideoFrames. Every shown frame is compared with upscale()
 * of the same bytes; the result is posted back.
 */
import { createEngine, createVideoUpscaler } from '../../src/index.js';
import { anime4kS, canvasBytes, diff, reference } from './video-kit.js';

interface Job {
  stream: ReadableStream<VideoFrame>;
  canvas: OffscreenCanvas;
  W: number;
  H: number;
  n: number;
}

self.onmessage = async (e: MessageEvent<Job>) => {
  const { stream, canvas, W, H, n } = e.data;
  try {
    const engine = await createEngine();
    const model = await anime4kS(engine);
    const refs: Uint8ClampedArray[] = [];
    for (let t = 0; t < n; t++) refs.push(await reference(engine, model, W, H, t));
    const base = engine.stats().liveTensors;
    const shown: { t: number; bad: number }[] = [];
    const up = createVideoUpscaler({
      engine,
      model,
      source: stream,
      canvas,
      dropFrames: false,
      onFrame: (f) => {
        const t = f.timestamp / 1000;
        shown.push({ t, bad: diff(canvasBytes(canvas), refs[t]).bad });
      },
    });
    const stats = await up.done;
    const live = engine.stats().liveTensors - base;
    model.dispose();
    engine.destroy();
    self.postMessage({ ok: true, stats, shown, live, size: [canvas.width, canvas.height], hasDocument: typeof document !== 'undefined' });
  } catch (err) {
    self.postMessage({ ok: false, error: `${(err as Error).name}: ${(err as Error).message}` });
  }
};
