/**
 * demo/bench.html in headless Chromium on SwiftShader WebGPU, with tiny sizes
 * from URL parameters: every contender (ours, TensorFlow.js WebGPU, ORT-web
 * WebGPU and WASM) runs every case, their outputs agree with the CPU
 * reference within the float32 rounding bound, the JSON report holds
 * positive timings, the shared FLOP and byte counts and the adapter, and the
 * charts are drawn by uPlot. No timing is compared with a threshold: on
 * SwiftShader they are CPU timings.
 */
import { describe, expect, it } from 'vitest';
import { ALL_CONTENDERS, buildCases, configFromParams } from '../../demo/src/bench/cases.js';
import type { BenchReport, CaseResult } from '../../demo/src/bench/report.js';
import { expectWebGPUAdapter, keepScreenshot, openPage, useBrowser, waitForState } from './harness.js';

const h = useBrowser();

// Two sizes per family (so each chart has lines), every op, one convT shape: ~7 cases × 4 contenders.
const QUERY = 'sizes=4,8&channels=2&kernels=3&strides=2&shuffle=2&reps=2&modelSize=8&model=default-model-x2&auto=1';

const u = 2 ** -24;

/**
 * How far two float32 implementations of the case may differ per output. A
 * convolution output sums K products in some order: each side is within
 * γ_K·Σ|w·x| of the exact sum, γ_K = K·u/(1 − K·u), and Σ|w·x| ≤ K because
 * the page draws x and w from [−1, 1). K ≤ Cin·k² (fewer taps reach a convT
 * output). Data movement is exact. A model chains dozens of layers: it gets
 * the model parity tests' tolerance, 1e-3 of the output's magnitude.
 */
function tolerance(r: CaseResult): number {
  if (r.op === 'pixelShuffle') return 0;
  if (r.op === 'model') return 1e-3 * r.reference!.absMax;
  const [, cin, k] = r.op === 'convTranspose2d' ? [0, r.weight![0], r.weight![2]] : [0, r.weight![1], r.weight![2]];
  const K = cin * k * k;
  const gamma = (K * u) / (1 - K * u);
  return 2 * gamma * K;
}

