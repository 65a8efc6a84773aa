/**
 * The benchmark page's frames-per-second section: video frames upscaled by
 * Anime4K S/M/L or esrgan-slim ×2 three ways on this adapter (bench/fps: our
 * GPU-resident path, our CPU round trip, WebSR), with ms/frame, fps and the
 * ratios against the targets. Form fields are URL parameters too
 * (fpsNetworks, fpsWidth, fpsHeight, fpsFrames, fpsWarmup); the section's
 * state is `data-state` on #fps (idle, running, done, error) and the results
 * are `window.__fpsResult`.
 */
import type { Engine } from '../../../src/index.js';
import { runFpsBrowser } from '../../../bench/fps/browser.js';
import { FPS_NETWORK_IDS, FPS_NETWORKS, FPS_TARGETS, fpsCase, type FpsNetwork } from '../../../bench/fps/cases.js';
import { errorText, type FpsResult, type PathResult } from '../../../bench/fps/measure.js';
import { byId, fmtMs, h, intParam, nextFrame } from '../dom.js';
import { loadCatalogModel } from '../upscaler/pretrained.js';

declare global {
  interface Window {
    __fpsResult?: FpsResult[];
  }
}

export interface FpsConfig {
  networks: FpsNetwork[];
  width: number;
  height: number;
  frames: number;
  warmup: number;
}

/** The sizes on a GPU; a small frame and S alone on a software adapter, where shaders run on the CPU. */
export function defaultFpsConfig(software: boolean): FpsConfig {
  return software
    ? { networks: ['anime4k-s'], width: 160, height: 90, frames: 5, warmup: 1 }
    : { networks: [...FPS_NETWORK_IDS], width: 640, height: 360, frames: 30, warmup: 3 };
}

export function fpsConfigFromParams(p: URLSearchParams, fallback: FpsConfig): FpsConfig {
  const listed = (p.get('fpsNetworks') ?? '').split(',').filter((n): n is FpsNetwork => n in FPS_NETWORKS);
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
  return {
    networks: listed.length ? listed : fallback.networks,
    width: clamp(intParam(p, 'fpsWidth', fallback.width), 8, 3840),
    height: clamp(intParam(p, 'fpsHeight', fallback.height), 8, 2160),
    frames: clamp(intParam(p, 'fpsFrames', fallback.frames), 1, 500),
    warmup: clamp(intParam(p, 'fpsWarmup', fallback.warmup), 0, 50),
  };
}

const PATHS = [
  ['gpu', 'GPU-resident (upscaleTexture)'],
  ['roundTrip', 'CPU round trip (upscale)'],
  ['websr', 'WebSR'],
  ['network', 'network alone (reference)'],
] as const;

const TARGET: Record<'roundTrip' | 'websr', number> = FPS_TARGETS;

function pathCells(p: PathResult): HTMLTableCellElement[] {
  if (p.status === 'ok') return [h('td', {}, fmtMs(p.medianMs)), h('td', {}, p.fps >= 10 ? p.fps.toFixed(0) : p.fps.toFixed(2))];
  if (p.status === 'error') return [h('td', { class: 'error', title: p.error }, 'error'), h('td', {}, '—')];
  return [h('td', { title: p.reason }, '—'), h('td', {}, '—')];
}

/** One row per network and path: ms/frame, fps, and for the other paths their ratio to GPU-resident against the target. */
export function renderFpsTable(el: HTMLElement, results: FpsResult[]): void {
  const head = ['network, frame', 'path', 'ms / frame (median)', 'fps', '÷ GPU-resident', 'target', 'outputs identical'];
  const rows: HTMLTableRowElement[] = [];
  for (const r of results) {
    for (const [key, label] of PATHS) {
      const p = r[key];
      let ratio = h('td', {}, '—');
      let target = h('td', {}, '—');
      if (key === 'roundTrip' || key === 'websr') {
        const v = r.ratios[key];
        const met = r.met[key];
        ratio = h('td', {}, v === null ? '—' : `${v.toFixed(2)}×`);
        target = h('td', {}, `≥ ${TARGET[key]}×${met === null ? '' : met ? ': met' : ': not met'}`);
      }
      const i = r.identical;
      const same = key !== 'gpu' ? '' : 'error' in i ? 'error' : i.equal ? 'yes' : `no (${i.differing} bytes differ, max ${i.maxDiff})`;
      rows.push(
        h(
          'tr',
          { 'data-network': r.case.network, 'data-path': key },
          h('td', {}, key === 'gpu' ? `${FPS_NETWORKS[r.case.network].label}, ${r.case.width}×${r.case.height}` : ''),
          h('td', { title: p.status === 'ok' && p.note ? p.note : '' }, label),
          ...pathCells(p),
          ratio,
          target,
          h('td', {}, same),
        ),
      );
    }
  }
  el.replaceChildren(
    h('table', { class: 'results' }, h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))), h('tbody', {}, ...rows)),
  );
}

