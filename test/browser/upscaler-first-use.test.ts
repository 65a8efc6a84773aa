/**
 * The upscaler page as a first-time user meets it (issue 20): Download saves
 * exactly the result on screen (dimensions and bytes), never a previous run's;
 * it is off while there is no result for the current image. On a software
 * adapter (SwiftShader here) 'Auto' runs the models on the CPU backend and
 * says why; a run tells the time (elapsed, and an estimate after the first
 * tile); the run panel never shows the previous run's facts during a new one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, keepScreenshot, openPage, useBrowser, waitForState, type OpenedPage } from './harness.js';

const h = useBrowser();

/** An opaque w×h PNG with ramps (distinct per size, so a stale result cannot pass for a new one). */
function png(w: number, h: number, file: string): string {
  const img = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 4 * (y * w + x);
      img.data.set([Math.round((255 * x) / (w - 1)), Math.round((255 * y) / (h - 1)), (x * 7 + y * 13) % 256, 255], i);
    }
  }
  const path = join(ARTIFACTS, file);
  writeFileSync(path, PNG.sync.write(img));
  return path;
}

/** The pixels of the result canvas (what the page shows). */
function shownPixels(p: OpenedPage): Promise<{ width: number; height: number; data: number[] }> {
  return p.page.evaluate(() => {
    const c = document.getElementById('result-canvas') as HTMLCanvasElement;
    const img = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    return { width: img.width, height: img.height, data: Array.from(img.data) };
  });
}

/** Clicks Download and decodes the saved file. */
async function downloaded(p: OpenedPage): Promise<{ name: string; width: number; height: number; data: number[] }> {
  const [dl] = await Promise.all([p.page.waitForEvent('download'), p.page.click('#download')]);
  const path = join(ARTIFACTS, `downloaded-${dl.suggestedFilename()}`);
  await dl.saveAs(path);
  const img = PNG.sync.read(readFileSync(path));
  return { name: dl.suggestedFilename(), width: img.width, height: img.height, data: Array.from(img.data) };
}

