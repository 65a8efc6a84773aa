/**
 * Each page at a desktop width (1280 px) and a phone's (390 px): nothing wider
 * than the window (the header wraps), and every option of every menu fits its
 * menu, so no choice is shown cut off. Screenshots of each go to
 * test-artifacts/<page>-<width>.png.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, useBrowser, waitForState } from './harness.js';

const h = useBrowser();

const PAGES = [
  { name: 'upscaler', path: '/demo/index.html', ready: ['done', 'error'] },
  { name: 'bench', path: '/demo/bench.html?sizes=4&channels=2', ready: ['idle', 'done', 'error'] },
  { name: 'explorer', path: '/demo/explorer.html?n=4', ready: ['done', 'error'] },
];

describe('page layout at 1280 px and 390 px', () => {
  it.each(PAGES)('$name: fits the window, menus show their options whole', async ({ name, path, ready }) => {
    for (const width of [1280, 390]) {
      const page = await h.browser.newPage({ viewport: { width, height: width === 390 ? 844 : 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${h.baseUrl}${path}`);
      expect(await waitForState(page, ready, 110_000)).not.toBe('error');
      const found = await page.evaluate(() => {
        const ctx = document.createElement('canvas').getContext('2d')!;
        const cut: string[] = [];
        for (const select of Array.from(document.querySelectorAll('select'))) {
          if (select.offsetParent === null) continue; // on a hidden tab
          const style = getComputedStyle(select);
          ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
          // The closed menu shows the chosen option between its padding and the arrow (~20 px).
          const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
          for (const o of Array.from(select.options))
            if (ctx.measureText(o.text).width > room) cut.push(`#${select.id || select.name}: ${o.text}`);
        }
        const header = document.querySelector('header.top')!.getBoundingClientRect();
        return { scrollWidth: document.documentElement.scrollWidth, inner: innerWidth, headerRight: header.right, cut };
      });
      await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
      expect(found.scrollWidth, `${name} at ${width} px`).toBeLessThanOrEqual(found.inner);
      expect(found.headerRight).toBeLessThanOrEqual(found.inner);
      expect(found.cut, `${name} at ${width} px`).toEqual([]);
      expect(errors).toEqual([]);
      await page.close();
    }
  });
});
