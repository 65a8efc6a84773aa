/**
 * `npm run build:browser`: dist-browser/webgpu-upsample.js is one ES module a
 * plain `<script type="module">` imports from any static host, and the bundled
 * weights next to it load by URL. Built into a scratch folder, served by a
 * bare static file server (no Vite), run in headless Chromium on SwiftShader,
 * and compared with the same upscale in Node (±1 level: two WebGPU stacks).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { upscale } from '../../src/index.js';
import { loadModelFromPackage } from '../../src/node.js';
import { useEngine } from '../helpers/engine.js';
import { openPage, ROOT, useBrowser } from './harness.js';

const outDir = mkdtempSync(join(tmpdir(), 'browser-build-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.html': 'text/html',
  '.json': 'application/json',
  '.map': 'application/json',
};
const W = 16;
const H = 12;
const pixels = Array.from({ length: W * H * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));

const h = useBrowser(async () => {
  await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build-browser.mjs'), outDir]);
  writeFileSync(
    join(outDir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  import { createEngine, loadModelFromUrl, bundledModelUrl, upscale } from './webgpu-upsample.js';
  try {
    const engine = await createEngine();
    const model = await loadModelFromUrl(engine, bundledModelUrl('default-model'));
    const image = new ImageData(new Uint8ClampedArray(${JSON.stringify(pixels)}), ${W}, ${H});
    const out = await upscale(engine, image, { model });
    window.result = { width: out.width, height: out.height, data: Array.from(out.data) };
  } catch (e) {
    window.result = { error: String(e && e.stack || e) };
  }
</script>`,
  );
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    try {
      const body = readFileSync(join(outDir, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server: { close: () => new Promise<void>((resolve) => server.close(() => resolve())) },
    port: (server.address() as AddressInfo).port,
  };
});
const node = useEngine();

describe('single-file browser build', () => {
  it('a plain <script type="module"> imports it from a static host, loads the bundled weights by URL, upscales = Node (±1)', async () => {
    const source = readFileSync(join(outDir, 'webgpu-upsample.js'), 'utf8');
    expect(source).not.toMatch(/^import .* from/m); // one file: nothing else to fetch but the weights
    const p = await openPage(h, '/index.html');
    await p.page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 110_000 });
    const got = (await p.page.evaluate(() => (window as unknown as { result: unknown }).result)) as {
      error?: string;
      width: number;
      height: number;
      data: number[];
    };
    expect(got.error).toBeUndefined();
    const model = loadModelFromPackage(node.engine, 'default-model');
    try {
      const want = await upscale(node.engine, { data: new Uint8ClampedArray(pixels), width: W, height: H }, { model });
      expect([got.width, got.height]).toEqual([2 * W, 2 * H]);
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(want.data[i] - got.data[i]));
      expect(worst).toBeLessThanOrEqual(1);
    } finally {
      model.dispose();
    }
    expect(p.errors).toEqual([]);
    await p.page.close();
  });
});