describe('benchmark page (demo/bench.html)', () => {
  it('loads no peer library (tfjs, ONNX Runtime) before a run is asked for', async () => {
    const p = await openPage(h, '/demo/bench.html?sizes=4&channels=2');
    const requests: string[] = [];
    p.page.on('request', (r) => requests.push(r.url()));
    await waitForState(p.page, ['idle', 'error']);
    // Requests made before the listener was attached are in the performance timeline.
    const urls = [...requests, ...(await p.page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)))];
    expect(urls.filter((url) => /tensorflow|onnxruntime|ort-wasm|\/bench\/peers\/(tfjs|ort)/i.test(url))).toEqual([]);
    // …while the page itself did load (so the filter above looked at real traffic).
    expect(urls.some((url) => url.includes('/demo/src/bench/main.ts'))).toBe(true);
    expect(await p.page.locator('#contenders input[type=checkbox]:checked').count()).toBe(ALL_CONTENDERS.length);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it('runs every contender on every case, their outputs agree with the CPU reference, and uPlot draws the charts', async () => {
    const p = await openPage(h, `/demo/bench.html?${QUERY}`);
    const adapter = await expectWebGPUAdapter(p.page);
    expect(await waitForState(p.page, ['done', 'error'], 110_000)).toBe('done');
    const report = (await p.page.evaluate(() => window.__benchResult)) as BenchReport;
    expect(report.schema).toBe('webgpu-upsample-bench/2');
    expect(report.adapter.architecture).toBe(adapter.architecture);
    expect(report.adapter.software).toBe(true);
    expect(report.config.contenders).toEqual([...ALL_CONTENDERS]);

    // Every case the same URL asks for is in the report, in order.
    const expected = buildCases(configFromParams(new URLSearchParams(QUERY)));
    expect(report.results.map((r) => `${r.family}@${r.size}`)).toEqual(expected.map((c) => `${c.family}@${c.size}`));
    expect(report.skipped).toEqual([]);
    expect(new Set(report.results.map((r) => r.op))).toEqual(new Set(['convTranspose2d', 'pixelShuffle', 'conv2d', 'model']));

    for (const r of report.results) {
      const what = `${r.family} ${r.size}²`;
      expect(r.reference, what).not.toBeNull();
      const tol = tolerance(r);
      for (const name of ALL_CONTENDERS) {
        const c = r.contenders[name];
        if (c.status !== 'ok') throw new Error(`${what}, ${name}: ${c.status === 'error' ? c.error : c.reason}`);
        expect(c.coldMs, `${what}, ${name}`).toBeGreaterThan(0);
        expect(c.warmMs, `${what}, ${name}`).toHaveLength(2);
        for (const t of c.warmMs) expect(t, `${what}, ${name}`).toBeGreaterThan(0);
        expect(c.maxAbsDiffVsRef, `${what}, ${name}: max |Δ| vs the CPU reference ≤ ${tol}`).toBeLessThanOrEqual(tol);
        if (name === 'ours') continue;
        expect(c.timeVsOurs, `${what}, ${name}`).toBeGreaterThan(0);
        expect(c.maxAbsDiffVsOurs, `${what}, ${name}: max |Δ| vs ours ≤ ${2 * tol}`).toBeLessThanOrEqual(2 * tol);
      }
      expect(r.ours!.flushMs, what).toHaveLength(2);
      if (report.timestampQuery) expect(r.ours!.timestampMs, what).toHaveLength(2);
      if (r.op === 'pixelShuffle') {
        expect(r.bytes, what).toBe(2 * 4 * r.input.reduce((a, b) => a * b, 1));
        expect(r.ours!.gbps, what).toBeGreaterThan(0);
      } else if (r.op !== 'model') {
        expect(r.flops, what).toBeGreaterThan(0);
        expect(r.ours!.gflops, what).toBeGreaterThan(0);
      }
    }
    // The first case of the page compiled its shader; the cold column must say so.
    expect(report.results[0].ours!.compiles).toBeGreaterThan(0);
    expect(report.timer.performanceNowResolutionMs).toBeGreaterThan(0);
    expect(await p.page.locator('#table tbody tr').count()).toBe(report.results.length);
    expect(await p.page.locator('#outputs tbody tr').count()).toBe(report.results.length);
    expect(await p.page.locator('#outputs td.error, #table td.error').count()).toBe(0);

    // uPlot drew a time chart per family (a line per contender, plus ours cold) and the speed-up chart (a dot series per peer).
    const families = new Set(report.results.map((r) => r.family)).size;
    expect(await p.page.locator('#charts .uplot').count()).toBe(families);
    expect(await p.page.locator('#speedup .uplot').count()).toBe(1);
    expect(await p.page.locator('#charts svg, #speedup svg').count()).toBe(0);
    const legends = await p.page.$$eval('.uplot', (plots) => plots.map((el) => el.querySelectorAll('.u-legend .u-series').length));
    // The speed-up chart comes first on the page.
    expect(legends).toEqual([1 + ALL_CONTENDERS.length - 1, ...Array(families).fill(1 + ALL_CONTENDERS.length + 1)]);
    // Each canvas has drawn pixels (lines, points, axes), not just a blank surface.
    const inked = await p.page.$$eval('.uplot canvas', (canvases) =>
      (canvases as HTMLCanvasElement[]).map((cv) => {
        const px = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
        return n;
      }),
    );
    expect(inked).toHaveLength(families + 1);
    for (const n of inked) expect(n).toBeGreaterThan(500);
    await keepScreenshot(p.page, 'bench');
    expect(p.errors).toEqual([]);
    await p.page.close();
  });
});
