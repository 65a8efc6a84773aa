/**
 * The benchmark page: runs the sweep on our engine and on the peer libraries
 * the visitor picks (TensorFlow.js WebGPU, ONNX Runtime Web WebGPU and WASM,
 * loaded only then), checks every output against the CPU reference kernels,
 * then shows charts, a table and a JSON export. `?auto=1` starts it on load;
 * every form field is also a URL parameter (see cases.ts). Below it, the
 * frames-per-second section (./fps.ts), run by its own button.
 */
import { loadPeer } from '../../../bench/peers/index.js';
import { errorText, fetchLayersModel, type PeerId } from '../../../bench/peers/job.js';
import { formatDuration, type Engine } from '../../../src/index.js';
import { parseLayersModel } from '../../../src/model/index.js';
import { modelJsonPath } from '../model-catalog.js';
import { byId, download, fmtMs, h, nextFrame } from '../dom.js';
import { bootEngine, renderStatus } from '../gpu-status.js';
import { catalogModel, loadCatalogModel } from '../upscaler/pretrained.js';
import {
  ALL_CONTENDERS,
  ALL_OPS,
  buildCases,
  configFromParams,
  configToParams,
  CONTENDER_LABELS,
  estimateRunMs,
  QUICK_SOFTWARE_CONFIG,
  type BenchConfig,
  type Contender,
} from './cases.js';
import { speedupChart, timeChart, type Line } from './charts.js';
import { setupFps } from './fps.js';
import { performanceNowResolution, QueueTimer } from './gpu-timer.js';
import { renderTables, type BenchReport, type CaseResult } from './report.js';
import { runCase, type RunContext } from './run-case.js';

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
  contenders: byId('contenders'),
  cpu: byId<HTMLInputElement>('cpu'),
  run: byId<HTMLButtonElement>('run'),
  stop: byId<HTMLButtonElement>('stop'),
  exportJson: byId<HTMLButtonElement>('export'),
  progress: byId<HTMLProgressElement>('progress'),
  progressLabel: byId('progress-label'),
  estimate: byId('estimate'),
  env: byId('env'),
  speedup: byId('speedup'),
  charts: byId('charts'),
  table: byId('table'),
  outputs: byId('outputs'),
};
const listFields = ['sizes', 'channels', 'kernels', 'strides', 'shuffle'] as const;
let stopper: AbortController | null = null;
/** One run at a time on the GPU: the sweep and the fps section lock each other out. */
let fpsRunning = false;
let fpsSection: { setEnabled(on: boolean): void } | null = null;
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
  ui.contenders.replaceChildren(h('legend', {}, 'Contenders'));
  for (const n of ALL_CONTENDERS) {
    ui.contenders.append(
      h(
        'label',
        {},
        h('input', { type: 'checkbox', name: 'contender', value: n, checked: c.contenders.includes(n) }),
        ` ${CONTENDER_LABELS[n]}`,
      ),
    );
  }
}

