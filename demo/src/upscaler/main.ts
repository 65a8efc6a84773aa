/**
 * The upscaler page: pick an image and a method, run it on WebGPU (or on the
 * CPU reference kernels when the browser has no WebGPU), compare, download.
 */
import { cpuBackend, gpuBackend, type Backend } from '../backend.js';
import { byId, download, fmtMs, h, nextFrame } from '../dom.js';
import { adapterName, bootEngine, renderStatus, type Boot } from '../gpu-status.js';
import { METHODS, upscaleWithMethod, type MethodId } from '../methods.js';
import { MODEL_CATALOG } from '../model-catalog.js';
import { planesToRgba, rgbaToPlanes } from '../planes.js';
import { canvasResize, decodeImage } from './canvas-image.js';
import { CompareView } from './compare-view.js';
import { setupImageInput } from './image-input.js';
import { catalogModel, runPretrained } from './pretrained.js';
import { loadSample } from './sample.js';

/** What the last run did; also exposed as window.__upscaler for the browser tests. */
interface RunRecord {
  method: string;
  backend: 'webgpu' | 'cpu' | 'canvas';
  scale: number;
  inputName: string;
  input: [number, number];
  output: [number, number];
  ms: number;
  compiles: number;
}

declare global {
  interface Window {
    __upscaler?: { backend: 'webgpu' | 'cpu'; runs: number; last: RunRecord | null; error: string | null };
  }
}

const ui = {
  status: byId('gpu-status'),
  dropZone: byId('drop-zone'),
  fileInput: byId<HTMLInputElement>('file-input'),
  inputInfo: byId('input-info'),
  method: byId<HTMLSelectElement>('method'),
  methodNote: byId('method-note'),
  scale: byId<HTMLSelectElement>('scale'),
  run: byId<HTMLButtonElement>('run'),
  cancel: byId<HTMLButtonElement>('cancel'),
  download: byId<HTMLButtonElement>('download'),
  progress: byId<HTMLProgressElement>('progress'),
  progressLabel: byId('progress-label'),
  runInfo: byId('run-info'),
};
const view = new CompareView(byId('compare'));

let boot: Boot;
let backend: Backend<unknown>;
let input: { image: ImageData; name: string } | null = null;
let current: AbortController | null = null;
let pending: Promise<void> = Promise.resolve();
const debug = { backend: 'cpu' as 'webgpu' | 'cpu', runs: 0, last: null as RunRecord | null, error: null as string | null };
window.__upscaler = debug;

function setState(s: 'loading' | 'running' | 'done' | 'error' | 'cancelled' | 'idle'): void {
  document.body.dataset.state = s;
}

function fillMethods(): void {
  ui.method.append(h('option', { value: 'canvas' }, "Browser canvas ('high' smoothing, bicubic-class)"));
  const engineGroup = h('optgroup', { label: boot.kind === 'webgpu' ? 'Computed on WebGPU' : 'Computed on the CPU reference kernels' });
  for (const m of METHODS) engineGroup.append(h('option', { value: `engine:${m.id}` }, m.label));
  ui.method.append(engineGroup);
  const why = boot.kind !== 'webgpu' ? 'need WebGPU' : null;
  const models = h('optgroup', { label: why ? `Pretrained UpscalerJS models (${why})` : 'Pretrained UpscalerJS models' });
  for (const m of MODEL_CATALOG) models.append(h('option', { value: `model:${m.id}`, disabled: !!why }, m.label));
  ui.method.append(models);
  ui.method.value = 'engine:conv-transpose';
}

type Choice = { kind: 'canvas' } | { kind: 'engine'; id: MethodId } | { kind: 'model'; id: string };

function choice(): Choice {
  const [kind, id] = ui.method.value.split(':');
  if (kind === 'engine') return { kind, id: id as MethodId };
  if (kind === 'model') return { kind, id };
  return { kind: 'canvas' };
}

function scaleOf(c: Choice): number {
  return c.kind === 'model' ? catalogModel(c.id).scale : Number(ui.scale.value);
}

function describeChoice(c: Choice): string {
  const f = scaleOf(c);
  if (c.kind === 'canvas') return `CanvasRenderingContext2D.drawImage with imageSmoothingQuality = 'high' (the browser's resampler, 8-bit).`;
  if (c.kind === 'engine') return `${METHODS.find((m) => m.id === c.id)?.describe(f)}; edges replicate-padded.`;
  return `${catalogModel(c.id).label}: the network's convolutions on the engine, tiled with overlap.`;
}

function updateChoice(): void {
  const c = choice();
  ui.scale.disabled = c.kind === 'model';
  if (c.kind === 'model') ui.scale.value = String(scaleOf(c));
  ui.methodNote.textContent = describeChoice(c);
}

function progress(fraction: number, label: string): void {
  ui.progress.value = fraction;
  ui.progressLabel.textContent = label;
}

