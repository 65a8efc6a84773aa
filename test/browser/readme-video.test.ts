/**
 * The video example (docs/upscaling.md, linked from the README) is code users copy: run it in headless Chromium
 * on a page with a playing <video> (a canvas's captureStream), a <canvas> and
 * a <button>, as the example expects, and check that it prints the stats it
 * says and draws ×2 frames; the button stops it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectWebGPUAdapter, openPage, ROOT, useBrowser } from './harness.js';

const h = useBrowser();
const dir = mkdtempSync(join(ROOT, 'test', '.readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/upscaling.md video example (linked from the README)', () => {
  it('runs on a page with a playing <video>: prints stats, draws ×2, stops on the button', async () => {
    const readme = readFileSync(join(ROOT, 'docs', 'upscaling.md'), 'utf8');
    const block = readme
      .split('<!-- video: test/browser/readme-video.test.ts runs this block in headless Chromium -->')[1]
      ?.match(/```ts\n([\s\S]*?)```/)?.[1];
    expect(block, 'video block').toBeTruthy();
    writeFileSync(join(dir, 'example.ts'), block!);
    writeFileSync(
      join(dir, 'index.html'),
      `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><body>
<video muted playsinline></video><canvas></canvas><button>stop</button>
<script type="module">
  const src = document.createElement('canvas');
  [src.width, src.height] = [32, 20];
  const ctx = src.getContext('2d');
  let t = 0;
  const paint = () => { ctx.fillStyle = \`hsl(\${(t += 10) % 360} 80% 50%)\`; ctx.fillRect(0, 0, 32, 20); ctx.fillStyle = '#fff'; ctx.fillRect(t % 32, 5, 6, 10); };
  paint();
  setInterval(paint, 40);
  const video = document.querySelector('video');
  video.srcObject = src.captureStream(25);
  await video.play();
  await import('./example.ts');
</script>`,
    );
    const logs: string[] = [];
    const p = await openPage(h, `/test/${basename(dir)}/index.html`);
    p.page.on('console', (m) => m.type() === 'log' && logs.push(m.text()));
    await expectWebGPUAdapter(p.page);
    await p.page.waitForFunction(() => (document.querySelector('canvas') as HTMLCanvasElement).width === 64, undefined, {
      timeout: 60_000,
    });
    await expect.poll(() => logs.length, { timeout: 60_000 }).toBeGreaterThan(0);
    const stats = JSON.parse(logs[0]);
    expect(stats).toMatchObject({ frames: 1, path: '2d', input: [32, 20], output: [64, 40], running: true });
    await p.page.click('button');
    const size = await p.page.evaluate(() => {
      const c = document.querySelector('canvas') as HTMLCanvasElement;
      return [c.width, c.height];
    });
    expect(size).toEqual([64, 40]);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });
});
