/**
 * demo/index.html in headless Chromium on SwiftShader WebGPU: the page's
 * result canvas must equal the engine's output computed here in Node (Dawn)
 * for the same PNG and method, to one 8-bit level. The pixels in the page come
 * from the browser's PNG decoder and Chromium's WebGPU (or ONNX Runtime Web's
 * WASM backend, for the models on the CPU); the reference from pngjs and Dawn,
 * so the whole page path is checked, not just the shared maths.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { cpuBackend, gpuBackend } from '../../demo/src/backend.js';
import { upscaleWithMethod, type MethodId } from '../../demo/src/methods.js';
import { planesToRgba, rgbaToPlanes } from '../../demo/src/planes.js';
import { upscale } from '../../src/index.js';
import { loadModelFromPackage } from '../../src/node.js';
import { useEngine } from '../helpers/engine.js';
import { rng } from '../helpers/random.js';
import { ARTIFACTS, expectWebGPUAdapter, keepScreenshot, openPage, useBrowser, waitForState, type OpenedPage } from './harness.js';

const h = useBrowser();
const node = useEngine();

const W = 23;
const H = 17;

/** An opaque test image (opaque, so the canvas's premultiplied storage loses nothing): smooth ramps plus noise. */
function testPng(W = 23, H = 17, file = 'upscaler-input.png'): { path: string; rgba: Uint8Array } {
  const r = rng(42);
  const png = new PNG({ width: W, height: H });
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = 4 * (y * W + x);
      png.data[i] = Math.round((255 * x) / (W - 1));
      png.data[i + 1] = Math.round((255 * y) / (H - 1));
      png.data[i + 2] = Math.floor(r() * 256);
      png.data[i + 3] = 255;
    }
  }
  const path = join(ARTIFACTS, file);
  writeFileSync(path, PNG.sync.write(png));
  return { path, rgba: new Uint8Array(png.data) };
}

async function resultPixels(p: OpenedPage): Promise<{ width: number; height: number; data: number[] }> {
  return p.page.evaluate(() => {
    const c = document.getElementById('result-canvas') as HTMLCanvasElement;
    const img = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    return { width: img.width, height: img.height, data: Array.from(img.data) };
  });
}

/** Loads the PNG into the page, picks the method, waits for that run to finish. */
async function runInPage(p: OpenedPage, pngPath: string, method: string): Promise<void> {
  const before = await p.page.evaluate(() => window.__upscaler?.runs ?? 0);
  await p.page.selectOption('#method', method);
  await p.page.setInputFiles('#file-input', pngPath);
  await p.page.waitForFunction(
    ([n, m]) => {
      const u = window.__upscaler;
      return (
        !!u?.error || (u !== undefined && u.runs > (n as number) && u.last?.inputName === 'upscaler-input.png' && u.last?.method === m)
      );
    },
    [before, method] as const,
    { timeout: 90_000 },
  );
  const error = await p.page.evaluate(() => window.__upscaler?.error);
  expect(error ?? null).toBeNull();
}

/** default-model ×2 on the test image, computed in Node on the engine (Dawn): the WebGPU path's result. */
async function defaultModelInNode(rgba: Uint8Array): Promise<Uint8ClampedArray> {
  const model = loadModelFromPackage(node.engine, 'default-model', 2);
  try {
    return (await upscale(node.engine, { data: new Uint8ClampedArray(rgba), width: W, height: H }, { model })).data;
  } finally {
    model.dispose();
  }
}

/** Selects a model, presses Upscale and waits for that run to finish (or fail). */
async function runModelInPage(p: OpenedPage, method: string): Promise<void> {
  await p.page.selectOption('#method', method);
  const runs = await p.page.evaluate(() => window.__upscaler?.runs ?? 0);
  await p.page.click('#run');
  await p.page.waitForFunction((n) => !!window.__upscaler?.error || (window.__upscaler?.runs ?? 0) > n, runs, { timeout: 110_000 });
  expect(await p.page.evaluate(() => window.__upscaler?.error ?? null)).toBeNull();
}

function maxLevelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('upscaler page (demo/index.html)', () => {
  it('loads on a SwiftShader WebGPU adapter with no console errors and upscales the sample', async () => {
    const p = await openPage(h, '/demo/index.html?method=engine:conv-transpose&image=sample');
    const adapter = await expectWebGPUAdapter(p.page);
    expect(adapter.architecture).toMatch(/swiftshader/i);
    expect(await waitForState(p.page, ['done', 'error'])).toBe('done');
    const u = await p.page.evaluate(() => window.__upscaler);
    expect(u?.backend).toBe('webgpu');
    expect(u?.last?.output).toEqual([u!.last!.input[0] * 2, u!.last!.input[1] * 2]);
    expect(await p.page.textContent('#gpu-status')).toMatch(/WebGPU on .*swiftshader/i);
    // Drag the split to 80%, then hover: the loupe appears under the pointer.
    const box = (await p.page.locator('#compare').boundingBox())!;
    await p.page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await p.page.mouse.down();
    await p.page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2, { steps: 4 });
    await p.page.mouse.up();
    expect(Number(await p.page.getAttribute('#compare .handle', 'aria-valuenow'))).toBeCloseTo(80, -1);
    await p.page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.4);
    expect(await p.page.locator('#compare canvas.loupe').isVisible()).toBe(true);
    await keepScreenshot(p.page, 'upscaler');
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it.each<[MethodId]>([['conv-transpose'], ['pixel-shuffle'], ['resize-conv']])(
    '%s: the page result equals the engine output computed in Node (±1 level of 255)',
    async (method) => {
      const png = testPng();
      const p = await openPage(h, '/demo/index.html?method=engine:conv-transpose&image=sample');
      await waitForState(p.page, ['done', 'error']);
      await runInPage(p, png.path, `engine:${method}`);
      const got = await resultPixels(p);
      const want = planesToRgba(await upscaleWithMethod(gpuBackend(node.engine), method, rgbaToPlanes(png.rgba, W, H), { scale: 2 }));
      expect([got.width, got.height]).toEqual([2 * W, 2 * H]);
      expect(maxLevelDiff(got.data, want)).toBeLessThanOrEqual(1);
      expect(p.errors).toEqual([]);
      await p.page.close();
    },
  );

  it('pretrained default-model ×2 on WebGPU and, picked explicitly, on the CPU (ORT-web WASM): both equal the engine in Node (±1 level)', async () => {
    const png = testPng();
    const want = await defaultModelInNode(png.rgba);
    const p = await openPage(h, '/demo/index.html?method=engine:conv-transpose&image=sample');
    await waitForState(p.page, ['done', 'error']);
    await p.page.setInputFiles('#file-input', png.path);
    await p.page.waitForFunction(() => window.__upscaler?.last?.inputName === 'upscaler-input.png', null, { timeout: 90_000 });
    {
      // 'auto' would pick the CPU on this software adapter. The model first: with an op demo selected, a backend change runs it.
      await p.page.selectOption('#method', 'model:default-model-x2');
      await p.page.selectOption('#backend', 'webgpu');
      await runModelInPage(p, 'model:default-model-x2');
      const u = await p.page.evaluate(() => window.__upscaler);
      expect(u?.last?.method).toBe('model:default-model-x2');
      expect(u?.last?.backend).toBe('webgpu');
      expect(u?.last?.ranOn).toMatch(/^WebGPU on .*swiftshader/i);
      expect(u?.last?.output).toEqual([2 * W, 2 * H]);
      expect(maxLevelDiff((await resultPixels(p)).data, want)).toBeLessThanOrEqual(1);
      await keepScreenshot(p.page, 'upscaler-model');
    }
    {
      await p.page.selectOption('#backend', 'cpu');
      await runModelInPage(p, 'model:default-model-x2');
      const u = await p.page.evaluate(() => window.__upscaler);
      expect(u?.last?.backend).toBe('ort-wasm');
      expect(u?.last?.ranOn).toMatch(/^ONNX Runtime Web \(WASM, \d+ threads?\)$/);
      expect(await p.page.textContent('#run-info')).toContain(u!.last!.ranOn);
      expect(maxLevelDiff((await resultPixels(p)).data, want)).toBeLessThanOrEqual(1);
    }
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('without navigator.gpu: says so, and the CPU reference path gives the same result', async () => {
    const png = testPng();
    const p = await openPage(h, '/demo/index.html?method=engine:conv-transpose&image=sample', () => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    await waitForState(p.page, ['done', 'error']);
    expect(await p.page.textContent('#gpu-status')).toMatch(
      /No WebGPU.*navigator\.gpu is undefined.*ONNX Runtime Web's WASM.*CPU reference kernels/s,
    );
    expect(await p.page.evaluate(() => window.__upscaler?.backend)).toBe('cpu');
    expect(await p.page.isDisabled('#backend option[value="webgpu"]')).toBe(true);
    await runInPage(p, png.path, 'engine:conv-transpose');
    const got = await resultPixels(p);
    const want = planesToRgba(await upscaleWithMethod(cpuBackend(), 'conv-transpose', rgbaToPlanes(png.rgba, W, H), { scale: 2 }));
    expect(maxLevelDiff(got.data, want)).toBeLessThanOrEqual(1);
    expect(await p.page.evaluate(() => window.__upscaler?.last?.ranOn)).toBe('CPU reference kernels (no WebGPU)');
    await p.page.screenshot({ path: join(ARTIFACTS, 'upscaler-no-webgpu.png'), fullPage: true });
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('without navigator.gpu: the pretrained default-model ×2 runs on ORT-web WASM, equals the WebGPU result (±1 level), reports progress and cancels', async () => {
    const png = testPng();
    const want = await defaultModelInNode(png.rgba);
    const p = await openPage(h, '/demo/index.html?method=engine:conv-transpose&image=sample', () => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    await waitForState(p.page, ['done', 'error']);
    expect(await p.page.evaluate(() => window.__upscaler?.backend)).toBe('cpu');
    await p.page.setInputFiles('#file-input', png.path);
    await p.page.waitForFunction(() => window.__upscaler?.last?.inputName === 'upscaler-input.png', null, { timeout: 90_000 });
    await runModelInPage(p, 'model:default-model-x2');
    const u = await p.page.evaluate(() => window.__upscaler);
    expect(u?.last?.backend).toBe('ort-wasm');
    expect(u?.last?.ranOn).toMatch(/^ONNX Runtime Web \(WASM, \d+ threads?\)$/);
    expect(await p.page.textContent('#run-info')).toContain('ONNX Runtime Web (WASM');
    expect(u?.progress).toEqual(expect.arrayContaining(['tile 1 of 1 done']));
    expect(maxLevelDiff((await resultPixels(p)).data, want)).toBeLessThanOrEqual(1);
    await keepScreenshot(p.page, 'upscaler-model-no-webgpu');

    // 640×480 is 4 tiles on ORT (64 MiB soft cap): Cancel as soon as the first tile is reported.
    const big = testPng(640, 480, 'upscaler-input-640.png');
    await p.page.setInputFiles('#file-input', big.path);
    await p.page.waitForFunction(() => document.getElementById('input-info')?.textContent?.includes('640×480'));
    await p.page.evaluate(() => {
      const label = document.getElementById('progress-label')!;
      new MutationObserver(() => {
        if (label.textContent?.startsWith('tile 1 of 4 done')) (document.getElementById('cancel') as HTMLButtonElement).click();
      }).observe(label, { childList: true, characterData: true, subtree: true });
    });
    await p.page.click('#run');
    expect(await waitForState(p.page, ['cancelled', 'done', 'error'], 110_000)).toBe('cancelled');
    const after = await p.page.evaluate(() => window.__upscaler!);
    expect(after.progress).toContain('tile 1 of 4 done');
    expect(after.progress).not.toContain('tile 2 of 4 done');
    expect(after.progress.at(-1)).toBe('cancelled');
    expect(after.error).toBeNull();
    expect(await p.page.isEnabled('#run')).toBe(true);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });
});
