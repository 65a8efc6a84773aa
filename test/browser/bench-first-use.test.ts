/**
 * The benchmark page as a first-time visitor on a software adapter meets it
 * (issue 20): the quick suite, with its case count and a time estimate shown
 * before Run; the panel under the progress line describes the run in
 * progress; Stop interrupts a long model case; the "GPU ts" column is not
 * shown where the adapter's timestamps do not time the work.
 */
import { describe, expect, it } from 'vitest';
import { openPage, useBrowser, waitForState } from './harness.js';

const h = useBrowser();

describe('benchmark page: first use on SwiftShader', () => {
  it('shows the quick suite with its case count and an estimate before Run', async () => {
    const p = await openPage(h, '/demo/bench.html');
    await waitForState(p.page, ['idle', 'error']);
    expect(await p.page.inputValue('#sizes')).toBe('16, 32');
    expect(await p.page.textContent('#estimate')).toMatch(
      /^\d+ cases × 4 contenders · about (\d+(\.\d)? s|\d+ min( \d+ s)?) on this software adapter \(a rough estimate\)$/,
    );
    // Editing the form updates the estimate.
    const before = await p.page.textContent('#estimate');
    await p.page.fill('#sizes', '8');
    expect(await p.page.textContent('#estimate')).not.toBe(before);
    expect(await p.page.textContent('#estimate')).toMatch(/^\d+ cases/);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('Stop interrupts the model case (it is not recorded); the panel is the run’s; no GPU ts column on a software adapter', async () => {
    // One model case, ours only, 40 warm repetitions: minutes on SwiftShader unless Stop lands between calls.
    const p = await openPage(h, '/demo/bench.html?ops=model,pixelShuffle&sizes=4&channels=2&contenders=ours&reps=40&modelSize=24&cpu=0');
    await waitForState(p.page, ['idle', 'error']);
    await p.page.click('#run');
    await p.page.waitForFunction(() => /^2\/2: model/.test(document.getElementById('progress-label')?.textContent ?? ''), undefined, {
      timeout: 110_000,
    });
    const during = await p.page.textContent('#env');
    expect(during).toMatch(/^Running2 cases × 1 contender · about/);
    expect(during).not.toContain('Ready');
    await p.page.click('#stop');
    expect(await waitForState(p.page, ['done', 'error'], 110_000)).toBe('done');
    expect(await p.page.textContent('#progress-label')).toMatch(/^stopped after 1 case \(/);
    const results = await p.page.evaluate(() => window.__benchResult!.results.map((r) => r.family));
    expect(results).toEqual(['pixelShuffle r2 C2']);
    expect(await p.page.locator('#table th', { hasText: 'GPU ts' }).count()).toBe(0);
    expect(await p.page.textContent('#env')).toMatch(/GPU timestamps(no timestamp-query feature|not shown: a software adapter)/);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });
});
