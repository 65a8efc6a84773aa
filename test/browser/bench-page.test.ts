/**
 * demo/bench.html in headless Chromium on SwiftShader WebGPU, with tiny sizes
 * from URL parameters: the page must emit a JSON report with a result for
 * every case of the sweep (every op), positive timings, the FLOP and byte
 * counts of the shared counter, and the adapter it ran on.
 */
import { describe, expect, it } from 'vitest';
import { buildCases, configFromParams } from '../../demo/src/bench/cases.js';
import type { BenchReport } from '../../demo/src/bench/report.js';
import { expectWebGPUAdapter, keepScreenshot, openPage, useBrowser, waitForState } from './harness.js';

const h = useBrowser();

const QUERY = 'sizes=4,8&channels=2&kernels=2,3&strides=1,2&shuffle=2&reps=2&modelSize=8&model=default-model-x2&auto=1';

describe('benchmark page (demo/bench.html)', () => {
  it('runs the sweep on the SwiftShader adapter and emits a JSON result for every case with positive timings', async () => {
    const p = await openPage(h, `/demo/bench.html?${QUERY}`);
    const adapter = await expectWebGPUAdapter(p.page);
    expect(await waitForState(p.page, ['done', 'error'], 110_000)).toBe('done');
    const report = (await p.page.evaluate(() => window.__benchResult)) as BenchReport;
    expect(report.schema).toBe('webgpu-upsample-bench/1');
    expect(report.adapter.architecture).toBe(adapter.architecture);
    expect(report.adapter.software).toBe(true);

    // Every case the same URL asks for is in the report, in order (model only when the model code exists).
    const config = configFromParams(new URLSearchParams(QUERY));
    const expected = buildCases(config);
    expect(report.results.map((r) => `${r.family}@${r.size}`)).toEqual(expected.map((c) => `${c.family}@${c.size}`));
    expect(report.skipped).toEqual([]);
    const ops = new Set(report.results.map((r) => r.op));
    for (const op of ['convTranspose2d', 'pixelShuffle', 'conv2d']) expect(ops, op).toContain(op);
    expect(ops).toContain('model');

    for (const r of report.results) {
      const what = `${r.family} ${r.size}²`;
      expect(r.gpu.coldMs, what).toBeGreaterThan(0);
      expect(r.gpu.warmMs, what).toHaveLength(2);
      for (const t of r.gpu.warmMs) expect(t, what).toBeGreaterThan(0);
      if (report.timestampQuery) expect(r.gpu.timestampMs, what).toHaveLength(2);
      if (r.op === 'model') continue;
      expect(r.cpu, what).not.toBeNull();
      expect(r.cpu!.warmMedianMs, what).toBeGreaterThan(0);
      expect(r.speedup, what).toBeGreaterThan(0);
      if (r.op === 'pixelShuffle') {
        expect(r.bytes, what).toBe(2 * 4 * r.input.reduce((a, b) => a * b, 1));
        expect(r.gpuGBps, what).toBeGreaterThan(0);
      } else {
        expect(r.flops, what).toBeGreaterThan(0);
        expect(r.gpuGflops, what).toBeGreaterThan(0);
      }
    }
    // The first case of the page compiled its shader; the cold column must say so.
    expect(report.results[0].gpu.compiles).toBeGreaterThan(0);
    expect(report.timer.performanceNowResolutionMs).toBeGreaterThan(0);

    // The page drew a chart per family and a table row per result.
    const families = new Set(report.results.map((r) => r.family)).size;
    expect(await p.page.locator('#charts svg').count()).toBe(families);
    expect(await p.page.locator('#table tbody tr').count()).toBe(report.results.length);
    await keepScreenshot(p.page, 'bench');
    expect(p.errors).toEqual([]);
    await p.page.close();
  });
});
