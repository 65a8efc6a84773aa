/**
 * Interop in headless Chromium (WebGPU on SwiftShader): ImageBitmap, canvas
 * and VideoFrame sources → fromImage equal the canvas's getImageData mapped
 * like readRegion; toCanvas 'auto' takes the 2D path on a software adapter and
 * the canvas's pixels equal writePlanesToRgba's rounding of the tensor.
 */
import { describe, expect, it } from 'vitest';
import { expectWebGPUAdapter, openPage, useBrowser } from './harness.js';

const h = useBrowser();

describe('interop in the browser', () => {
  it('fromImage(ImageBitmap | canvas | VideoFrame) == getImageData mapping; toCanvas auto → 2D == rounding', async () => {
    const { page } = await openPage(h, '/demo/index.html?method=engine:conv-transpose&image=sample');
    await expectWebGPUAdapter(page);
    const result = await page.evaluate(async () => {
      // Through Function: vitest would rewrite a literal import() in this (serialized) callback.
      const m = await (new Function('p', 'return import(p)') as (p: string) => Promise<any>)('/src/index.ts'); // eslint-disable-line @typescript-eslint/no-explicit-any
      const engine = await m.createEngine();
      const [W, H] = [13, 7];
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = [W, H];
      const ctx = canvas.getContext('2d')!;
      const img = ctx.createImageData(W, H);
      let s = 7;
      for (let i = 0; i < img.data.length; i++) img.data[i] = i % 4 === 3 ? 255 : (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
      ctx.putImageData(img, 0, 0);
      const bytes = ctx.getImageData(0, 0, W, H).data;
      const range: [number, number] = [-1, 1];
      const k = (range[1] - range[0]) / 255;
      const mismatches = async (source: unknown): Promise<number> => {
        const t = await m.fromImage(engine, source, { range, alpha: true });
        const got: Float32Array = await t.read();
        t.dispose();
        let bad = 0;
        for (let c = 0; c < 4; c++)
          for (let i = 0; i < W * H; i++) if (got[c * W * H + i] !== Math.fround(range[0] + bytes[4 * i + c] * k)) bad++;
        return bad;
      };
      const bitmap = await createImageBitmap(canvas);
      const frame = new VideoFrame(canvas, { timestamp: 0 });
      const sources = { canvas: await mismatches(canvas), bitmap: await mismatches(bitmap), videoFrame: await mismatches(frame) };
      frame.close();
      // toCanvas: random values, [0, 1], 3 channels (alpha 255).
      const data = Float32Array.from({ length: 3 * W * H }, (_, i) =>
        i % 7 === 0 ? (i % 255) / 255 + 0.5 / 255 : ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 1.2 - 0.1,
      );
      const t = engine.tensor(data, [1, 3, H, W]);
      const out = document.createElement('canvas');
      const mode = await m.toCanvas(engine, t, out, { range: [0, 1] });
      const px = out.getContext('2d')!.getImageData(0, 0, W, H).data;
      let canvasBad = 0;
      for (let i = 0; i < W * H; i++) {
        for (let c = 0; c < 3; c++) if (px[4 * i + c] !== Math.min(255, Math.max(0, Math.round(data[c * W * H + i] * 255)))) canvasBad++;
        if (px[4 * i + 3] !== 255) canvasBad++;
      }
      let refused = '';
      try {
        await m.toCanvas(engine, t, out, { mode: 'webgpu' });
      } catch (e) {
        refused = `${(e as Error).name}: ${(e as Error).message}`;
      }
      t.dispose();
      const stats = engine.stats();
      engine.destroy();
      return {
        sources,
        mode,
        size: [out.width, out.height],
        canvasBad,
        refused,
        liveTensors: stats.liveTensors,
        software: engine.adapterInfo.software,
      };
    });
    expect(result.software).toBe(true);
    expect(result.sources).toEqual({ canvas: 0, bitmap: 0, videoFrame: 0 });
    expect(result.mode).toBe('2d');
    expect(result.size).toEqual([13, 7]);
    expect(result.canvasBad).toBe(0);
    expect(result.refused).toMatch(/^ArgumentError: toCanvas: the canvas gives no 'webgpu' context/);
    expect(result.liveTensors).toBe(0);
  });
});
