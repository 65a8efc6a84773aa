/**
 * The benchmark page: runs the sweep on WebGPU and on the CPU reference
 * kernels, then shows charts, a table and a JSON export. `?auto=1` starts it
 * on load; every form field is also a URL parameter (see cases.ts).
 */
import type { Engine } from '../../../src/index.js';
import type { UpscaleModel } from '../../../src/model/types.js';
import { byId, download, fmtMs, h, nextFrame } from '../dom.js';
import { bootEngine, renderStatus } from '../gpu-status.js';
import { loadCatalogModel } from '../upscaler/pretrained.js';
import { ALL_OPS, buildCases, configFromParams, configToParams, type BenchConfig } from './cases.js';
import { speedupChart, timeChart, type Series } from './charts.js';
import { performanceNowResolution, QueueTimer } from './gpu-timer.js';
import { timeCpu, timeGpu } from './measure.js';
import { renderTable, toResult, type BenchReport, type CaseResult } from './report.js';

declare global {
  interface Window {
    __benchResult?: BenchReport;
    __benchError?: string;
  }
}

const ui = {
  status: byId('gpu-status'),
  form: byId<HTMLFormElement>('config'),
  ops: byId('ops'),
  cpu: byId<HTMLInputElement>('cpu'),
  run: byId<HTMLButtonElement>('run'),
  stop: byId<HTMLButtonElement>('stop'),
  exportJson: byId<HTMLButtonElement>('export'),
  progress: byId<HTMLProgressElement>('progress'),
  progressLabel: byId('progress-label'),
  env: byId('env'),
  speedup: byId('speedup'),
  charts: byId('charts'),
  table: byId('table'),
};
const listFields = ['sizes', 'channels', 'kernels', 'strides', 'shuffle'] as const;
let stopper: AbortController | null = null;
/** The config the page was opened with (the model choice is URL-only). */
let urlConfig: BenchConfig = configFromParams(new URLSearchParams(location.search));

function fillForm(c: BenchConfig): void {
  for (const f of listFields) byId<HTMLInputElement>(f).value = c[f].join(', ');
  byId<HTMLInputElement>('reps').value = String(c.reps);
  ui.cpu.checked = c.cpu;
  ui.ops.replaceChildren(h('legend', {}, 'Ops'));
  for (const op of ALL_OPS) {
    const label = op === 'model' ? `model (${c.modelId}, ${c.modelSize}²)` : op;
    ui.ops.append(h('label', {}, h('input', { type: 'checkbox', name: 'op', value: op, checked: c.ops.includes(op) }), ` ${label}`));
  }
}

function readForm(): BenchConfig {
  const p = new URLSearchParams();
  for (const f of listFields) p.set(f, byId<HTMLInputElement>(f).value.replace(/\s+/g, ''));
  p.set('reps', byId<HTMLInputElement>('reps').value);
  p.set('cpu', ui.cpu.checked ? '1' : '0');
  const ops = Array.from(ui.ops.querySelectorAll<HTMLInputElement>('input[name=op]')).filter((i) => i.checked).map((i) => i.value);
  p.set('ops', ops.join(','));
  p.set('modelSize', String(urlConfig.modelSize));
  p.set('model', urlConfig.modelId);
  return configFromParams(p);
}

function fmtNs(ns: number): string {
  return ns < 1000 ? `${ns} ns` : fmtMs(ns / 1e6);
}

