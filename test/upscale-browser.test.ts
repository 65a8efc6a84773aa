/**
 * upscale() in headless Chromium (SwiftShader WebGPU): the browser-only inputs
 * (ImageBitmap, HTMLCanvasElement, OffscreenCanvas, HTMLImageElement, and,
 * decoded first, a Blob, a URL string and a URL) give the same pixels as
 * ImageData, which match the Node (Dawn) result for the same PNG to one 8-bit
 * level; cancel works the same in the page. The page imports the sources
 * straight from the Vite dev server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { upscale } from '../src/upscale/upscale.js';
import { expectWebGPUAdapter, ROOT, useBrowser } from './browser/harness.js';
import { useEngine } from './helpers/engine.js';
import { fixtureModel } from './upscale-fixture.js';

const browser = useBrowser();
const node = useEngine();
const TILE = 24; // 64×64 sample → 3 × 3 tiles

interface PageResult {
  inputs: Record<string, { width: number; height: number; data: number[] }>;
  abort: { name: string; message: string; liveBefore: number; liveAfter: number };
  liveTensors: number;
}

describe('upscale() in the browser', () => {
  it('ImageBitmap, canvas, OffscreenCanvas, <img>, Blob and URL inputs equal ImageData; the page equals Node to 1 level; abort rejects with AbortError', async () => {
    // An image URL gives a same-origin document from which the page can import the sources
    // (its automatic /favicon.ico request is answered so that no 404 is logged).
    const page = await browser.browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
    await page.goto(`${browser.baseUrl}/assets/sample.png`);
    await expectWebGPUAdapter(page);
    const result: PageResult = await page.evaluate(async (tile) => {
      // A real import() made in the page: vitest would rewrite an import() written in this test file.
      const load = new Function('path', 'return import(path)') as (path: string) => Promise<unknown>;
      const { createEngine } = (await load('/src/index.ts')) as unknown as typeof import('../src/index.js');
      const { upscale: up } = (await load('/src/upscale/upscale.ts')) as unknown as typeof import('../src/upscale/upscale.js');
      const { fixtureModel: fixture } = (await load('/test/upscale-fixture.ts')) as unknown as typeof import('./upscale-fixture.js');
      const engine = await createEngine();
      const model = fixture(engine, { scale: 2, range: [0, 255] });
      const bitmap = await createImageBitmap(await (await fetch('/assets/sample.png')).blob());
      const canvas = document.createElement('canvas');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      const offscreen = new OffscreenCanvas(bitmap.width, bitmap.height);
      offscreen.getContext('2d')!.drawImage(bitmap, 0, 0);
      const imageData = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const img = new Image();
      img.src = '/assets/sample.png';
      await img.decode();
      const blob = await (await fetch('/assets/sample.png')).blob();
      const inputs: PageResult['inputs'] = {};
      for (const [name, input] of [
        ['imageData', imageData],
        ['bitmap', bitmap],
        ['canvas', canvas],
        ['offscreen', offscreen],
        ['img', img],
        ['blob', blob],
        ['urlString', '/assets/sample.png'],
        ['url', new URL('/assets/sample.png', location.href)],
      ] as const) {
        const out = await up(engine, input, { model, tileSize: tile });
        new ImageData(out.data, out.width, out.height); // the result must be ImageData-compatible
        inputs[name] = { width: out.width, height: out.height, data: Array.from(out.data) };
      }
      const controller = new AbortController();
      const liveBefore = engine.stats().liveTensors;
      let abort = { name: 'none', message: '' };
      try {
        await up(engine, bitmap, {
          model,
          tileSize: tile,
          signal: controller.signal,
          onProgress: (p) => p.done === 2 && controller.abort(),
        });
      } catch (e) {
        abort = { name: (e as Error).name, message: (e as Error).message };
      }
      const liveAfter = engine.stats().liveTensors;
      model.dispose();
      const liveTensors = engine.stats().liveTensors;
      engine.destroy();
      return { inputs, abort: { ...abort, liveBefore, liveAfter }, liveTensors };
    }, TILE);

    const png = PNG.sync.read(readFileSync(join(ROOT, 'assets', 'sample.png')));
    const model = fixtureModel(node.engine, { scale: 2, range: [0, 255] });
    const want = await upscale(node.engine, png, { model, tileSize: TILE });
    model.dispose();

    const ref = result.inputs.imageData;
    expect([ref.width, ref.height]).toEqual([128, 128]);
    for (const name of ['bitmap', 'canvas', 'offscreen', 'img', 'blob', 'urlString', 'url']) {
      expect(result.inputs[name].data, name).toEqual(ref.data);
    }
    let worst = 0;
    for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(want.data[i] - ref.data[i]));
    expect(worst, 'page (Chromium WebGPU) vs Node (Dawn)').toBeLessThanOrEqual(1);

    expect(result.abort.name).toBe('AbortError');
    expect(result.abort.message).toMatch(/after 2 of 9 tiles/);
    expect(result.abort.liveAfter).toBe(result.abort.liveBefore);
    expect(result.liveTensors).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