describe('upscaler page: Download', () => {
  it('saves the displayed result; is off after a new image and during a run; names the file once per scale', async () => {
    const p = await openPage(h, '/demo/index.html');
    expect(await waitForState(p.page, ['done', 'error'])).toBe('done');
    const first = await downloaded(p);
    const shown1 = await shownPixels(p);
    expect([first.width, first.height]).toEqual([shown1.width, shown1.height]);
    expect(first.data).toEqual(shown1.data);

    // A model selected (so no automatic run), then a new image: there is no result for it yet.
    await p.page.selectOption('#method', 'model:default-model-x2');
    await p.page.setInputFiles('#file-input', png(19, 13, 'download-input.png'));
    await p.page.waitForFunction(() => document.getElementById('input-info')?.textContent?.includes('19×13'));
    expect(await p.page.isDisabled('#download')).toBe(true);

    // During the run Download stays off; afterwards it saves this image's result, named once by the model's scale.
    const runs = await p.page.evaluate(() => window.__upscaler!.runs);
    await p.page.click('#run');
    expect(await p.page.isDisabled('#download')).toBe(true);
    await p.page.waitForFunction((n) => !!window.__upscaler?.error || window.__upscaler!.runs > n, runs, { timeout: 110_000 });
    expect(await p.page.evaluate(() => window.__upscaler?.error ?? null)).toBeNull();
    const second = await downloaded(p);
    const shown2 = await shownPixels(p);
    expect([second.width, second.height]).toEqual([38, 26]);
    expect([shown2.width, shown2.height]).toEqual([38, 26]);
    expect(second.data).toEqual(shown2.data);
    expect(second.name).toBe('download-input-default-model-x2.png');
    // Auto on this software adapter ran the model on the CPU backend, and the panel says why.
    expect(await p.page.evaluate(() => window.__upscaler?.last?.backend)).toBe('ort-wasm');
    expect(await p.page.textContent('#run-info')).toMatch(/Why.*emulates a GPU on the CPU/);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('Auto on SwiftShader runs the model on ORT-web WASM and says why; after the first tile an estimate of the time left appears; the panel is this run’s', async () => {
    const p = await openPage(h, '/demo/index.html');
    expect(await waitForState(p.page, ['done', 'error'])).toBe('done');
    expect(await p.page.inputValue('#backend')).toBe('auto');
    expect(await p.page.textContent('#run-info')).toContain('Size');
    // 640×480: 4 tiles on ONNX Runtime; the label after tile 1 is recorded, then the run is cancelled (no need to finish).
    await p.page.selectOption('#method', 'model:default-model-x2');
    expect(await p.page.textContent('#method-note')).toMatch(/Auto: ONNX Runtime on the CPU: the WebGPU adapter .*emulates a GPU/);
    await p.page.setInputFiles('#file-input', png(640, 480, 'eta-input.png'));
    await p.page.waitForFunction(() => document.getElementById('input-info')?.textContent?.includes('640×480'));
    await p.page.evaluate(() => {
      const label = document.getElementById('progress-label')!;
      const w = window as unknown as { __labels: string[]; __panel: string };
      w.__labels = [];
      new MutationObserver(() => {
        const text = label.textContent ?? '';
        w.__labels.push(text);
        if (text.startsWith('tile 1 of 4 done')) {
          w.__panel = document.getElementById('run-info')!.textContent ?? '';
          (document.getElementById('cancel') as HTMLButtonElement).click();
        }
      }).observe(label, { childList: true, characterData: true, subtree: true });
    });
    await p.page.click('#run');
    expect(await waitForState(p.page, ['cancelled', 'done', 'error'], 110_000)).toBe('cancelled');
    const { labels, panel } = await p.page.evaluate(() => {
      const w = window as unknown as { __labels: string[]; __panel: string };
      return { labels: w.__labels, panel: w.__panel };
    });
    // While loading: the stage and a ticking elapsed time, no estimate yet; after tile 1: elapsed and time left, in human units.
    expect(labels.find((l) => l.startsWith('loading'))).toMatch(/^loading .* on ONNX Runtime Web \(WASM\) · \d+\.\d s elapsed$/);
    expect(labels.find((l) => l.startsWith('tile 1 of 4 done'))).toMatch(
      /^tile 1 of 4 done · \d+(\.\d)? s elapsed · about (\d+(\.\d)? s|\d+ min( \d+ s)?) left$/,
    );
    // The panel during the run describes this run (640×480 → 1280×960), not the finished sample run before it.
    expect(panel).toContain('640×480 → 1280×960');
    expect(panel).toContain('ONNX Runtime Web (WASM)');
    expect(panel).not.toContain('Ran on');
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('a first visit runs the photo through the best fast network here; a file dropped on the big image area is taken', async () => {
    const p = await openPage(h, '/demo/index.html');
    expect(await waitForState(p.page, ['done', 'error'], 110_000)).toBe('done');
    const first = await p.page.evaluate(() => window.__upscaler!.last!);
    // SwiftShader: Auto runs models on ORT-web WASM, where ESRGAN slim ×2 is the fast choice.
    expect([first.inputName, first.method, first.backend]).toEqual(['flower.png', 'model:esrgan-slim-x2', 'ort-wasm']);
    expect([first.input, first.output]).toEqual([
      [128, 128],
      [256, 256],
    ]);
    await keepScreenshot(p.page, 'upscaler-first-visit');

    // Drop a PNG on the result area (not the small drop zone): it becomes the input.
    await p.page.selectOption('#method', 'engine:conv-transpose');
    await p.page.waitForFunction(() => window.__upscaler?.last?.method === 'engine:conv-transpose', undefined, { timeout: 110_000 });
    const bytes = Array.from(readFileSync(png(21, 11, 'dropped.png')));
    const transfer = await p.page.evaluateHandle((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], 'dropped.png', { type: 'image/png' }));
      return dt;
    }, bytes);
    await p.page.dispatchEvent('#compare', 'dragover', { dataTransfer: transfer });
    await p.page.dispatchEvent('#compare', 'drop', { dataTransfer: transfer });
    await p.page.waitForFunction(() => window.__upscaler?.last?.inputName === 'dropped.png', undefined, { timeout: 110_000 });
    expect(await p.page.evaluate(() => window.__upscaler!.last!.output)).toEqual([42, 22]);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });
});
