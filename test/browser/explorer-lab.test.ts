/**
 * The explorer's Checkerboard lab in headless Chromium on SwiftShader WebGPU:
 * training runs on the GPU in the page, end to end. With a tiny config from
 * URL parameters, clicking Run trains the six decoders, the table gets six
 * rows of finite numbers, uPlot drew the loss curves (inked canvas, six
 * legend rows) and each decoder's flat/smooth outputs are drawn. Stop aborts
 * a run between steps. Without navigator.gpu the section says it needs WebGPU.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectWebGPUAdapter, keepScreenshot, openPage, useBrowser, waitForState } from './harness.js';

const h = useBrowser();
const TINY = 'labSteps=6&labChannels=4&labPatch=16&labBatch=2&labScore=8';

const labState = (page: Page): Promise<string | undefined> => page.evaluate(() => window.__lab?.state);

/** Pixels of a canvas whose colour is saturated (a curve, not the grey axes/grid or the white background), counted per hue bucket. */
async function inkedHues(page: Page, selector: string): Promise<{ saturated: number; hues: number }> {
  return page.locator(selector).evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d');
    if (!ctx) return { saturated: 0, hues: 0 };
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    const buckets = new Array<number>(12).fill(0);
    let saturated = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      const max = Math.max(r, g, b);
      const min = Math.min(r, g, b);
      if (a < 200 || max - min < 80) continue;
      saturated++;
      // Hue, coarse: 12 buckets of 30°.
      let hue = max === r ? (g - b) / (max - min) : max === g ? 2 + (b - r) / (max - min) : 4 + (r - g) / (max - min);
      hue = (((hue * 60) % 360) + 360) % 360;
      buckets[Math.floor(hue / 30)]++;
    }
    return { saturated, hues: buckets.filter((n) => n >= 5).length };
  });
}

describe('checkerboard lab section (demo/explorer.html)', () => {
  it('Run trains six decoders on the GPU in the page: six rows of finite numbers, loss curves and outputs drawn; Stop aborts', async () => {
    const p = await openPage(h, `/demo/explorer.html?${TINY}`);
    await expectWebGPUAdapter(p.page);
    expect(await waitForState(p.page, ['done', 'error'])).toBe('done');
    expect(await labState(p.page)).toBe('idle');
    await p.page.click('#lab-run');
    await p.page.waitForFunction(() => ['done', 'error', 'stopped'].includes(window.__lab?.state ?? ''), null, { timeout: 300_000 });
    const lab = await p.page.evaluate(() => window.__lab!);
    expect(lab.error).toBeNull();
    expect(lab.state).toBe('done');
    expect(lab.sample).toBe('sample.png');
    expect(lab.steps).toBe(6 * 6);
    expect(lab.rows.map((r) => r.method)).toEqual([
      'convT-k3s2',
      'convT-k4s2',
      'resize-conv',
      'shuffle-icnr',
      'convT-k3s2-blur',
      'convT-k3s2-reg',
    ]);
    for (const r of lab.rows)
      for (const v of [r.finalLoss, r.evalMse, r.flatScore, r.smoothScore]) expect(Number.isFinite(v), `${r.method}: ${v}`).toBe(true);

    // The table shows the same six rows, every cell a number.
    const cells = await p.page.$$eval('#lab-results tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')),
    );
    expect(cells).toHaveLength(6);
    for (const row of cells) for (const c of row.slice(1, 5)) expect(Number.isFinite(Number(c)), `cell '${c}'`).toBe(true);

    // uPlot drew the curves: a legend row per method, and coloured ink (not only grey axes) in several hues.
    expect(await p.page.locator('#lab-chart .u-legend .u-series').count()).toBe(1 + 6);
    const ink = await inkedHues(p.page, '#lab-chart canvas');
    expect(ink.saturated, 'saturated pixels in the loss chart').toBeGreaterThan(200);
    expect(ink.hues, 'distinct curve hues').toBeGreaterThanOrEqual(4);

    // Each decoder's outputs for the flat and the smooth input are drawn (non-blank canvases).
    expect(await p.page.locator('#lab-outputs .lab-figure').count()).toBe(6);
    const blank = await p.page.$$eval(
      '#lab-outputs canvas',
      (cs) =>
        (cs as HTMLCanvasElement[]).filter((c) => {
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          return c.width === 0 || !d.some((v, i) => i % 4 === 3 && v > 0);
        }).length,
    );
    expect(await p.page.locator('#lab-outputs canvas').count()).toBe(12);
    expect(blank).toBe(0);
    await p.page.locator('#lab').scrollIntoViewIfNeeded();
    await keepScreenshot(p.page, 'explorer-lab');

    // Stop: a long run is aborted between steps, and the page says so.
    await p.page.fill('#lab-controls [name=labSteps]', '500');
    await p.page.click('#lab-run');
    await p.page.waitForFunction(() => (window.__lab?.steps ?? 0) >= 2, null, { timeout: 60_000 });
    await p.page.click('#lab-stop');
    await p.page.waitForFunction(() => window.__lab?.state !== 'running', null, { timeout: 60_000 });
    expect(await labState(p.page)).toBe('stopped');
    expect(await p.page.textContent('#lab-progress')).toMatch(/Stopped after 0 of 6/);
    expect(await p.page.isEnabled('#lab-run')).toBe(true);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('without navigator.gpu the lab says it needs WebGPU and Run is disabled', async () => {
    const p = await openPage(h, '/demo/explorer.html', () => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    await waitForState(p.page, ['done', 'error']);
    expect(await labState(p.page)).toBe('unavailable');
    expect(await p.page.textContent('#lab-progress')).toMatch(/The lab needs WebGPU.*navigator\.gpu is undefined/s);
    expect(await p.page.isDisabled('#lab-run')).toBe(true);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });
});
