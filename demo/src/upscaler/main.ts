/**
 * The upscaler page: pick an image, a method and a backend, run, compare,
 * download. Backends: WebGPU (the engine), or the CPU, which the page uses when
 * the browser has no WebGPU and which a user with WebGPU can pick: there the
 * pretrained models run on ONNX Runtime Web's WASM backend (./pretrained.ts)
 * and the op demos on the CPU reference kernels (they demonstrate the engine's
 * ops, whose CPU form is the reference).
 */
import { decideBackend, formatDuration, type BackendChoice, type Engine } from '../../../src/index.js';
import { cpuBackend, gpuBackend, type Backend } from '../backend.js';
import { byId, download, fmtMs, h, nextFrame } from '../dom.js';
import { adapterName, bootEngine, renderStatus, type Boot } from '../gpu-status.js';
import { METHODS, upscaleWithMethod, type MethodId } from '../methods.js';
import { MODEL_CATALOG } from '../model-catalog.js';
import { planesToRgba, rgbaToPlanes } from '../planes.js';
import { canvasOf, canvasResize, decodeImage } from './canvas-image.js';
import { CompareView } from './compare-view.js';
import { setupImageInput } from './image-input.js';
import { ortWasmLabel, type PretrainedStep } from './pretrained.js';
import { loadPhoto, loadSample } from './sample.js';
import { setupVideoMode } from './video-mode.js';
import { setupVideoFileMode } from './video-file.js';
import { modelLabel, modelScale, runModel, setupZooPicker, syncZooPanel } from './zoo-picker.js';

/** What the last run did; also exposed as window.__upscaler for the browser tests. */
interface RunRecord {
  method: string;
  /** 'cpu': the CPU reference kernels; 'ort-wasm': ONNX Runtime Web's WASM backend (models). */
  backend: 'webgpu' | 'cpu' | 'ort-wasm' | 'canvas';
  /** What the page shows under "Ran on", e.g. 'ONNX Runtime Web (WASM, 1 thread)'. */
  ranOn: string;
  /** Why it ran there (decideBackend's reason on 'auto'). */
  reason: string;
  scale: number;
  inputName: string;
  input: [number, number];
  output: [number, number];
  ms: number;
  compiles: number;
}

declare global {
  interface Window {
    /** `backend`: what the page booted with ('cpu' without WebGPU); `progress`: the current run's progress labels. */
    __upscaler?: { backend: 'webgpu' | 'cpu'; runs: number; last: RunRecord | null; error: string | null; progress: string[] };
  }
}

