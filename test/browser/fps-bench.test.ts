/**
 * The frames-per-second benchmark (bench/fps) end to end in headless Chromium
 * on SwiftShader, at the smallest case (Anime4K S on 64×48 VideoFrames, one
 * warm-up and two timed frames per path): on `npm run bench`'s page
 * (bench/page, through `window.__benchRun` as bench/run.ts drives it, and its
 * markdown) and on the demo's benchmark page (its fps section's button).
 * Asserted: every path ran, WebSR included (stub canvas context, as on any
 * software adapter), the GPU-resident and round-trip outputs of the first
 * frame are equal byte for byte, and the ratios and targets are filled in. No
 * timing is compared with a threshold: on SwiftShader they are CPU timings.
 */
import { describe, expect, it } from 'vitest';
import type { PageConfig, PageReport } from '../../bench/page/main.js';
import { FPS_TARGETS, fpsCase, fpsCaseName } from '../../bench/fps/cases.js';
import type { FpsResult, PathResult } from '../../bench/fps/measure.js';
import { toMarkdown, type BenchRun } from '../../bench/report.js';
import { expectWebGPUAdapter, openPage, useBrowser, waitForState } from './harness.js';

const h = useBrowser();
const CASE = fpsCase('anime4k-s', 64, 48, 2, 1);

function expectRan(p: PathResult, what: string): void {
  if (p.status !== 'ok') throw new Error(`${what}: ${p.status === 'error' ? p.error : p.reason}`);
  expect(p.frameMs, what).toHaveLength(CASE.frames);
  expect(p.warmupMs, what).toHaveLength(CASE.warmup);
  for (const ms of [...p.frameMs, ...p.warmupMs]) expect(ms, what).toBeGreaterThan(0);
  expect(p.fps, what).toBeCloseTo(1000 / p.medianMs, 6);
}

/** What any page must report for CASE: three paths and the network ran, outputs equal, ratios against the targets. */
function expectFpsResult(r: FpsResult): void {
  expect(r.name).toBe(fpsCaseName(CASE));
  expect(r.source).toBe('VideoFrame');
  expect(r.output).toEqual({ width: 128, height: 96 });
  expectRan(r.gpu, 'GPU-resident');
  expectRan(r.roundTrip, 'round trip');
  expectRan(r.websr, 'WebSR');
  expectRan(r.network, 'network alone');
  expect(r.websr.status === 'ok' && r.websr.note).toContain('stub canvas context');
  expect(r.identical).toEqual({ equal: true, bytes: 128 * 96 * 4, differing: 0, maxDiff: 0 });
  for (const k of ['roundTrip', 'websr'] as const) {
    const other = r[k];
    const gpu = r.gpu;
    if (other.status !== 'ok' || gpu.status !== 'ok') throw new Error('unreachable');
    expect(r.ratios[k]).toBeCloseTo(other.medianMs / gpu.medianMs, 6);
    expect(r.met[k]).toBe(r.ratios[k]! >= FPS_TARGETS[k]);
  }
}

describe('frames-per-second benchmark (bench/fps), smallest case', () => {
  it("npm run bench's page: GPU-resident, round trip and WebSR on the same VideoFrames; outputs identical; in the markdown", async () => {
    const p = await openPage(h, '/bench/page/index.html');
    await expectWebGPUAdapter(p.page);
    await p.page.waitForFunction(() => document.body.dataset.state === 'ready', undefined, { timeout: 90_000 });
    const config: PageConfig = { cases: [CASE], anchors: ['tfjs', 'ort'], reps: 1, budgetMs: 60_000, cpuBackend: false };
    const report = (await p.page.evaluate((cfg) => window.__benchRun!(cfg), config)) as PageReport;
    expect(report.results).toHaveLength(1);
    const [r] = report.results;
    expect(r.ours.status).toBe('ok');
    // The anchors have nothing to run on an fps case, and are not even loaded for an fps-only run.
    for (const s of [r.tfjs, r.ort, r.oursWasm]) expect(s).toEqual({ status: 'skipped', reason: 'not requested' });
    expect(report.tfjsInitError).toBeNull();
    expectFpsResult(r.fps!);

    const run: BenchRun = {
      schema: 'webgpu-upsample-anchor-bench/1',
      date: 'test',
      mode: 'quick',
      argv: ['--filter', 'fps'],
      reps: 1,
      budgetMs: 60_000,
      machine: { cpu: 'test', cores: 1, memGiB: 1, node: 'test', platform: 'test' },
      page: report,
      cpu: [],
    };
    const md = toMarkdown(run);
    const row = md.split('\n').find((l) => l.startsWith(`| ${r.name} |`));
    expect(row, md).toBeDefined();
    expect(row).toMatch(/\| yes \(49152 bytes\) \|/);
    expect(row).toMatch(/× \(≥ 3×: (met|not met)\)/);
    expect(row).toMatch(/× \(≥ 2×: (met|not met)\)/);
    expect(md).not.toContain('| case | ours cold |'); // an fps-only run has no empty op tables
    expect(p.errors).toEqual([]);
    await p.page.close();
  });

  it("the demo benchmark page's fps section: Run fps shows every path and fills window.__fpsResult", async () => {
    const q = `fpsNetworks=${CASE.network}&fpsWidth=${CASE.width}&fpsHeight=${CASE.height}&fpsFrames=${CASE.frames}&fpsWarmup=${CASE.warmup}`;
    const p = await openPage(h, `/demo/bench.html?${q}`);
    await expectWebGPUAdapter(p.page);
    expect(await waitForState(p.page, ['idle', 'error'])).toBe('idle');
    await p.page.waitForFunction(() => document.getElementById('fps')?.dataset.state === 'idle');
    expect(await p.page.locator('#fps-networks input:checked').count()).toBe(1);
    await p.page.click('#fps-run');
    await p.page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('fps')?.dataset.state ?? ''), undefined, {
      timeout: 110_000,
    });
    expect(await p.page.locator('#fps').getAttribute('data-state'), await p.page.locator('#fps-status').innerText()).toBe('done');
    const results = (await p.page.evaluate(() => window.__fpsResult)) as FpsResult[];
    expect(results).toHaveLength(1);
    expectFpsResult(results[0]);
    // One row per path (GPU-resident, round trip, WebSR, network alone), none in error; the targets are shown.
    expect(await p.page.locator('#fps-table tbody tr').count()).toBe(4);
    expect(await p.page.locator('#fps-table td.error').count()).toBe(0);
    const text = await p.page.locator('#fps-table').innerText();
    expect(text).toContain('≥ 3×');
    expect(text).toContain('≥ 2×');
    expect(text).not.toMatch(/\berror\b/);
    expect(p.errors).toEqual([]);
    await p.page.close();
  });
});