/**
 * Wires the section to `engine`. `lock(true)` while a run goes (the page
 * disables its sweep so the two never share the GPU); `busy()` says whether
 * a run (the sweep's or this one) is going.
 */
export function setupFps(engine: Engine, lock: (on: boolean) => void, busy: () => boolean): { setEnabled(on: boolean): void } {
  const ui = {
    section: byId('fps'),
    form: byId<HTMLFormElement>('fps-config'),
    networks: byId('fps-networks'),
    run: byId<HTMLButtonElement>('fps-run'),
    status: byId('fps-status'),
    table: byId('fps-table'),
  };
  const initial = fpsConfigFromParams(new URLSearchParams(location.search), defaultFpsConfig(engine.adapterInfo.software));
  ui.networks.replaceChildren(h('legend', {}, 'Networks'));
  for (const n of FPS_NETWORK_IDS) {
    const input = h('input', { type: 'checkbox', name: 'fps-network', value: n, checked: initial.networks.includes(n) });
    ui.networks.append(h('label', {}, input, ` ${FPS_NETWORKS[n].label}`));
  }
  for (const k of ['width', 'height', 'frames', 'warmup'] as const) byId<HTMLInputElement>(`fps-${k}`).value = String(initial[k]);

  /** The form as a config; null when no network is ticked. */
  const read = (): FpsConfig | null => {
    const p = new URLSearchParams();
    const chosen = Array.from(ui.networks.querySelectorAll<HTMLInputElement>('input[name=fps-network]')).filter((i) => i.checked);
    if (chosen.length === 0) return null;
    p.set('fpsNetworks', chosen.map((i) => i.value).join(','));
    for (const k of ['width', 'height', 'frames', 'warmup'] as const) {
      p.set(`fps${k[0].toUpperCase()}${k.slice(1)}`, byId<HTMLInputElement>(`fps-${k}`).value);
    }
    return fpsConfigFromParams(p, initial);
  };

  const run = async (c: FpsConfig): Promise<void> => {
    ui.section.dataset.state = 'running';
    ui.run.disabled = true;
    lock(true);
    const results: FpsResult[] = [];
    try {
      for (const [i, network] of c.networks.entries()) {
        ui.status.textContent = `${i + 1}/${c.networks.length}: ${FPS_NETWORKS[network].label}…`;
        await nextFrame();
        const r = await runFpsBrowser(engine, fpsCase(network, c.width, c.height, c.frames, c.warmup), {
          loadLayersModel: async (info) => ({ model: await loadCatalogModel(engine, `${info.pkg}-x${info.scale}`), owned: false }),
          log: (line) => (ui.status.textContent = line),
        });
        results.push(r);
        renderFpsTable(ui.table, results);
      }
      window.__fpsResult = results;
      ui.status.textContent = `done: ${results.length} network${results.length === 1 ? '' : 's'} on ${engine.adapterInfo.software ? 'a software adapter (timings are CPU timings)' : 'this GPU'}`;
      ui.section.dataset.state = 'done';
    } catch (e) {
      ui.status.replaceChildren(h('span', { class: 'error' }, `Failed: ${errorText(e)}`));
      ui.section.dataset.state = 'error';
    } finally {
      ui.run.disabled = false;
      lock(false);
    }
  };

  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (busy()) return;
    const c = read();
    if (c) void run(c);
    else ui.status.textContent = 'tick at least one network';
  });
  ui.run.disabled = false;
  ui.section.dataset.state = 'idle';
  return { setEnabled: (on) => (ui.run.disabled = !on) };
}
