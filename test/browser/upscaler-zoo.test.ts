/**
 * The upscaler page's model zoo (demo/src/upscaler/zoo-picker.ts) in headless
 * Chromium: a bundled zoo model picked from the method list, and the same
 * .param/.bin dropped on the page as "your own model", each give the result
 * Node's `upscale()` gives with `loadNcnnModel` on the same pixels (to one
 * 8-bit level); hostile or incomplete files give the parser's ModelError in
 * the page, never a blank result or a crash; a "bring the files" family says
 * which files it needs and refuses another model's files. Tiny images (16×16,
 * waifu2x upconv_7): SwiftShader is slow.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { loadNcnnModel, upscale } from '../../src/index.js';
import { useEngine } from '../helpers/engine.js';
import { ARTIFACTS, keepScreenshot, openPage, ROOT, useBrowser, waitForState, type OpenedPage } from './harness.js';

const h = useBrowser();
const node = useEngine();

const W = 16;
const H = 16;
const UPCONV7 = join(ROOT, 'models', 'ncnn', 'waifu2x-upconv7-anime');
const PARAM = 'noise1_scale2.0x_model.param';
const BIN = 'noise1_scale2.0x_model.bin';

/** An opaque 16×16 PNG (opaque: the canvas's premultiplied storage keeps it exact): ramps, a disc, noise-like stripes. */
function inputPng(): { path: string; rgba: Uint8ClampedArray } {
  const png = new PNG({ width: W, height: H });
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const disc = (x - 8) ** 2 + (y - 7) ** 2 < 20;
      png.data.set([disc ? 240 : (x * 16) % 256, (y * 16) % 256, (x * 37 + y * 91) % 256, 255], 4 * (y * W + x));
    }
  }
  const path = join(ARTIFACTS, 'zoo-input.png');
  writeFileSync(path, PNG.sync.write(png));
  return { path, rgba: new Uint8ClampedArray(png.data) };
}

/** upconv_7 noise 1 on the pixels, in Node on the engine (Dawn): loadNcnnModel + upscale(). */
async function referenceInNode(rgba: Uint8ClampedArray): Promise<Uint8ClampedArray> {
  const model = loadNcnnModel(node.engine, {
    param: readFileSync(join(UPCONV7, PARAM)),
    bin: readFileSync(join(UPCONV7, BIN)),
    name: 'noise1_scale2.0x_model',
  });
  try {
    return (await upscale(node.engine, { data: rgba, width: W, height: H }, { model })).data;
  } finally {
    model.dispose();
  }
}

async function shownPixels(p: OpenedPage): Promise<{ width: number; height: number; data: number[] }> {
  return p.page.evaluate(() => {
    const c = document.getElementById('result-canvas') as HTMLCanvasElement;
    const img = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    return { width: img.width, height: img.height, data: Array.from(img.data) };
  });
}

/** Presses Upscale and waits for that run to end; returns the page's error (null when it ran). */
async function runInPage(p: OpenedPage): Promise<string | null> {
  const before = await p.page.evaluate(() => window.__upscaler?.runs ?? 0);
  await p.page.click('#run');
  await p.page.waitForFunction((n) => (window.__upscaler?.runs ?? 0) > n || document.body.dataset.state === 'error', before, {
    timeout: 60_000,
  });
  return p.page.evaluate(() => window.__upscaler?.error ?? null);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Drops files on an element as a user's drag and drop does (a DataTransfer of Files, then the drop event). */
async function dropFiles(p: OpenedPage, selector: string, files: { name: string; bytes: Uint8Array }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, data: Buffer.from(f.bytes).toString('base64') }));
  await p.page.evaluate(
    ([sel, list]) => {
      const dt = new DataTransfer();
      for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name));
      const target = document.querySelector(sel)!;
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    [selector, payload] as const,
  );
}

