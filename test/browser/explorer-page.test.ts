/**
 * demo/explorer.html in headless Chromium on SwiftShader WebGPU. The overlap
 * map the page computed on the engine is read back and checked against the
 * known answer: for k=3, s=2, p=0 each axis counts 1,1,2,1,2,…,2,1,1 (even
 * interior outputs get two taps, odd ones one), and the 2-D map is the outer
 * product of the two axes. Then the controls are changed to k=2, s=3 (gaps)
 * and to an ICNR/encoder-decoder check.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { expectWebGPUAdapter, keepScreenshot, openPage, useBrowser, waitForState } from './harness.js';

const h = useBrowser();

/** Overlap count along one axis of a k=3, s=2, p=0 transposed conv of n inputs: 2n+1 outputs. */
function axisCountsK3S2(n: number): number[] {
  return Array.from({ length: 2 * n + 1 }, (_, o) => (o % 2 === 0 && o > 0 && o < 2 * n ? 2 : 1));
}

async function overlap(page: Page): Promise<{ height: number; width: number; data: number[] }> {
  const o = await page.evaluate(() => window.__explorer?.overlap ?? null);
  if (!o) throw new Error(`the page has no overlap map (error: ${await page.evaluate(() => window.__explorer?.error)})`);
  return o;
}

/** Sets form controls and waits for the page's next render. */
async function setControls(page: Page, values: Record<string, string>): Promise<void> {
  const before = await page.evaluate(() => window.__explorer?.renders ?? 0);
  for (const [name, v] of Object.entries(values)) {
    const sel = `#controls [name=${name}]`;
    if ((await page.locator(sel).evaluate((el) => el.tagName)) === 'SELECT') await page.selectOption(sel, v);
    else await page.fill(sel, v);
  }
  await page.waitForFunction((n) => (window.__explorer?.renders ?? 0) > n && document.body.dataset.state === 'done', before, {
    timeout: 60_000,
  });
}

describe('checkerboard explorer page (demo/explorer.html)', () => {
  it('k=3, s=2, p=0: the overlap map read back from the page is the outer product of 1,1,2,1,2,…,1; k4 s2 p1 is evenly 4', async () => {
    const p = await openPage(h, '/demo/explorer.html?k=3&s=2&p=0&d=1&op=0&n=6');
    await expectWebGPUAdapter(p.page);
    expect(await waitForState(p.page, ['done', 'error'])).toBe('done');
    const map = await overlap(p.page);
    const axis = axisCountsK3S2(6);
    expect([map.height, map.width]).toEqual([13, 13]);
    const want = axis.flatMap((a) => axis.map((b) => a * b));
    expect(map.data).toEqual(want);
    expect(await p.page.textContent('#figures')).toContain('The interior is unevenly covered');
    await keepScreenshot(p.page, 'explorer');
    // k4 s2 p1: every interior output gets (k/s)² = 4 taps.
    await setControls(p.page, { k: '4', p: '1' });
    const even = await overlap(p.page);
    expect([even.height, even.width]).toEqual([12, 12]);
    for (let y = 2; y < 10; y++) for (let x = 2; x < 10; x++) expect(even.data[y * 12 + x], `(${y}, ${x})`).toBe(4);
    expect(await p.page.textContent('#figures')).toContain('The interior is evenly covered');
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('k=2 < s=3 leaves gaps: every third row and column of the overlap map is zero', async () => {
    const p = await openPage(h, '/demo/explorer.html?n=4');
    await waitForState(p.page, ['done', 'error']);
    await setControls(p.page, { k: '2', s: '3', p: '0' });
    const map = await overlap(p.page);
    expect([map.height, map.width]).toEqual([11, 11]); // (4 − 1)·3 + 2
    for (let y = 0; y < map.height; y++) {
      for (let x = 0; x < map.width; x++) {
        const covered = y % 3 !== 2 && x % 3 !== 2;
        expect(map.data[y * map.width + x], `(${y}, ${x})`).toBe(covered ? 1 : 0);
      }
    }
    expect(await p.page.textContent('#figures')).toContain('gaps (hatched)');
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('decoder s=3 → encoder s=2: the measured period of a constant image is lcm(2, 3)/2 = 3 output pixels', async () => {
    const p = await openPage(h, '/demo/explorer.html?senc=2&sdec=3&kenc=3&kdec=3&order=dec-enc');
    await waitForState(p.page, ['done', 'error']);
    expect(await p.page.evaluate(() => window.__explorer?.period)).toEqual({ measured: 3, predicted: 3 });
    await setControls(p.page, { sdec: '4' }); // lcm(2, 4)/2 = 2
    expect(await p.page.evaluate(() => window.__explorer?.period)).toEqual({ measured: 2, predicted: 2 });
    // ICNR's figure says "flat", the random init's does not.
    expect(await p.page.textContent('#figures')).toMatch(/ICNR[^]*flat: every value/);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });
});
