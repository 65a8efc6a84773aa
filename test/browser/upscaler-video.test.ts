/**
 * The upscaler page's video mode in headless Chromium (SwiftShader): the
 * synthetic test pattern (a live stream of VideoFrames) through Anime4K
 * cnn-2x-s, and a fake webcam (Chromium's --use-fake-device-for-media-stream)
 * through the MediaStreamTrack path. The frame left on the output canvas is
 * compared with the same pattern frame (known from its timestamp) upscaled in
 * Node (Dawn) by loadAnime4k + upscale(): equal to one 8-bit level (the two
 * sides are different WebGPU stacks).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { frameUs, patternFrame } from '../../demo/src/upscaler/test-pattern.js';
import { loadAnime4k, upscale } from '../../src/index.js';
import { useEngine } from '../helpers/engine.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.js';
import { expectWebGPUAdapter, keepScreenshot, openPage, useBrowser, type OpenedPage } from './harness.js';

const h = useBrowser();
const node = useEngine();
const websrDir = dirname(createRequire(import.meta.url).resolve('@websr/websr/package.json'));

interface VideoState {
  state: string;
  stats: { frames: number; dropped: number; fps: number; frameMs: number; path: string; input: number[]; output: number[] } | null;
  last: { index: number; timestamp: number; width: number; height: number; model: string } | null;
  pattern: { width: number; height: number; fps: number } | null;
  error: string | null;
}

const videoState = (p: OpenedPage): Promise<VideoState> => p.page.evaluate(() => window.__video as unknown as VideoState);

/** Opens the video tab, picks the network, presses `button`, waits for 3 frames shown, presses Stop. */
async function runVideo(p: OpenedPage, button: string, network = 'anime4k:cnn-2x-s-an'): Promise<VideoState> {
  await p.page.waitForFunction(() => document.body.dataset.video === 'idle', undefined, { timeout: 60_000 });
  await p.page.click('#mode-video');
  await p.page.selectOption('#video-network', network);
  await p.page.click(button);
  await p.page.waitForFunction(() => (window.__video?.last?.index ?? -1) >= 2 || window.__video?.state === 'error', undefined, {
    timeout: 90_000,
  });
  const during = await videoState(p);
  expect(during.error).toBeNull();
  await p.page.click('#video-stop');
  await p.page.waitForFunction(() => document.body.dataset.video === 'stopped', undefined, { timeout: 60_000 });
  return videoState(p);
}

/** The output canvas's pixels (the video mode draws with 2D on a software adapter). */
async function outputPixels(p: OpenedPage): Promise<number[]> {
  return p.page.evaluate(() => {
    const c = document.getElementById('video-output') as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  });
}

