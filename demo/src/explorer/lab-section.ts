/**
 * The explorer's "Checkerboard lab" section: Run trains the six ×2 decoders of
 * demo/src/lab/ on patches of the sample image (the upscaler page's
 * assets/sample.png) on the page's WebGPU engine, drawing the loss curves as
 * they come, then each decoder's output for a flat and a smooth input and the
 * score table. Stop aborts between training steps. Every control is also a URL
 * parameter of the same name (labSteps=8&labChannels=8 …), so a test can
 * shrink the run.
 */
import { byId, h } from '../dom.js';
import type { Boot } from '../gpu-status.js';
import { DEFAULT_CONFIG, fmtNum, rgbPlanes, runLab, type LabConfig, type LabMethodResult, type LabRow } from '../lab/lab.js';
import { METHODS } from '../lab/methods.js';
import { meanPlane } from '../lab/score.js';
import { loadSample } from '../upscaler/sample.js';
import { drawHeatmap, range } from './heatmap.js';
import { lossChart, METHOD_COLORS, type LossChart } from './lab-chart.js';

type LabState = 'idle' | 'unavailable' | 'running' | 'done' | 'stopped' | 'error';

declare global {
  interface Window {
    __lab?: { state: LabState; rows: LabRow[]; steps: number; error: string | null; sample: string | null };
  }
}

/** Form control name → config key (the names are the URL parameters). */
const FIELDS: [string, keyof LabConfig][] = [
  ['labSteps', 'steps'],
  ['labChannels', 'channels'],
  ['labPatch', 'patch'],
  ['labBatch', 'batch'],
  ['labSeed', 'seed'],
  ['labLr', 'lr'],
  ['labReg', 'regularizer'],
  ['labScore', 'scoreSize'],
];

export function mountLab(boot: Boot): void {
  const section = byId('lab');
  const form = byId<HTMLFormElement>('lab-controls');
  const run = byId<HTMLButtonElement>('lab-run');
  const stop = byId<HTMLButtonElement>('lab-stop');
  const progress = byId('lab-progress');
  const chartEl = byId('lab-chart');
  const tableEl = byId('lab-table');
  const outputsEl = byId('lab-outputs');
  const debug: NonNullable<Window['__lab']> = { state: 'idle', rows: [], steps: 0, error: null, sample: null };
  window.__lab = debug;
  const setState = (s: LabState): void => {
    debug.state = s;
    section.dataset.state = s;
  };

  const field = (name: string): HTMLInputElement => form.elements.namedItem(name) as HTMLInputElement;
  form.addEventListener('submit', (e) => e.preventDefault());
  const params = new URLSearchParams(location.search);
  for (const [name] of FIELDS) {
    const v = params.get(name);
    if (v !== null) field(name).value = v;
  }

  if (boot.kind !== 'webgpu') {
    run.disabled = true;
    progress.replaceChildren(h('span', { class: 'error' }, 'The lab needs WebGPU: it trains the decoders on the GPU. '), boot.reason);
    setState('unavailable');
    return;
  }
  const engine = boot.engine;

  const read = (): LabConfig => {
    const cfg = { ...DEFAULT_CONFIG };
    for (const [name, key] of FIELDS) {
      const v = Number(field(name).value);
      if (Number.isFinite(v) && v > 0) (cfg[key] as number) = key === 'lr' || key === 'regularizer' ? v : Math.round(v);
    }
    return cfg;
  };

  let controller: AbortController | null = null;
  stop.addEventListener('click', () => controller?.abort(new DOMException('Stopped by the user', 'AbortError')));
  run.addEventListener('click', () => {
    if (controller) return;
    void start(read());
  });

  async function start(cfg: LabConfig): Promise<void> {
    controller = new AbortController();
    const signal = controller.signal;
    run.disabled = true;
    stop.disabled = false;
    setState('running');
    debug.rows = [];
    debug.steps = 0;
    debug.error = null;
    tableEl.replaceChildren();
    outputsEl.replaceChildren();
    chartEl.replaceChildren();
    let chart: LossChart | null = null;
    const t0 = performance.now();
    try {
      const sample = await loadSample();
      debug.sample = sample.name;
      const image = rgbPlanes(sample.image.data, sample.image.width, sample.image.height, 4);
      chart = lossChart(
        chartEl,
        METHODS.map((m) => m.label),
        cfg.steps,
      );
      const c = chart;
      const results: LabMethodResult[] = [];
      await runLab(engine, [image], cfg, {
        signal,
        onStep: (m, s) => {
          debug.steps++;
          c.push(METHODS.indexOf(m), s.step, s.loss);
          progress.textContent = `${m.label}: step ${s.step} of ${cfg.steps}, loss ${fmtNum(s.loss)} · ${((performance.now() - t0) / 1000).toFixed(1)} s`;
        },
        onMethod: (r) => {
          results.push(r);
          debug.rows = results.map((x) => x.row);
          renderTable(tableEl, debug.rows);
          outputsEl.append(outputFigure(r));
        },
      });
      progress.textContent = `Done: ${METHODS.length} decoders × ${cfg.steps} steps on ${sample.name} (${cfg.patch}² patches, batch ${cfg.batch}, ${cfg.channels} channels, seed ${cfg.seed}) in ${((performance.now() - t0) / 1000).toFixed(1)} s.`;
      setState('done');
    } catch (e) {
      const err = e as Error;
      if (signal.aborted) {
        progress.textContent = `Stopped after ${debug.rows.length} of ${METHODS.length} decoders.`;
        setState('stopped');
      } else {
        debug.error = `${err.name}: ${err.message}`;
        progress.replaceChildren(h('span', { class: 'error' }, debug.error));
        setState('error');
      }
    } finally {
      controller = null;
      run.disabled = false;
      stop.disabled = true;
    }
  }
}