function facts(rows: [string, string][]): void {
  ui.env.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function renderCharts(results: CaseResult[]): void {
  const families = [...new Set(results.map((r) => r.family))];
  ui.charts.replaceChildren(
    ...families.map((fam) => {
      const rs = results.filter((r) => r.family === fam);
      const series: Series[] = [
        { name: 'GPU warm', cls: 'gpu', points: rs.map((r) => [r.size, r.gpu.warmMedianMs]) },
        { name: 'GPU cold', cls: 'gpu', dash: '4 3', points: rs.map((r) => [r.size, r.gpu.coldMs]) },
        { name: 'CPU warm', cls: 'cpu', points: rs.filter((r) => r.cpu).map((r) => [r.size, r.cpu!.warmMedianMs]) },
      ];
      return h('div', { class: 'chart' }, timeChart(fam, series));
    }),
  );
  const largest = families.map((fam) => results.filter((r) => r.family === fam).reduce((a, b) => (b.size > a.size ? b : a)));
  const bars = largest.filter((r) => r.speedup !== null).map((r) => ({ label: `${r.family} ${r.size}²`, value: r.speedup! }));
  ui.speedup.replaceChildren(bars.length ? speedupChart(bars) : h('p', { class: 'muted' }, 'Speed-ups appear when the CPU reference is timed too.'));
}

async function loadModel(engine: Engine, c: BenchConfig, skipped: BenchReport['skipped']): Promise<UpscaleModel | null> {
  if (!c.ops.includes('model')) return null;
  try {
    return await loadCatalogModel(engine, c.modelId);
  } catch (e) {
    skipped.push({ op: 'model', reason: (e as Error).message });
    return null;
  }
}

async function run(engine: Engine, c: BenchConfig): Promise<void> {
  history.replaceState(null, '', `?${configToParams(c)}`);
  document.body.dataset.state = 'running';
  ui.run.disabled = true;
  ui.stop.disabled = false;
  ui.exportJson.disabled = true;
  const stop = (stopper = new AbortController());
  const timer = QueueTimer.create(engine.device);
  const nowRes = performanceNowResolution();
  const skipped: BenchReport['skipped'] = [];
  const results: CaseResult[] = [];
  const model = await loadModel(engine, c, skipped);
  const cases = buildCases(c).filter((k) => k.op !== 'model' || model);
  try {
    for (const [i, k] of cases.entries()) {
      if (stop.signal.aborted) break;
      ui.progress.value = i / cases.length;
      ui.progressLabel.textContent = `${i + 1}/${cases.length}: ${k.family} at ${k.size}²`;
      await nextFrame();
      try {
        const gpu = await timeGpu(engine, k, c.reps, timer, model);
        const cpu = c.cpu ? timeCpu(k, c.reps) : null;
        results.push(toResult(k, gpu, cpu));
      } catch (e) {
        skipped.push({ op: k.op, reason: `${k.family} at ${k.size}²: ${(e as Error).message}` });
      }
      renderTable(ui.table, results, !!timer);
    }
    const granularity = timer?.granularityNs() ?? null;
    const report: BenchReport = {
      schema: 'webgpu-upsample-bench/1',
      date: new Date().toISOString(),
      userAgent: navigator.userAgent,
      adapter: engine.adapterInfo,
      features: [...engine.device.features].sort(),
      timestampQuery: !!timer,
      crossOriginIsolated: self.crossOriginIsolated,
      timer: { performanceNowResolutionMs: nowRes, gpuTimestampGranularityNs: granularity },
      config: c,
      notes: [byId('method-note').textContent?.replace(/\s+/g, ' ').trim() ?? ''],
      results,
      skipped,
    };
    renderCharts(results);
    facts([
      ['Adapter', [engine.adapterInfo.vendor, engine.adapterInfo.architecture, engine.adapterInfo.description].filter(Boolean).join(' ')],
      ['performance.now()', `${fmtMs(nowRes)} steps (cross-origin isolated: ${self.crossOriginIsolated ? 'yes' : 'no'})`],
      ['GPU timestamps', timer ? (granularity ? `steps of ${fmtNs(granularity)} (GCD of the raw values)` : 'available') : 'no timestamp-query feature'],
      ['Cases', `${results.length} run${skipped.length ? `, ${skipped.length} skipped: ${skipped.map((s) => s.reason).join('; ')}` : ''}`],
    ]);
    window.__benchResult = report;
    ui.exportJson.onclick = () => download(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }), `bench-${Date.now()}.json`);
    ui.exportJson.disabled = false;
    ui.progress.value = 1;
    ui.progressLabel.textContent = stop.signal.aborted ? `stopped after ${results.length} cases` : `done: ${results.length} cases`;
    document.body.dataset.state = 'done';
  } finally {
    timer?.destroy();
    ui.run.disabled = false;
    ui.stop.disabled = true;
  }
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  urlConfig = configFromParams(params);
  fillForm(urlConfig);
  const boot = await bootEngine();
  renderStatus(ui.status, boot, 'The benchmark compares WebGPU with the CPU reference, so it needs WebGPU.');
  if (boot.kind !== 'webgpu') {
    ui.run.disabled = true;
    document.body.dataset.state = 'error';
    window.__benchError = boot.reason;
    return;
  }
  const engine = boot.engine;
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    run(engine, readForm()).catch(fail);
  });
  ui.stop.addEventListener('click', () => stopper?.abort());
  facts([['Ready', 'press Run (small sizes suit software adapters)']]);
  document.body.dataset.state = 'idle';
  if (params.get('auto') === '1') await run(engine, urlConfig);
}

function fail(e: Error): void {
  window.__benchError = e.message;
  document.body.dataset.state = 'error';
  ui.progressLabel.replaceChildren(h('span', { class: 'error' }, `Failed: ${e.message}`));
}

main().catch(fail);