describe('upscaler page, video mode', () => {
  it('test pattern → Anime4K S: live fps and stats; the frame on the canvas == that pattern frame upscaled in Node (±1 level)', async () => {
    const [W, H] = [40, 24];
    const p = await openPage(h, `/demo/index.html?pattern=${W}x${H}`);
    await expectWebGPUAdapter(p.page);
    const v = await runVideo(p, '#video-pattern');
    expect(v.pattern).toEqual({ width: W, height: H, fps: 30 });
    expect(v.stats).toMatchObject({ path: '2d', input: [W, H], output: [2 * W, 2 * H] });
    expect(v.stats!.frames).toBeGreaterThanOrEqual(3);
    expect(v.stats!.frameMs).toBeGreaterThan(0);
    const text = await p.page.textContent('#video-stats');
    expect(text).toMatch(/Frames per second\s*[\d.]+/);
    expect(text).toContain(`${W}×${H} → ${2 * W}×${2 * H}`);
    expect(await p.page.textContent('#video-output-label')).toContain('Anime4K CNN ×2 S (anime)');
    await keepScreenshot(p.page, 'upscaler-video');

    const t = v.last!.timestamp / frameUs(v.pattern!.fps);
    expect(Number.isInteger(t)).toBe(true);
    const json = JSON.parse(readFileSync(join(websrDir, 'weights/anime4k/cnn-2x-s-an.json'), 'utf8'));
    const model = loadAnime4k(node.engine, json);
    const want = (await upscale(node.engine, { data: patternFrame(W, H, t), width: W, height: H }, { model })).data;
    model.dispose();
    const got = await outputPixels(p);
    expect(got.length).toBe(want.length);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThanOrEqual(1);
    // The original is shown next to it: the pattern canvas, at its own size.
    expect(await p.page.$eval('#video-original canvas', (c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])).toEqual([
      W,
      H,
    ]);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('switching back to the Image tab stops the video; a network switch restarts with the new one', async () => {
    const p = await openPage(h, '/demo/index.html?pattern=24x16');
    await expectWebGPUAdapter(p.page);
    await runVideo(p, '#video-pattern', 'anime4k:cnn-2x-m-rl');
    expect(await p.page.textContent('#video-output-label')).toContain('Anime4K CNN ×2 M (real life)');
    await p.page.click('#video-pattern');
    await p.page.waitForFunction(() => window.__video?.state === 'running', undefined, { timeout: 60_000 });
    await p.page.click('#mode-image');
    await p.page.waitForFunction(() => document.body.dataset.video === 'stopped', undefined, { timeout: 60_000 });
    expect(await p.page.isHidden('#video-mode')).toBe(true);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('switching the network while the video plays takes effect at a following frame (S → M), without a restart', async () => {
    const p = await openPage(h, '/demo/index.html?pattern=24x16');
    await p.page.waitForFunction(() => document.body.dataset.video === 'idle', undefined, { timeout: 60_000 });
    await p.page.click('#mode-video');
    await p.page.selectOption('#video-network', 'anime4k:cnn-2x-s-an');
    await p.page.click('#video-pattern');
    await p.page.waitForFunction(() => (window.__video?.last?.index ?? -1) >= 1 || window.__video?.state === 'error', undefined, {
      timeout: 90_000,
    });
    const before = await p.page.evaluate(() => ({ model: window.__video!.last!.model, index: window.__video!.last!.index }));
    expect(before.model).toMatch(/cnn-2x-s/);
    await p.page.selectOption('#video-network', 'anime4k:cnn-2x-m-an');
    await p.page.waitForFunction(() => /cnn-2x-m/.test(window.__video?.last?.model ?? '') || window.__video?.state === 'error', undefined, {
      timeout: 90_000,
    });
    const after = await p.page.evaluate(() => ({
      ...window.__video!.last!,
      state: window.__video!.state,
      network: window.__video!.network,
    }));
    expect(after.state).toBe('running'); // the same run, not a restart: frame indices go on
    expect(after.index).toBeGreaterThan(before.index);
    expect(after.network).toBe('anime4k:cnn-2x-m-an');
    expect(await p.page.textContent('#video-output-label')).toContain('Anime4K CNN ×2 M (anime)');
    await p.page.click('#video-stop');
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('no camera: a sentence saying so and what to do instead, not the browser\'s "Requested device not found"', async () => {
    const p = await openPage(h, '/demo/index.html?method=engine:conv-transpose&image=sample', () => {
      MediaDevices.prototype.getUserMedia = () => Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
    });
    await p.page.waitForFunction(() => document.body.dataset.video === 'idle', undefined, { timeout: 60_000 });
    await p.page.click('#mode-video');
    await p.page.click('#video-webcam');
    await p.page.waitForFunction(() => window.__video?.state === 'error', undefined, { timeout: 60_000 });
    const note = await p.page.textContent('#video-note');
    expect(note).toBe('Failed: No camera was found on this device. Open a video file or use the test pattern instead.');
    await p.page.close();
  });

  it('webcam (a fake camera): frames flow through the MediaStreamTrack path and stop', async () => {
    // Its own browser: a fake capture device and auto-accepted permission prompt.
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${h.baseUrl}/demo/index.html?camera=96x64`);
      const v = await runVideo({ page, errors }, '#video-webcam');
      expect(v.stats!.frames).toBeGreaterThanOrEqual(3);
      // The fake device picks its own orientation for an 'ideal' size (64×96 here), so only the area is asked for.
      const [iw, ih] = v.stats!.input;
      expect(iw * ih).toBe(96 * 64);
      expect(v.stats!.output).toEqual([2 * iw, 2 * ih]);
      // Chromium's fake camera draws a moving pattern on green; the upscaled frame is a picture, not black.
      const px = await outputPixels({ page, errors });
      const mean = px.reduce((a, b) => a + b, 0) / px.length;
      expect(mean).toBeGreaterThan(20);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('without WebGPU the video mode says it needs WebGPU and offers nothing to start', async () => {
    const p = await openPage(h, '/demo/index.html?method=engine:conv-transpose&image=sample', () => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined });
    });
    await p.page.waitForFunction(() => document.body.dataset.video === 'idle', undefined, { timeout: 60_000 });
    await p.page.click('#mode-video');
    expect(await p.page.textContent('#video-note')).toMatch(/^Video upscaling needs WebGPU/);
    expect(await p.page.isDisabled('#video-pattern')).toBe(true);
    expect(await p.page.isDisabled('#video-webcam')).toBe(true);
    await p.page.close();
  });
});
