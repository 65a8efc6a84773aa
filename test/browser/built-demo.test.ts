/**
 * `npm run build:demo` output works as static files: build into a temporary
 * folder, serve it with `vite preview`, and every page loads and runs on the
 * SwiftShader adapter with no console errors (the benchmark with all four
 * contenders, so the lazily loaded peers and ONNX Runtime's wasm files are
 * part of the build); the upscaler without WebGPU runs a pretrained model on
 * ONNX Runtime Web WASM from the built files; the pretrained model files the
 * Vite plugin copies (UpscalerJS models, Anime4K networks) are served next to the pages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, createLogger, preview } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { ANIME4K_CATALOG, anime4kJsonPath, MODEL_CATALOG, modelJsonPath } from '../../demo/src/model-catalog.js';
import { expectWebGPUAdapter, openPage, ROOT, useBrowser, VITE_CONFIG, waitForState } from './harness.js';

const outDir = mkdtempSync(join(tmpdir(), 'demo-build-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** What the build printed as warnings (a dependency's 27 eval warnings used to bury anything real). */
const warnings: string[] = [];
const logger = createLogger('warn');
logger.warn = (msg) => void warnings.push(msg);
logger.warnOnce = (msg) => void warnings.push(msg);

const h = useBrowser(async () => {
  await build({ root: ROOT, configFile: VITE_CONFIG, logLevel: 'warn', customLogger: logger, build: { outDir, emptyOutDir: true } });
  const server = await preview({
    root: ROOT,
    configFile: VITE_CONFIG,
    logLevel: 'error',
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0 },
  });
  return { server, port: (server.httpServer.address() as AddressInfo).port };
});

describe('built demo (vite build + preview)', () => {
  it('the build prints no eval warnings (those of @websr/websr are explained and filtered in vite.config.ts)', () => {
    expect(warnings.filter((w) => /\beval\b/i.test(w))).toEqual([]);
  });

  it.each([
    ['/demo/index.html'],
    ['/demo/explorer.html'],
    [
      '/demo/bench.html?sizes=4&channels=2&kernels=2&strides=2&reps=1&ops=convTranspose2d,pixelShuffle,conv2d&contenders=ours,tfjs-webgpu,ort-webgpu,ort-wasm&auto=1',
    ],
  ])('%s loads and runs on WebGPU with no console errors', async (path) => {
    const p = await openPage(h, path);
    await expectWebGPUAdapter(p.page);
    expect(await waitForState(p.page, ['done', 'error'])).toBe('done');
    if (path.includes('bench')) {
      // The peers' chunks and ONNX Runtime's .mjs/.wasm assets are served from the build: every contender ran.
      const statuses = await p.page.evaluate(() =>
        window.__benchResult!.results.flatMap((r) =>
          Object.entries(r.contenders).map(([n, c]) => `${n}: ${c.status === 'error' ? c.error : c.status}`),
        ),
      );
      expect(statuses).toHaveLength(3 * 4);
      for (const s of statuses) expect(s).toMatch(/: ok$/);
    }
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('/demo/index.html without navigator.gpu runs default-model ×2 on ONNX Runtime Web WASM from the built files', async () => {
    const p = await openPage(h, '/demo/index.html', () => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    });
    expect(await waitForState(p.page, ['done', 'error'])).toBe('done');
    await p.page.selectOption('#method', 'model:default-model-x2');
    await p.page.click('#run');
    await p.page.waitForFunction(() => !!window.__upscaler?.error || window.__upscaler?.last?.method === 'model:default-model-x2', null, {
      timeout: 110_000,
    });
    const u = await p.page.evaluate(() => window.__upscaler!);
    expect(u.error).toBeNull();
    expect(u.last?.ranOn).toMatch(/^ONNX Runtime Web \(WASM, \d+ threads?\)$/);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('serves every catalog model file from the build', async () => {
    const p = await openPage(h, '/demo/index.html');
    for (const m of MODEL_CATALOG) {
      const status = await p.page.evaluate(async (url) => {
        const res = await fetch(url);
        const json = (await res.json()) as { weightsManifest: { paths: string[] }[] };
        const shard = await fetch(new URL(json.weightsManifest[0].paths[0], new URL(url, location.href)));
        return [res.status, shard.status, (await shard.arrayBuffer()).byteLength > 0];
      }, modelJsonPath(m));
      expect(status, m.id).toEqual([200, 200, true]);
    }
    // The video mode's Anime4K networks (copied from @websr/websr): each is JSON with layers.
    for (const m of ANIME4K_CATALOG) {
      const got = await p.page.evaluate(async (url) => {
        const res = await fetch(url);
        return [res.status, Object.keys(((await res.json()) as { layers: object }).layers).length > 3];
      }, anime4kJsonPath(m.id));
      expect(got, m.id).toEqual([200, true]);
    }
    await p.page.close();
  });
});