const ui = {
  status: byId('gpu-status'),
  dropZone: byId('drop-zone'),
  viewer: byId('image-viewer'),
  fileInput: byId<HTMLInputElement>('file-input'),
  inputInfo: byId('input-info'),
  method: byId<HTMLSelectElement>('method'),
  methodNote: byId('method-note'),
  backend: byId<HTMLSelectElement>('backend'),
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
let input: { image: ImageData; name: string } | null = null;
/**
 * The result on screen and the file name it saves under; null while there is
 * none for the current input (a new image, a run in progress): Download saves
 * exactly this, never a previous run's canvas.
 */
let shown: { image: ImageData; fileName: string } | null = null;
let current: AbortController | null = null;
let pending: Promise<void> = Promise.resolve();
const debug = {
  backend: 'cpu' as 'webgpu' | 'cpu',
  runs: 0,
  last: null as RunRecord | null,
  error: null as string | null,
  progress: [] as string[],
};
window.__upscaler = debug;

function setState(s: 'loading' | 'running' | 'done' | 'error' | 'cancelled' | 'idle'): void {
  document.body.dataset.state = s;
}

function fillMethods(): void {
  ui.method.append(h('option', { value: 'canvas' }, 'Browser canvas (bicubic)'));
  const engineGroup = h('optgroup', { label: "Op demos (the engine's ops)" });
  for (const m of METHODS) engineGroup.append(h('option', { value: `engine:${m.id}` }, m.label));
  ui.method.append(engineGroup);
  const models = h('optgroup', { label: 'Pretrained UpscalerJS models' });
  for (const m of MODEL_CATALOG) models.append(h('option', { value: `model:${m.id}` }, m.label));
  ui.method.append(models);
}

type Target = ({ kind: 'webgpu'; engine: Engine } | { kind: 'cpu' }) & { reason: string };

/**
 * Where the current choice runs. Models: decideBackend (src/upscale/auto-backend.ts) — on 'auto',
 * WebGPU on a hardware GPU and ONNX Runtime Web (WASM) on a software adapter, where it is several
 * times faster. Op demos: WebGPU whenever there is an engine (they show the engine's ops, and are
 * small), unless the CPU is picked.
 */
function target(c: Choice = choice()): Target {
  const engine = boot.kind === 'webgpu' ? boot.engine : null;
  const picked = ui.backend.value as BackendChoice;
  if (c.kind === 'model') {
    const d = decideBackend(engine, { backend: engine ? picked : 'cpu', cpuAvailable: true });
    return d.kind === 'webgpu' ? { kind: 'webgpu', engine: engine!, reason: d.reason } : { kind: 'cpu', reason: d.reason };
  }
  if (engine && picked !== 'cpu')
    return { kind: 'webgpu', engine, reason: picked === 'auto' ? 'the op demos show the engine (WebGPU)' : 'as picked' };
  return { kind: 'cpu', reason: engine ? 'as picked' : 'there is no WebGPU here' };
}

function fillBackends(): void {
  const gpu = ui.backend.querySelector<HTMLOptionElement>('option[value="webgpu"]')!;
  // The option names stay short; the method note says what runs where (op demos on the CPU: the reference kernels).
  if (boot.kind !== 'webgpu') {
    gpu.textContent = 'WebGPU (unavailable)';
    gpu.disabled = true;
  }
}

type Choice = { kind: 'canvas' } | { kind: 'engine'; id: MethodId } | { kind: 'model'; id: string };

function choice(): Choice {
  const [kind, id] = ui.method.value.split(':');
  if (kind === 'engine') return { kind, id: id as MethodId };
  if (kind === 'model') return { kind, id };
  return { kind: 'canvas' };
}

function scaleOf(c: Choice): number {
  return c.kind === 'model' ? modelScale(c.id) : Number(ui.scale.value);
}

function describeChoice(c: Choice): string {
  const f = scaleOf(c);
  if (c.kind === 'canvas')
    return `CanvasRenderingContext2D.drawImage with imageSmoothingQuality = 'high' (the browser's resampler, 8-bit).`;
  const t = target(c);
  const cpu = t.kind === 'cpu';
  if (c.kind === 'engine') {
    const on = cpu ? ' On the CPU reference kernels (the specification: plain loops, slow on big images).' : '';
    return `${METHODS.find((m) => m.id === c.id)?.describe(f)}; edges replicate-padded.${on}`;
  }
  const on = cpu ? "exported to ONNX and run by ONNX Runtime Web's WASM backend" : "the network's convolutions on the engine (WebGPU)";
  const why = ui.backend.value === 'auto' ? ` Auto: ${t.reason}.` : '';
  return `${modelLabel(c.id)}: ${on}, tiled with overlap.${why}`;
}

function updateChoice(): void {
  const c = choice();
  syncZooPanel(c.kind === 'model' ? c.id : null); // the zoo's noise/scale/files controls (./zoo-picker.ts)
  ui.scale.disabled = c.kind === 'model';
  if (c.kind === 'model') ui.scale.value = String(scaleOf(c));
  ui.methodNote.textContent = describeChoice(c);
}

/**
 * The progress line of the run in flight: its step, how long the run has
 * taken so far (ticking every half second, so a long load never looks stuck)
 * and, once a tile has run, about how long is left (counted down between
 * tiles). `debug.progress` keeps the steps' labels, without the times.
 */
const clock = {
  t0: 0,
  label: '',
  /** When the last estimate came, and what it said. */
  etaAt: 0,
  etaMs: undefined as number | undefined,
  timer: 0,
};

function renderClock(): void {
  const elapsed = performance.now() - clock.t0;
  const left =
    clock.etaMs === undefined ? '' : ` · about ${formatDuration(Math.max(0, clock.etaMs - (performance.now() - clock.etaAt)))} left`;
  ui.progressLabel.textContent = `${clock.label} · ${formatDuration(elapsed)} elapsed${left}`;
}

function startClock(): void {
  clock.t0 = performance.now();
  clock.etaMs = undefined;
  clearInterval(clock.timer);
  clock.timer = window.setInterval(renderClock, 500);
}

function stopClock(): void {
  clearInterval(clock.timer);
}

function progress(fraction: number, label: string, etaMs?: number): void {
  debug.progress.push(label);
  ui.progress.value = fraction;
  clock.label = label;
  if (etaMs !== undefined) [clock.etaMs, clock.etaAt] = [etaMs, performance.now()];
  renderClock();
}

/** The last line of a run (done, cancelled): no clock. */
function finalProgress(fraction: number, label: string): void {
  stopClock();
  debug.progress.push(label);
  ui.progress.value = fraction;
  ui.progressLabel.textContent = label;
}

/** "12.3 ms" under a second, "4.2 s", "2 min 20 s" above. */
function human(ms: number): string {
  return ms < 1000 ? fmtMs(ms) : formatDuration(ms);
}

function showInfo(rows: [string, string][]): void {
  ui.runInfo.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

async function execute(
  c: Choice,
  image: ImageData,
  signal: AbortSignal,
): Promise<{ out: ImageData; ran: RunRecord['backend']; ranOn: string }> {
  const f = scaleOf(c);
  const t = target(c);
  if (c.kind === 'canvas') return { out: canvasResize(image, f), ran: 'canvas', ranOn: 'browser canvas' };
  const gpuName = t.kind === 'webgpu' ? `WebGPU on ${adapterName(t.engine)}` : '';
  if (c.kind === 'model') {
    const onProgress = (step: PretrainedStep): void => progress(step.fraction, step.label, step.etaMs);
    if (t.kind === 'webgpu') return { out: await runModel(t, c.id, image, { signal, onProgress }), ran: 'webgpu', ranOn: gpuName };
    const out = await runModel({ kind: 'ort-wasm' }, c.id, image, { signal, onProgress });
    return { out, ran: 'ort-wasm', ranOn: await ortWasmLabel() };
  }
  const backend = (t.kind === 'webgpu' ? gpuBackend(t.engine) : cpuBackend()) as Backend<unknown>;
  const planes = await upscaleWithMethod(backend, c.id, rgbaToPlanes(image.data, image.width, image.height), {
    scale: f,
    signal,
    onProgress: async (x, step) => {
      progress(x, step);
      if (backend.kind === 'cpu') await nextFrame(); // CPU steps block the page; let the bar repaint between them
    },
  });
  const ranOn = backend.kind === 'webgpu' ? gpuName : `CPU reference kernels${boot.kind === 'webgpu' ? '' : ' (no WebGPU)'}`;
  return { out: new ImageData(planesToRgba(planes), planes.width, planes.height), ran: backend.kind, ranOn };
}

/** Forgets the result on screen: Download is off until a run for the current input and choice finishes. */
function clearResult(): void {
  shown = null;
  ui.download.disabled = true;
}

/** "photo-esrgan-slim-x4.png": input name, method, scale (once: a model id that already ends in -x4 keeps its own). */
function resultFileName(inputName: string, method: string, scale: number): string {
  const base = inputName.replace(/\.[^.]+$/, '') || 'image';
  const slug = method.replace(/^(model|engine):/, '').replace(/[^\w-]+/g, '-');
  return `${base}-${slug.endsWith(`-x${scale}`) ? slug : `${slug}-x${scale}`}.png`;
}

async function runOnce(ac: AbortController): Promise<void> {
  if (!input) return;
  const { image, name } = input;
  const c = choice();
  setState('running');
  debug.progress = [];
  clearResult();
  ui.run.disabled = true;
  ui.cancel.disabled = false;
  const t = target(c);
  // The panel describes this run from now on, not the previous one.
  const f = scaleOf(c);
  showInfo([
    ['Running', ui.method.selectedOptions[0]?.textContent ?? ui.method.value],
    ['On', t.kind === 'webgpu' ? `WebGPU on ${adapterName(t.engine)}` : c.kind === 'model' ? 'ONNX Runtime Web (WASM)' : 'CPU'],
    ['Size', `${image.width}×${image.height} → ${image.width * f}×${image.height * f}`],
  ]);
  startClock();
  progress(0, 'starting');
  const engine = t.kind === 'webgpu' ? t.engine : null;
  const compiles0 = engine?.stats().pipelines ?? 0;
  const t0 = performance.now();
  try {
    const { out, ran, ranOn } = await execute(c, image, ac.signal);
    ac.signal.throwIfAborted(); // a new image or choice arrived while this finished: its result must not be shown
    const ms = performance.now() - t0;
    const compiles = (engine?.stats().pipelines ?? 0) - compiles0;
    const label = ui.method.selectedOptions[0]?.textContent ?? ui.method.value;
    view.show(image, out, { before: 'original', after: label });
    const record: RunRecord = {
      method: ui.method.value,
      backend: ran,
      ranOn,
      reason: t.reason,
      scale: scaleOf(c),
      inputName: name,
      input: [image.width, image.height],
      output: [out.width, out.height],
      ms,
      compiles,
    };
    debug.last = record;
    debug.error = null;
    debug.runs++;
    const loads = c.kind === 'model' ? '; the first run of a model also fetches and loads it' : '';
    showInfo([
      ['Ran on', ranOn],
      ...(ui.backend.value === 'auto' && c.kind === 'model' ? [['Why', t.reason] as [string, string]] : []),
      ['Precision', ran === 'canvas' ? '8-bit (canvas)' : 'float32, shown as 8-bit'],
      ['Size', `${image.width}×${image.height} → ${out.width}×${out.height}`],
      ['Time', `${human(ms)} (wall clock: ${ran === 'webgpu' ? 'upload, compute, read back' : 'compute'}${loads})`],
      ...(engine && ran === 'webgpu'
        ? [['Shader compiles', `${compiles}${compiles ? ' (included in the time)' : ' (pipelines were cached)'}`] as [string, string]]
        : []),
    ]);
    finalProgress(1, `done in ${human(ms)}`);
    shown = { image: out, fileName: resultFileName(name, record.method, record.scale) };
    ui.download.disabled = false;
    setState('done');
  } catch (e) {
    if (ac.signal.aborted) {
      finalProgress(0, 'cancelled');
      setState('cancelled');
    } else {
      const msg = (e as Error).message ?? String(e);
      debug.error = msg;
      finalProgress(0, '');
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

function setInput(image: ImageData, name: string, options: { run?: boolean } = {}): void {
  current?.abort(); // a run still going is for the previous image
  input = { image, name };
  clearResult();
  ui.inputInfo.textContent = `${name}: ${image.width}×${image.height}`;
  if (choice().kind === 'model' && !options.run) {
    view.message(`Press Upscale to run ${ui.method.selectedOptions[0]?.textContent ?? 'the model'}.`);
    setState('idle');
  } else {
    void runLatest();
  }
}

/** Image / Video tabs: each shows its own panel; the video keeps running only while its tab is open. */
function setupModeTabs(): void {
  const tabs = [byId<HTMLButtonElement>('mode-image'), byId<HTMLButtonElement>('mode-video')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute('aria-selected', String(on));
        byId(t.getAttribute('aria-controls')!).hidden = !on;
      }
      if (tab.id === 'mode-image') byId<HTMLButtonElement>('video-stop').click();
    });
  }
}

async function main(): Promise<void> {
  boot = await bootEngine();
  renderStatus(
    ui.status,
    boot,
    "The pretrained models run on ONNX Runtime Web's WASM backend instead, and the op demos on the CPU reference kernels (slow, but the same maths).",
  );
  debug.backend = boot.kind;
  setupModeTabs();
  setupVideoMode(boot);
  setupVideoFileMode(boot);
  fillBackends();
  fillMethods();
  setupZooPicker({ method: ui.method, panel: byId('zoo-panel'), onChange: updateChoice });
  updateChoice();
  setupImageInput({
    dropZones: [ui.dropZone, ui.viewer],
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
  ui.backend.addEventListener('change', () => {
    updateChoice();
    if (choice().kind !== 'model') void runLatest();
  });
  ui.run.addEventListener('click', () => void runLatest());
  ui.cancel.addEventListener('click', () => current?.abort());
  ui.download.addEventListener('click', () => {
    const result = shown;
    if (!result) return;
    // Encoded from the result's own pixels, not from whatever the canvas holds by the time toBlob runs.
    canvasOf(result.image).toBlob((blob) => blob && download(blob, result.fileName), 'image/png');
  });
  // A first visit: the photo through the best network that runs fast here. `?method=` and `?image=sample` pick others.
  const params = new URLSearchParams(location.search);
  const method = params.get('method');
  ui.method.value = method && ui.method.querySelector(`option[value="${CSS.escape(method)}"]`) ? method : firstModel();
  updateChoice();
  const first = params.get('image') === 'sample' ? await loadSample() : await loadPhoto();
  setInput(first.image, first.name, { run: true });
}

/**
 * The network a first visit runs: on a hardware GPU the largest that stays
 * fast (ESRGAN medium ×4, ~0.7 M parameters); on a software adapter or
 * without WebGPU, where Auto runs models on ONNX Runtime Web's WASM backend,
 * ESRGAN slim ×2 (a few seconds for the photo).
 */
function firstModel(): string {
  const hardware = boot.kind === 'webgpu' && !boot.engine.adapterInfo.software;
  return hardware ? 'model:esrgan-medium-x4' : 'model:esrgan-slim-x2';
}

main().catch((e: Error) => {
  debug.error = e.message;
  setState('error');
  view.message(`The page failed to start: ${e.message}`);
});