function showInfo(rows: [string, string][]): void {
  ui.runInfo.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

async function execute(c: Choice, image: ImageData, signal: AbortSignal): Promise<{ out: ImageData; ran: RunRecord['backend'] }> {
  const f = scaleOf(c);
  if (c.kind === 'canvas') return { out: canvasResize(image, f), ran: 'canvas' };
  if (c.kind === 'model') {
    if (boot.kind !== 'webgpu') throw new Error('pretrained models need WebGPU');
    const out = await runPretrained(boot.engine, c.id, image, { signal, onProgress: (x, step) => progress(x, step) });
    return { out, ran: 'webgpu' };
  }
  const planes = await upscaleWithMethod(backend, c.id, rgbaToPlanes(image.data, image.width, image.height), {
    scale: f,
    signal,
    onProgress: async (x, step) => {
      progress(x, step);
      if (backend.kind === 'cpu') await nextFrame(); // CPU steps block the page; let the bar repaint between them
    },
  });
  return { out: new ImageData(planesToRgba(planes), planes.width, planes.height), ran: backend.kind };
}

async function runOnce(ac: AbortController): Promise<void> {
  if (!input) return;
  const { image, name } = input;
  const c = choice();
  setState('running');
  ui.run.disabled = true;
  ui.cancel.disabled = false;
  progress(0, 'starting');
  const engine = boot.kind === 'webgpu' ? boot.engine : null;
  const compiles0 = engine?.stats().pipelines ?? 0;
  const t0 = performance.now();
  try {
    const { out, ran } = await execute(c, image, ac.signal);
    const ms = performance.now() - t0;
    const compiles = (engine?.stats().pipelines ?? 0) - compiles0;
    const label = ui.method.selectedOptions[0]?.textContent ?? ui.method.value;
    view.show(image, out, { before: 'original', after: label });
    const record: RunRecord = {
      method: ui.method.value, backend: ran, scale: scaleOf(c), inputName: name,
      input: [image.width, image.height], output: [out.width, out.height], ms, compiles,
    };
    debug.last = record;
    debug.error = null;
    debug.runs++;
    const where = ran === 'webgpu' && engine ? `WebGPU · ${adapterName(engine)}` : ran === 'cpu' ? 'CPU reference kernels (no WebGPU)' : 'browser canvas';
    showInfo([
      ['Ran on', where],
      ['Precision', ran === 'canvas' ? '8-bit (canvas)' : 'float32, shown as 8-bit'],
      ['Size', `${image.width}×${image.height} → ${out.width}×${out.height}`],
      ['Time', `${fmtMs(ms)} (wall clock: upload, compute, read back)`],
      ...(engine && ran === 'webgpu' ? [['Shader compiles', `${compiles}${compiles ? ' (included in the time)' : ' (pipelines were cached)'}`] as [string, string]] : []),
    ]);
    progress(1, `done in ${fmtMs(ms)}`);
    ui.download.disabled = false;
    setState('done');
  } catch (e) {
    if (ac.signal.aborted) {
      progress(0, 'cancelled');
      setState('cancelled');
    } else {
      const msg = (e as Error).message ?? String(e);
      debug.error = msg;
      progress(0, '');
      ui.progressLabel.replaceChildren(h('span', { class: 'error' }, `Failed: ${msg}`));
      setState('error');
    }
  } finally {
    if (current === ac) {
      ui.run.disabled = false;
      ui.cancel.disabled = true;
    }
  }
}

/** Runs the current choice on the current image, cancelling a run still in progress. */
function runLatest(): Promise<void> {
  current?.abort();
  const ac = new AbortController();
  current = ac;
  pending = pending.then(() => (ac.signal.aborted ? undefined : runOnce(ac)));
  return pending;
}

function setInput(image: ImageData, name: string): void {
  input = { image, name };
  ui.inputInfo.textContent = `${name}: ${image.width}×${image.height}`;
  if (choice().kind === 'model') {
    view.message(`Press Upscale to run ${ui.method.selectedOptions[0]?.textContent ?? 'the model'}.`);
    setState('idle');
  } else {
    void runLatest();
  }
}

async function main(): Promise<void> {
  boot = await bootEngine();
  renderStatus(ui.status, boot, 'The engine methods run on the CPU reference kernels instead (slow, but the same maths); the pretrained models need WebGPU.');
  backend = (boot.kind === 'webgpu' ? gpuBackend(boot.engine) : cpuBackend()) as Backend<unknown>;
  debug.backend = boot.kind;
  fillMethods();
  updateChoice();
  setupImageInput({
    dropZone: ui.dropZone,
    fileInput: ui.fileInput,
    onFile: (blob, name) => {
      decodeImage(blob).then(
        (img) => setInput(img, name),
        (e: Error) => (ui.inputInfo.textContent = `Could not decode ${name}: ${e.message}`),
      );
    },
    onReject: (msg) => (ui.inputInfo.textContent = msg),
  });
  ui.method.addEventListener('change', () => {
    updateChoice();
    if (choice().kind !== 'model') void runLatest();
  });
  ui.scale.addEventListener('change', () => void runLatest());
  ui.run.addEventListener('click', () => void runLatest());
  ui.cancel.addEventListener('click', () => current?.abort());
  ui.download.addEventListener('click', () => {
    view.after.toBlob((blob) => {
      if (!blob) return;
      const base = (input?.name ?? 'image').replace(/\.[^.]+$/, '');
      download(blob, `${base}-${ui.method.value.replace(/[^\w-]+/g, '-')}-x${ui.scale.value}.png`);
    }, 'image/png');
  });
  const sample = await loadSample();
  setInput(sample.image, sample.name);
}

main().catch((e: Error) => {
  debug.error = e.message;
  setState('error');
  view.message(`The page failed to start: ${e.message}`);
});