function readForm(): BenchConfig {
  const p = new URLSearchParams();
  for (const f of listFields) p.set(f, byId<HTMLInputElement>(f).value.replace(/\s+/g, ''));
  p.set('reps', byId<HTMLInputElement>('reps').value);
  p.set('cpu', ui.cpu.checked ? '1' : '0');
  const ops = Array.from(ui.ops.querySelectorAll<HTMLInputElement>('input[name=op]'))
    .filter((i) => i.checked)
    .map((i) => i.value);
  p.set('ops', ops.join(','));
  const contenders = Array.from(ui.contenders.querySelectorAll<HTMLInputElement>('input[name=contender]'))
    .filter((i) => i.checked)
    .map((i) => i.value);
  p.set('contenders', contenders.join(','));
  p.set('modelSize', String(urlConfig.modelSize));
  p.set('model', urlConfig.modelId);
  return configFromParams(p);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "12 cases × 4 contenders · about 3 min 10 s on this software adapter": what Run will do, before it is pressed. */
function describeRun(c: BenchConfig, software: boolean): string {
  const cases = buildCases(c);
  const est = estimateRunMs(cases, c, software);
  return `${plural(cases.length, 'case')} × ${plural(c.contenders.length, 'contender')} · about ${formatDuration(est)} on this ${software ? 'software ' : ''}adapter (a rough estimate)`;
}

function fmtNs(ns: number): string {
  return ns < 1000 ? `${ns} ns` : fmtMs(ns / 1e6);
}

function facts(rows: [string, string][]): void {
  ui.env.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** One colour per contender, the same in every chart. */
const COLORS: Record<Contender, string> = { ours: '#3056d3', 'tfjs-webgpu': '#e8710a', 'ort-webgpu': '#12a150', 'ort-wasm': '#9b3fc7' };

const warm = (r: CaseResult, n: Contender): number | null => {
  const c = r.contenders[n];
  return c.status === 'ok' ? c.warmMedianMs : null;
};

function renderCharts(results: CaseResult[], shown: Contender[]): void {
  ui.charts.replaceChildren();
  for (const fam of new Set(results.map((r) => r.family))) {
    const rs = results.filter((r) => r.family === fam).sort((a, b) => a.size - b.size);
    const lines: Line[] = shown.map((n) => ({
      label: `${CONTENDER_LABELS[n].replace(' (WebGPU)', '')} warm`,
      color: COLORS[n],
      values: rs.map((r) => warm(r, n)),
    }));
    if (shown.includes('ours')) {
      const cold = rs.map((r) => (r.contenders.ours.status === 'ok' ? r.contenders.ours.coldMs : null));
      lines.splice(1, 0, { label: 'ours cold', color: COLORS.ours, dash: [5, 4], values: cold });
    }
    const cell = h('div', { class: 'chart', 'data-family': fam });
    ui.charts.append(cell);
    timeChart(
      cell,
      fam,
      rs.map((r) => r.size),
      lines,
    );
  }
  const peers = shown.filter((n) => n !== 'ours');
  const largest = [...new Set(results.map((r) => r.family))].map((fam) =>
    results.filter((r) => r.family === fam).reduce((a, b) => (b.size > a.size ? b : a)),
  );
  const timeVsOurs = (r: CaseResult, n: Contender): number | null => {
    const c = r.contenders[n];
    return c.status === 'ok' ? c.timeVsOurs : null;
  };
  const any = largest.some((r) => peers.some((n) => timeVsOurs(r, n) !== null));
  ui.speedup.replaceChildren();
  if (!any) {
    ui.speedup.append(h('p', { class: 'muted' }, 'Speed-ups appear when ours and at least one peer ran.'));
    return;
  }
  const lines = peers.map((n) => ({ label: CONTENDER_LABELS[n], color: COLORS[n], values: largest.map((r) => timeVsOurs(r, n)) }));
  speedupChart(
    ui.speedup,
    largest.map((r) => `${r.family} ${r.size}²`),
    lines,
  );
}

/** Our model, its graph for the reference, and its URL for the peers; null without a model case. */
async function loadModel(engine: Engine, c: BenchConfig, skipped: BenchReport['skipped']): Promise<RunContext['model']> {
  if (!c.ops.includes('model')) return null;
  try {
    const m = catalogModel(c.modelId);
    const url = new URL(modelJsonPath(m), document.baseURI).href;
    const ours = await loadCatalogModel(engine, c.modelId);
    let graph = null;
    if (c.cpu) {
      const { json, shards } = await fetchLayersModel(url);
      graph = parseLayersModel(json, shards);
    }
    return { ours, graph, url, scale: m.scale };
  } catch (e) {
    skipped.push({ op: 'model', reason: (e as Error).message });
    return null;
  }
}

/** The chosen peers' modules (dynamic imports: nothing of tfjs or ORT loads before this). */
async function loadPeers(c: BenchConfig): Promise<RunContext['peers']> {
  const peers: RunContext['peers'] = {};
  for (const id of c.contenders.filter((n): n is PeerId => n !== 'ours')) {
    ui.progressLabel.textContent = `loading ${CONTENDER_LABELS[id]}…`;
    peers[id] = await loadPeer(id).catch((e: unknown) => ({ error: errorText(e) }));
  }
  return peers;
}

async function run(engine: Engine, c: BenchConfig): Promise<void> {
  history.replaceState(null, '', `?${configToParams(c)}`);
  document.body.dataset.state = 'running';
  ui.run.disabled = true;
  fpsSection?.setEnabled(false);
  ui.stop.disabled = false;
  ui.exportJson.disabled = true;
  const stop = (stopper = new AbortController());
  const timer = QueueTimer.create(engine.device);
  const nowRes = performanceNowResolution();
  const skipped: BenchReport['skipped'] = [];
  const results: CaseResult[] = [];
  const shown = ALL_CONTENDERS.filter((n) => c.contenders.includes(n));
  // The panel below the progress line describes this run from now on, not the page's idle state.
  facts([['Running', describeRun(c, engine.adapterInfo.software)]]);
  const model = await loadModel(engine, c, skipped);
  const ctx: RunContext = { engine, config: c, timer, model, peers: await loadPeers(c), signal: stop.signal };
  const cases = buildCases(c).filter((k) => k.op !== 'model' || model);
  // A software adapter's timestamps do not time the work (SwiftShader reported 3.09 ms for a case that took 526 ms): not shown there.
  const timestamps = !!timer && !engine.adapterInfo.software;
  const t0 = performance.now();
  try {
    for (const [i, k] of cases.entries()) {
      if (stop.signal.aborted) break;
      ui.progress.value = i / cases.length;
      const elapsed = performance.now() - t0;
      const left = i > 0 ? `, about ${formatDuration((elapsed / i) * (cases.length - i))} left` : '';
      ui.progressLabel.textContent = `${i + 1}/${cases.length}: ${k.family} at ${k.size}² · ${formatDuration(elapsed)} elapsed${left}`;
      await nextFrame();
      try {
        results.push(await runCase(ctx, k));
      } catch (e) {
        if (stop.signal.aborted) break; // Stop interrupted this case: it is not a result
        skipped.push({ op: k.op, reason: `${k.family} at ${k.size}²: ${(e as Error).message}` });
      }
      renderTables(ui.table, ui.outputs, results, shown, timestamps);
    }
    const granularity = timer?.granularityNs() ?? null;
    const report: BenchReport = {
      schema: 'webgpu-upsample-bench/2',
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
    renderCharts(results, shown);
    facts([
      ['Adapter', [engine.adapterInfo.vendor, engine.adapterInfo.architecture, engine.adapterInfo.description].filter(Boolean).join(' ')],
      ['performance.now()', `${fmtMs(nowRes)} steps (cross-origin isolated: ${self.crossOriginIsolated ? 'yes' : 'no'})`],
      [
        'GPU timestamps',
        !timer
          ? 'no timestamp-query feature'
          : !timestamps
            ? "not shown: a software adapter's timestamps do not time the work (SwiftShader's read 3 ms where 526 ms passed)"
            : granularity
              ? `steps of ${fmtNs(granularity)} (GCD of the raw values)`
              : 'available',
      ],
      ['Cases', `${results.length} run${skipped.length ? `, ${skipped.length} skipped: ${skipped.map((s) => s.reason).join('; ')}` : ''}`],
    ]);
    window.__benchResult = report;
    ui.exportJson.onclick = () =>
      download(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }), `bench-${Date.now()}.json`);
    ui.exportJson.disabled = false;
    ui.progress.value = 1;
    const took = formatDuration(performance.now() - t0);
    ui.progressLabel.textContent = stop.signal.aborted
      ? `stopped after ${plural(results.length, 'case')} (${took})`
      : `done: ${plural(results.length, 'case')} in ${took}`;
    document.body.dataset.state = 'done';
  } finally {
    timer?.destroy();
    ui.run.disabled = false;
    fpsSection?.setEnabled(true);
    ui.stop.disabled = true;
  }
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  urlConfig = configFromParams(params);
  fillForm(urlConfig);
  const boot = await bootEngine();
  renderStatus(ui.status, boot, 'The benchmark times our WebGPU engine against its peers, so it needs WebGPU.');
  if (boot.kind !== 'webgpu') {
    ui.run.disabled = true;
    document.body.dataset.state = 'error';
    window.__benchError = boot.reason;
    return;
  }
  const engine = boot.engine;
  const software = engine.adapterInfo.software;
  // A first visit on a software adapter gets the quick suite (a few minutes); a URL that sets the sweep keeps it.
  const sweepGiven = [...listFields, 'reps', 'modelSize'].some((f) => params.has(f));
  if (software && !sweepGiven) {
    urlConfig = { ...urlConfig, ...QUICK_SOFTWARE_CONFIG };
    fillForm(urlConfig);
  }
  const showEstimate = (): void => void (ui.estimate.textContent = describeRun(readForm(), software));
  ui.form.addEventListener('input', showEstimate);
  ui.form.addEventListener('change', showEstimate);
  showEstimate();
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!fpsRunning) run(engine, readForm()).catch(fail);
  });
  fpsSection = setupFps(
    engine,
    (on) => {
      fpsRunning = on;
      ui.run.disabled = on;
    },
    () => ui.run.disabled,
  );
  ui.stop.addEventListener('click', () => stopper?.abort());
  facts([['Ready', software ? 'press Run (the quick suite: this adapter is software)' : 'press Run']]);
  document.body.dataset.state = 'idle';
  if (params.get('auto') === '1') await run(engine, urlConfig);
}

function fail(e: Error): void {
  window.__benchError = e.message;
  document.body.dataset.state = 'error';
  ui.progressLabel.replaceChildren(h('span', { class: 'error' }, `Failed: ${e.message}`));
}

main().catch(fail);