function renderTable(el: HTMLElement, rows: LabRow[]): void {
  const th = (t: string): HTMLElement => h('th', {}, t);
  const td = (t: string): HTMLElement => h('td', {}, t);
  el.replaceChildren(
    h(
      'table',
      { class: 'results', id: 'lab-results' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          th('method'),
          th('final training loss'),
          th('MSE, fixed batch'),
          th('flat score'),
          th('smooth score'),
          th('train time'),
        ),
      ),
      h(
        'tbody',
        {},
        ...rows.map((r) =>
          h(
            'tr',
            { 'data-method': r.method },
            h(
              'td',
              {},
              h('span', { class: 'swatch', style: `background:${METHOD_COLORS[METHODS.findIndex((m) => m.id === r.method)]}` }),
              r.label,
            ),
            td(fmtNum(r.finalLoss)),
            td(fmtNum(r.evalMse)),
            td(fmtNum(r.flatScore)),
            td(fmtNum(r.smoothScore)),
            td(`${(r.trainMs / 1000).toFixed(1)} s`),
          ),
        ),
      ),
    ),
  );
}

/** One method's outputs for the flat and the smooth input, each contrast-stretched to its own min…max. */
function outputFigure(r: LabMethodResult): HTMLElement {
  const panel = (title: string, p: LabMethodResult['outputs']['flat'], score: number): HTMLElement => {
    const g = meanPlane(p);
    const canvas = h('canvas', { class: 'lab-output' });
    drawHeatmap(canvas, g, { maxWidth: 160 });
    const [lo, hi] = range(g);
    return h(
      'div',
      {},
      h('div', { class: 'muted' }, `${title} · score ${fmtNum(score)}`),
      canvas,
      h('div', { class: 'muted' }, `max − min ${fmtNum(hi - lo)}`),
    );
  };
  return h(
    'div',
    { class: 'figure lab-figure', 'data-method': r.row.method },
    h('h3', {}, r.row.label),
    panel('flat input', r.outputs.flat, r.row.flatScore),
    panel('smooth input', r.outputs.smooth, r.row.smoothScore),
  );
}