/** Waits for the zoo panel's status to settle on one of `states`; returns its state and text. */
async function zooStatus(p: OpenedPage, states = ['ok', 'error', 'missing', 'bundled']): Promise<{ state: string; text: string }> {
  await p.page.waitForFunction((s) => s.includes(document.getElementById('zoo-status')?.dataset.state ?? ''), states, { timeout: 20_000 });
  return p.page.evaluate(() => {
    const el = document.getElementById('zoo-status')!;
    return { state: el.dataset.state ?? '', text: el.textContent ?? '' };
  });
}

/** A legacy (non-zip) PyTorch pickle whose first opcode calls os.system: a checkpoint with code in it. */
function evilPth(): Uint8Array {
  const enc = new TextEncoder();
  const cmd = enc.encode('touch /tmp/pwned');
  const len = [cmd.length, 0, 0, 0];
  // PROTO 2, GLOBAL os system, BINUNICODE cmd, TUPLE1, REDUCE, STOP.
  return new Uint8Array([0x80, 2, 0x63, ...enc.encode('os\nsystem\n'), 0x58, ...len, ...cmd, 0x85, 0x52, 0x2e]);
}

describe('upscaler page: the model zoo', () => {
  it('a bundled zoo model and the same files dropped as your own give Node’s result; bad files give the ModelError', async () => {
    const { path, rgba } = inputPng();
    const expected = await referenceInNode(rgba);
    const p = await openPage(h, '/demo/index.html?method=canvas&image=sample');
    expect(await waitForState(p.page, ['done', 'error'])).toBe('done');

    // (a) waifu2x upconv_7, noise 1, from the method list: the bundled files fetched from the page's server.
    await p.page.selectOption('#method', 'model:zoo/waifu2x-upconv7');
    await p.page.selectOption('#zoo-noise', '1');
    expect(await zooStatus(p)).toMatchObject({ state: 'bundled' });
    const licence = await p.page.getAttribute('#zoo-licence', 'href');
    expect(licence).toBe('models/ncnn/waifu2x-upconv7-anime/LICENSE');
    const licenceText = await p.page.evaluate(async (href) => (await fetch(href)).text(), licence!);
    expect(licenceText).toBe(readFileSync(join(UPCONV7, 'LICENSE'), 'utf8'));
    await p.page.setInputFiles('#file-input', path);
    expect(await runInPage(p)).toBeNull();
    const a = await shownPixels(p);
    expect([a.width, a.height]).toEqual([2 * W, 2 * H]);
    expect(maxDiff(a.data, expected)).toBeLessThanOrEqual(1);
    const ranA = await p.page.evaluate(() => window.__upscaler!.last!);
    expect(ranA).toMatchObject({ method: 'model:zoo/waifu2x-upconv7', backend: 'ort-wasm', output: [2 * W, 2 * H] });
    await keepScreenshot(p.page, 'upscaler-zoo-1280');

    // (b) The same pair dropped on the page as "your own model" (on WebGPU this time): recognised, then the same result.
    await p.page.selectOption('#backend', 'webgpu');
    const files = [PARAM, BIN].map((name) => ({ name, bytes: readFileSync(join(UPCONV7, name)) }));
    await dropFiles(p, '#image-viewer', files);
    expect(await p.page.inputValue('#method')).toBe('model:file');
    const own = await zooStatus(p);
    expect(own.state).toBe('ok');
    expect(own.text).toMatch(/waifu2x upconv_7 ×2 \(noise 1\), \d+ k parameters/);
    expect(await p.page.textContent('#method-note')).toMatch(/waifu2x upconv_7 ×2 \(noise 1\)/);
    expect(await p.page.textContent('#method option:checked')).toBe('Yours: waifu2x upconv_7 ×2');
    expect(await runInPage(p)).toBeNull();
    const b = await shownPixels(p);
    expect([b.width, b.height]).toEqual([2 * W, 2 * H]);
    expect(maxDiff(b.data, expected)).toBeLessThanOrEqual(1);
    expect(await p.page.evaluate(() => window.__upscaler!.last!.backend)).toBe('webgpu');
    await p.page.setViewportSize({ width: 390, height: 844 });
    expect(await p.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await keepScreenshot(p.page, 'upscaler-zoo-390');
    await p.page.setViewportSize({ width: 1280, height: 900 });

    // (c) Hostile and incomplete files: the message in the page, and Upscale says why it cannot run.
    const truncated = [
      { name: PARAM, mimeType: 'text/plain', buffer: files[0].bytes },
      { name: BIN, mimeType: 'application/octet-stream', buffer: files[1].bytes.subarray(0, 300_001) },
    ];
    await p.page.setInputFiles('#zoo-files', truncated);
    const cut = await zooStatus(p, ['error']);
    expect(cut.text).toMatch(/^noise1_scale2\.0x_model\.bin: layer Convolution '\w+': weight .* needs \d+ bytes .* \(truncated/);
    const error = await runInPage(p);
    expect(error).toMatch(/no model file yet.*refused/);
    expect(await p.page.evaluate(() => document.body.dataset.state)).toBe('error');

    await dropFiles(p, '#zoo-drop', [{ name: 'evil.pth', bytes: evilPth() }]);
    const evil = await zooStatus(p, ['error']);
    expect(evil.text).toMatch(/evil\.pth/);
    expect(evil.text).toMatch(/os\.system/);

    await p.page.setInputFiles('#zoo-files', [truncated[0]]);
    expect((await zooStatus(p, ['error'])).text).toMatch(
      /noise1_scale2\.0x_model\.param: its weights \(noise1_scale2\.0x_model\.bin\) are missing/,
    );

    // A safetensors checkpoint (SRVGGNetCompact): recognised and described.
    const st = readFileSync(join(ROOT, 'test', 'fixtures', 'pytorch', 'srvgg-x2-relu.safetensors'));
    await p.page.setInputFiles('#zoo-files', [{ name: 'srvgg-x2-relu.safetensors', mimeType: 'application/octet-stream', buffer: st }]);
    expect((await zooStatus(p)).text).toMatch(/SRVGGNetCompact ×2, \d+ convs, \d+ features, ReLU/);

    // A mirror-padding family on an image smaller than its padding (Real-ESRGAN mirrors 10 px): upscale() extends it
    // by its edge pixels and crops back, so it runs.
    await p.page.selectOption('#method', 'model:zoo/realesr-animevideov3');
    await p.page.selectOption('#zoo-scale', '2');
    await p.page.setInputFiles('#file-input', {
      name: 'tiny.png',
      mimeType: 'image/png',
      buffer: PNG.sync.write(Object.assign(new PNG({ width: 9, height: 12 }), { data: Buffer.alloc(9 * 12 * 4, 200) })),
    });
    expect(await runInPage(p)).toBeNull();
    expect(await p.page.evaluate(() => window.__upscaler!.last!.output)).toEqual([18, 24]);

    // (3) A native family asks for the native program's file names, and refuses another model's files under them.
    await p.page.selectOption('#method', 'model:zoo/realcugan');
    const needs = await zooStatus(p);
    expect(needs.state).toBe('missing');
    expect(needs.text).toMatch(/up2x-conservative\.param and up2x-conservative\.bin .*models-se/);
    await p.page.selectOption('#method', 'model:zoo/waifu2x-cunet');
    await p.page.selectOption('#zoo-noise', '1');
    await p.page.setInputFiles(
      '#zoo-files',
      [PARAM, BIN].map((name) => ({ name, mimeType: 'application/octet-stream', buffer: readFileSync(join(UPCONV7, name)) })),
    );
    const wrong = await zooStatus(p, ['error']);
    expect(wrong.text).toMatch(/are waifu2x upconv_7 ×2 \(noise 1\).*not waifu2x cunet ×2, noise 1/);
    await keepScreenshot(p.page, 'upscaler-zoo-native-1280');

    expect(p.errors).toEqual([]);
    await p.page.close();
  });
});
