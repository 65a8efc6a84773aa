/**
 * The upscaler page's model zoo: the families users of the native
 * `*-ncnn-vulkan` programs and Upscayl pick (src/model/zoo.ts), and the
 * user's own model files.
 *
 *   - bundled (Real-ESRGAN animevideov3 ×2/×3/×4, waifu2x upconv_7 at every
 *     noise level): the .param/.bin are fetched from models/ncnn/…, served
 *     beside their LICENSE by the demo's Vite plugin (demo/vite-plugins.ts);
 *   - native (x4plus, x4plus-anime, x4fast, waifu2x cunet, Real-CUGAN): the
 *     user gives the files, under the names the native program uses;
 *   - "Your own model": a .param + .bin, .pth/.pt/.ckpt, .safetensors or .onnx,
 *     dropped anywhere on the page or chosen.
 *
 * Every model is parsed on the CPU first (model-files.ts: a ModelError's
 * message is shown in the panel, never a blank result), then runs through the
 * page's one run path (main.ts's runOnce → runModel here → `upscale()`): on
 * WebGPU the parsed graph is uploaded once per engine (buildModel, which is
 * what loadNcnnModel / loadPytorchModel / loadOnnxModel do after parsing, so
 * nothing is parsed twice); on the CPU backend the same description goes to
 * createOrtRunner (ONNX Runtime Web, WASM), as the UpscalerJS models do.
 *
 * The method list's values are `model:zoo/<family>` and `model:file`, so the
 * page treats them as models (pressing Upscale runs them) and `?method=` can
 * name them.
 */
import {
  defaultNoise,
  ModelError,
  upscale,
  type Engine,
  type UpscaleModel,
  type UpscaleProgress,
  type ZooModel,
} from '../../../src/index.js';
import { buildModel } from '../../../src/model/graph.js';
import { createOrtRunner } from '../../../src/upscale/ort-runner.js';
import type { TileRunner } from '../../../src/upscale/runner.js';
import { h } from '../dom.js';
import { ncnnUrlPath, ZOO_PICKER, type ZooPickerFamily } from '../zoo-catalog.js';
import {
  errorText,
  isModelFileName,
  MODEL_EXTENSIONS,
  parseModelFiles,
  parseNcnnFiles,
  readModelFiles,
  type NamedBytes,
  type ParsedModel,
} from './model-files.js';
import { catalogModel, runPretrained, type PretrainedStep, type PretrainedTarget } from './pretrained.js';

/** The method-list id (after 'model:') of the user's own model. */
export const OWN_MODEL_ID = 'file';
const ZOO_PREFIX = 'zoo/';

/** What the panel says about the files of the current choice; also window.__zooPicker for the browser tests. */
interface PickerDebug {
  /** 'ok': a model is ready; 'error': the last files were refused; 'missing': files are still needed; 'reading': parsing. */
  state: 'ok' | 'error' | 'missing' | 'reading' | 'bundled' | 'none';
  /** What was recognised, e.g. 'waifu2x upconv_7 ×2 (no denoise), 552 k parameters'. */
  detected: string | null;
  error: string | null;
}

declare global {
  interface Window {
    __zooPicker?: PickerDebug;
  }
}

const debug: PickerDebug = { state: 'none', detected: null, error: null };

/** A picked model's identity: zoo entry or own file, for the caches. */
interface Picked {
  key: string;
  parsed: () => Promise<ParsedModel>;
  label: string;
}

const state = {
  /** Scale and noise picked per family. */
  scale: new Map<string, number>(),
  noise: new Map<string, number | null>(),
  /** The native programs' files the user gave, by file name. */
  nativeFiles: new Map<string, File>(),
  /** The user's own model, parsed; or the message of why the last files were refused. */
  own: null as { key: string; parsed: ParsedModel } | null,
  ownError: null as string | null,
  /** Markers of replaced files ('|f3|', 'own|2|'): the models whose keys hold one are released before the next run. */
  stale: new Set<string>(),
  /** Counts file arrivals, so only the latest one's parse result is kept. */
  arrivals: 0,
  /** Counts checks of native files, so only the latest one's result is shown. */
  checks: 0,
  onChange: () => {},
};

let panel: HTMLElement | null = null;
let methodSelect: HTMLSelectElement | null = null;
/** The family the panel was last built for ('' = none shown). */
let shownFor = '';

function familyOf(id: string): ZooPickerFamily | null {
  if (!id.startsWith(ZOO_PREFIX)) return null;
  return ZOO_PICKER.find((f) => f.id === id.slice(ZOO_PREFIX.length)) ?? null;
}

/** Whether a method-list id (after 'model:') is one of this module's. */
export function isPickerId(id: string): boolean {
  return id === OWN_MODEL_ID || familyOf(id) !== null;
}

function scalesOf(f: ZooPickerFamily): number[] {
  return [...new Set(f.models.map((m) => m.scale))].sort((a, b) => a - b);
}

function levelsOf(f: ZooPickerFamily, scale: number): (number | null)[] {
  return f.models.filter((m) => m.scale === scale).map((m) => m.noise);
}

/** The zoo entry the family's controls select now. */
function entryOf(f: ZooPickerFamily): ZooModel {
  const scales = scalesOf(f);
  const scale = state.scale.get(f.id) ?? (scales.includes(f.defaultScale) ? f.defaultScale : scales[0]);
  const levels = levelsOf(f, scale);
  const wanted = state.noise.has(f.id) ? state.noise.get(f.id)! : defaultNoise(f.models[0].id);
  const noise = levels.includes(wanted) ? wanted : levels.includes(defaultNoise(f.models[0].id)) ? defaultNoise(f.models[0].id) : levels[0];
  return f.models.find((m) => m.scale === scale && m.noise === noise)!;
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
const keyOf = (m: ZooModel): string => `${m.id}|×${m.scale}|${m.noise}`;
const signed = (n: number): string => (n < 0 ? `−${-n}` : String(n));

function noiseOption(f: ZooPickerFamily, n: number | null): string {
  if (n === null) return '–';
  if (f.id === 'realcugan') return `${signed(n)} (${n < 0 ? 'conservative' : n === 0 ? 'no denoise' : `denoise ${n}×`})`;
  return n < 0 ? '−1 (no denoise)' : String(n);
}

/** "waifu2x upconv_7 (anime) ×2, noise 1". */
function entryLabel(f: ZooPickerFamily, m: ZooModel): string {
  return `${f.label} ×${m.scale}${m.noise === null ? '' : `, noise ${noiseOption(f, m.noise)}`}`;
}

/** The output scale of a model choice: a catalog model's, the zoo entry's, the user's model's (1 until one is loaded). */
export function modelScale(id: string): number {
  const f = familyOf(id);
  if (f) return entryOf(f).scale;
  if (id === OWN_MODEL_ID) return state.own?.parsed.description.scale ?? 1;
  return catalogModel(id).scale;
}

/** What the page calls a model choice in its notes. */
export function modelLabel(id: string): string {
  const f = familyOf(id);
  if (f) return entryLabel(f, entryOf(f));
  if (id === OWN_MODEL_ID) return state.own ? `${state.own.parsed.detected} (${state.own.parsed.files})` : 'Your own model (no file yet)';
  return catalogModel(id).label;
}

// ---- the files of a choice ----------------------------------------------------------------------------------------

async function fetchBytes(url: URL, signal?: AbortSignal): Promise<Uint8Array> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new Error(`could not fetch ${url.pathname}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Caches a promise under `key`; a failed one is dropped, so the next call retries. */
function cached<V>(map: Map<string, Promise<V>>, key: string, make: () => Promise<V>): Promise<V> {
  let p = map.get(key);
  if (!p) {
    p = make();
    map.set(key, p);
    p.catch(() => map.delete(key));
  }
  return p;
}

/** Parsed models by key (bundled: fetched once; native: per pair of files given). */
const parsedModels = new Map<string, Promise<ParsedModel>>();

function bundledParsed(m: ZooModel, signal?: AbortSignal): Promise<ParsedModel> {
  return cached(parsedModels, keyOf(m), async () => {
    const [param, bin] = await Promise.all(
      [m.param, m.bin].map(async (p): Promise<NamedBytes> => ({
        name: baseName(p),
        bytes: await fetchBytes(new URL(ncnnUrlPath(p), document.baseURI), signal),
      })),
    );
    return parseNcnnFiles(param, bin);
  });
}

/** The native files a zoo entry needs that the user has not given. */
function missingFiles(m: ZooModel): string[] {
  return [m.param, m.bin].map(baseName).filter((n) => !state.nativeFiles.has(n));
}

/** A number per File object the user gave, so that cache keys change when a file is replaced. */
const fileIds = new WeakMap<File, number>();
let nextFileId = 0;
function fileId(f: File): number {
  let n = fileIds.get(f);
  if (n === undefined) fileIds.set(f, (n = ++nextFileId));
  return n;
}
/** The marker of a file in cache keys (releaseStale drops every key holding a replaced file's). */
const fileMark = (f: File): string => `|f${fileId(f)}|`;

/** A native entry's cache key: the entry and the two files given for it; null while one is missing. */
function nativeKey(m: ZooModel): string | null {
  const param = state.nativeFiles.get(baseName(m.param));
  const bin = state.nativeFiles.get(baseName(m.bin));
  return param && bin ? `native|${keyOf(m)}${fileMark(param)}${fileMark(bin)}` : null;
}

/** A native entry's files, parsed and checked to be what the entry says (family, scale, noise level). */
function nativeParsed(f: ZooPickerFamily, m: ZooModel): Promise<ParsedModel> {
  const key = nativeKey(m);
  if (!key) return Promise.reject(new ModelError(needsText(f, m, missingFiles(m))));
  const param = state.nativeFiles.get(baseName(m.param))!;
  const bin = state.nativeFiles.get(baseName(m.bin))!;
  return cached(parsedModels, key, async () => {
    const [p, b] = await readModelFiles([param, bin]);
    const parsed = parseNcnnFiles(p, b, baseName(m.param).replace(/\.param$/, ''));
    const got = parsed.family;
    if (!got || got.family !== m.family || got.scale !== m.scale || (m.noise !== null && got.noise !== m.noise))
      throw new ModelError(`${param.name} and ${bin.name} are ${parsed.detected}, not ${entryLabel(f, m)}: they are another model's files`);
    return parsed;
  });
}

function needsText(f: ZooPickerFamily, m: ZooModel, missing: string[]): string {
  return `${entryLabel(f, m)} is not bundled: it needs ${missing.join(' and ')} from ${f.nativeSource ?? 'its native program'}`;
}

/** The model a choice runs: its key (for the caches), and how to get it parsed. */
function picked(id: string, signal?: AbortSignal): Picked {
  const f = familyOf(id);
  if (f) {
    const m = entryOf(f);
    return {
      key: m.where === 'bundled' ? keyOf(m) : (nativeKey(m) ?? 'native|missing'),
      parsed: () => (m.where === 'bundled' ? bundledParsed(m, signal) : nativeParsed(f, m)),
      label: entryLabel(f, m),
    };
  }
  const own = state.own;
  if (!own) {
    const why = state.ownError ? ` (the last files were refused: ${state.ownError})` : '';
    throw new ModelError(`no model file yet: drop or choose one (${MODEL_EXTENSIONS.join(', ')})${why}`);
  }
  return { key: own.key, parsed: async () => own.parsed, label: own.parsed.detected };
}

// ---- running -----------------------------------------------------------------------------------------------------

/** Models on an engine, per key (weights uploaded once per engine). */
const onEngine = new WeakMap<Engine, Map<string, UpscaleModel>>();
const engines = new Set<WeakRef<Engine>>();
/** ONNX Runtime sessions, one per model, kept (creating one exports and optimises the graph). */
const runners = new Map<string, Promise<TileRunner>>();

/** Releases the GPU weights, sessions and parses of replaced files (runs are sequential, so none is in use). */
function releaseStale(): void {
  if (!state.stale.size) return;
  const isStale = (key: string): boolean => [...state.stale].some((mark) => key.includes(mark));
  for (const ref of engines) {
    const models = ref.deref() && onEngine.get(ref.deref()!);
    for (const [key, model] of models ?? []) {
      if (!isStale(key)) continue;
      model.dispose();
      models!.delete(key);
    }
  }
  for (const [key, runner] of runners) {
    if (!isStale(key)) continue;
    runners.delete(key);
    runner.then(
      (r) => r.dispose?.(),
      () => {},
    );
  }
  for (const key of [...parsedModels.keys()]) if (isStale(key)) parsedModels.delete(key);
  state.stale.clear();
}

/**
 * Upscales `image` with the model choice `id` (a catalog model, a zoo family or
 * the user's model) on `target`; progress as runPretrained reports it.
 */
export async function runModel(
  target: PretrainedTarget,
  id: string,
  image: ImageData,
  options: { signal?: AbortSignal; onProgress?: (step: PretrainedStep) => void },
): Promise<ImageData> {
  if (!isPickerId(id)) return runPretrained(target, id, image, options);
  releaseStale();
  const p = picked(id, options.signal);
  const where = target.kind === 'webgpu' ? 'WebGPU' : 'ONNX Runtime Web (WASM)';
  options.onProgress?.({ stage: 'load', label: `loading ${p.label} on ${where}`, fraction: 0 });
  const run = {
    signal: options.signal,
    onProgress: (x: UpscaleProgress) =>
      options.onProgress?.({ stage: 'tiles', label: `tile ${x.done} of ${x.total} done`, fraction: x.fraction, etaMs: x.etaMs }),
  };
  const parsed = await p.parsed();
  options.signal?.throwIfAborted();
  const d = parsed.description;
  let out;
  if (target.kind === 'webgpu') {
    const engine = target.engine;
    let models = onEngine.get(engine);
    if (!models) {
      onEngine.set(engine, (models = new Map()));
      engines.add(new WeakRef(engine));
    }
    let model = models.get(p.key);
    if (!model) {
      model = buildModel(engine, d.graph, { name: d.name, inputRange: d.inputRange, outputRange: d.outputRange });
      models.set(p.key, model);
    }
    options.onProgress?.({ stage: 'tiles', label: 'tile 1 running (the first also compiles the shaders)', fraction: 0 });
    out = await upscale(engine, image, { model, ...run });
  } else {
    const runner = await cached(runners, p.key, async () => {
      const { ort } = await import('../ort-wasm.js');
      return createOrtRunner(ort, d, { sessionOptions: { executionProviders: ['wasm'] } });
    });
    options.signal?.throwIfAborted();
    options.onProgress?.({ stage: 'tiles', label: 'tile 1 running', fraction: 0 });
    out = await upscale(runner, image, run);
  }
  return new ImageData(out.data, out.width, out.height);
}

// ---- files arriving ----------------------------------------------------------------------------------------------

function setStatus(
  s: PickerDebug['state'],
  text: string | (Node | string)[],
  detected: string | null = null,
  error: string | null = null,
): void {
  debug.state = s;
  debug.detected = detected;
  debug.error = error;
  const el = panel?.querySelector<HTMLElement>('#zoo-status');
  if (!el) return;
  el.dataset.state = s;
  el.classList.toggle('error', s === 'error');
  el.replaceChildren(...(typeof text === 'string' ? [text] : text));
}

const OWN_OPTION_TEXT = 'Model files (.pth, .onnx, …)';

/**
 * The method list's "own model" entry names the model loaded ("Yours: RRDBNet ×4"), so the result's label
 * says what ran; short, so the menu shows it whole.
 */
function ownOption(parsed: ParsedModel | null): void {
  const option = methodSelect?.querySelector<HTMLOptionElement>(`option[value="model:${OWN_MODEL_ID}"]`);
  if (option) option.textContent = parsed ? `Yours: ${parsed.detected.split(/[(,]/)[0].trim()}` : OWN_OPTION_TEXT;
}

/** The user's own model files: read, parsed on the CPU; the panel says what they are, or why not. */
async function takeOwnFiles(files: File[]): Promise<void> {
  const arrival = ++state.arrivals;
  setStatus('reading', `reading ${files.map((f) => f.name).join(', ')}…`);
  let parsed: ParsedModel;
  try {
    parsed = parseModelFiles(await readModelFiles(files));
  } catch (e) {
    if (arrival !== state.arrivals) return;
    state.ownError = errorText(e);
    if (state.own) state.stale.add(state.own.key);
    state.own = null;
    ownOption(null);
    render();
    state.onChange();
    return;
  }
  if (arrival !== state.arrivals) return;
  if (state.own) state.stale.add(state.own.key);
  state.own = { key: `own|${arrival}|`, parsed };
  state.ownError = null;
  ownOption(parsed);
  render();
  state.onChange();
}

/** Files for the native family on screen: kept by name (a whole models folder may be given); the entry is checked now. */
function takeNativeFiles(files: File[]): void {
  const models = files.filter((f) => isModelFileName(f.name));
  for (const f of models) {
    const old = state.nativeFiles.get(f.name);
    if (old && old !== f) state.stale.add(fileMark(old));
    state.nativeFiles.set(f.name, f);
  }
  const ignored = files.filter((f) => !isModelFileName(f.name)).map((f) => f.name);
  render(ignored.length ? `ignored (not model files): ${ignored.join(', ')}` : undefined);
  state.onChange();
}

/** Where dropped or chosen model files go: the native family on screen, else "Your own model" (selected for them). */
function takeFiles(files: File[]): void {
  const method = methodSelect!;
  const f = familyOf(method.value.replace(/^model:/, ''));
  if (f && f.nativeSource) {
    takeNativeFiles(files);
    return;
  }
  if (method.value !== `model:${OWN_MODEL_ID}`) {
    method.value = `model:${OWN_MODEL_ID}`;
    method.dispatchEvent(new Event('change'));
  }
  void takeOwnFiles(files);
}

// ---- the panel ---------------------------------------------------------------------------------------------------

function select(id: string, values: { value: string; text: string }[], current: string, onChange: (v: string) => void): HTMLSelectElement {
  const s = h('select', { id });
  for (const v of values) s.append(h('option', { value: v.value }, v.text));
  s.value = current;
  s.addEventListener('change', () => onChange(s.value));
  return s;
}

/** Builds the panel's controls for the choice on screen (only when the choice changes, so a select keeps its focus). */
function build(id: string): void {
  if (!panel) return;
  const f = familyOf(id);
  const fileInput = h('input', { id: 'zoo-files', type: 'file', multiple: true, accept: MODEL_EXTENSIONS.join(','), hidden: true });
  fileInput.addEventListener('change', () => {
    const files = Array.from(fileInput.files ?? []);
    fileInput.value = '';
    if (files.length) takeFiles(files);
  });
  const drop = (...text: (Node | string)[]): HTMLElement => {
    const zone = h(
      'div',
      { id: 'zoo-drop', class: 'drop zoo-drop' },
      ...text,
      ' ',
      h('label', { class: 'link' }, 'choose files', fileInput),
    );
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('over');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    // Model files never get here (the page-wide handler takes them first): what does is something else.
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      e.stopPropagation();
      zone.classList.remove('over');
      const names = Array.from(e.dataTransfer?.files ?? []).map((x) => x.name);
      setStatus('error', `${names.join(', ') || 'the drop'}: no model file (${MODEL_EXTENSIONS.join(', ')})`, null, 'no model file');
    });
    return zone;
  };
  const status = h('p', { id: 'zoo-status', class: 'muted zoo-status', 'aria-live': 'polite' });
  if (!f) {
    panel.replaceChildren(
      drop(
        'Drop your model files here (anywhere on the page works too): an ncnn .param with its .bin, a .pth/.pt, .safetensors or .onnx, or',
      ),
      status,
    );
    return;
  }
  const controls = h('div', { class: 'zoo-controls' });
  const scales = scalesOf(f);
  if (scales.length > 1) {
    const s = select(
      'zoo-scale',
      scales.map((x) => ({ value: String(x), text: `×${x}` })),
      String(entryOf(f).scale),
      (v) => {
        state.scale.set(f.id, Number(v));
        rebuild(id);
      },
    );
    controls.append(h('label', { for: 'zoo-scale' }, 'Model scale'), s);
  }
  const levels = levelsOf(f, entryOf(f).scale);
  if (!levels.includes(null)) {
    const s = select(
      'zoo-noise',
      levels.map((n) => ({ value: String(n), text: noiseOption(f, n) })),
      String(entryOf(f).noise),
      (v) => {
        state.noise.set(f.id, Number(v));
        render();
        state.onChange();
      },
    );
    controls.append(h('label', { for: 'zoo-noise' }, 'Noise level'), s);
  }
  const about = h('p', { id: 'zoo-about', class: 'muted' });
  panel.replaceChildren(...(controls.childElementCount ? [controls] : []), about);
  if (f.nativeSource) panel.append(drop('Bring the files: drop them here or'));
  panel.append(status);
}

function rebuild(id: string): void {
  shownFor = '';
  syncZooPanel(id);
  state.onChange();
}

/** Updates the texts of the panel (what the choice is, its licence, the files' state). */
function render(note?: string): void {
  if (!panel || !shownFor) return;
  const id = shownFor;
  const f = familyOf(id);
  if (!f) {
    if (state.own) {
      const p = state.own.parsed;
      setStatus('ok', [h('strong', {}, p.detected), ` from ${p.files}. Press Upscale.`], p.detected);
    } else if (state.ownError) setStatus('error', state.ownError, null, state.ownError);
    else setStatus('none', 'No model file yet. The files are read here, in the browser; nothing is uploaded.');
    return;
  }
  const m = entryOf(f);
  const about = panel.querySelector<HTMLElement>('#zoo-about');
  if (about) {
    const licence =
      m.where === 'bundled'
        ? h('a', { id: 'zoo-licence', href: ncnnUrlPath(`${m.param.split('/')[0]}/LICENSE`), target: '_blank', rel: 'noopener' }, m.licence)
        : m.licence;
    about.replaceChildren(`${m.description}. `, m.where === 'bundled' ? 'Bundled; licence: ' : 'Licence: ', licence, '.');
  }
  if (m.where === 'bundled') {
    setStatus('bundled', `${baseName(m.param)} and ${baseName(m.bin)}, fetched from this site when you press Upscale.`);
    return;
  }
  const missing = missingFiles(m);
  if (missing.length) {
    const names = [m.param, m.bin].map(baseName);
    setStatus('missing', [
      'Needs ',
      h('code', {}, names[0]),
      ' and ',
      h('code', {}, names[1]),
      ` (the names ${f.nativeSource ?? 'the native program'} uses; you may choose all of that folder's files).`,
      ...(missing.length < 2 ? [` Missing: ${missing.join(', ')}.`] : []),
      ...(note ? [` ${note}`] : []),
    ]);
    return;
  }
  const check = ++state.checks;
  setStatus('reading', `reading ${[m.param, m.bin].map(baseName).join(' and ')}…`);
  nativeParsed(f, m).then(
    (p) => check === state.checks && setStatus('ok', [h('strong', {}, p.detected), ` from ${p.files}. Press Upscale.`], p.detected),
    (e: unknown) => check === state.checks && setStatus('error', errorText(e), null, errorText(e)),
  );
}

/** Shows the panel for a model choice (`id` after 'model:'), or hides it for anything else. */
export function syncZooPanel(id: string | null): void {
  if (!panel) return;
  const mine = id !== null && isPickerId(id);
  panel.hidden = !mine;
  if (!mine) {
    shownFor = '';
    return;
  }
  if (shownFor !== id) {
    shownFor = id;
    build(id);
  }
  render();
}

/**
 * Adds the zoo's families and "Your own model" to the method list, and makes
 * `panel` their controls. `onChange`: the choice's scale or label changed (the
 * page updates its notes, and calls syncZooPanel whenever its choice changes).
 */
export function setupZooPicker(o: { method: HTMLSelectElement; panel: HTMLElement; onChange: () => void }): void {
  panel = o.panel;
  methodSelect = o.method;
  state.onChange = o.onChange;
  window.__zooPicker = debug;
  // Short option texts (a menu shows its options whole, even at 390 px); the groups say bundled or not.
  const bundled = h('optgroup', { label: 'Model zoo (bundled)' });
  const native = h('optgroup', { label: 'Model zoo (bring the files)' });
  for (const f of ZOO_PICKER) (f.nativeSource ? native : bundled).append(h('option', { value: `model:${ZOO_PREFIX}${f.id}` }, f.label));
  const own = h('optgroup', { label: 'Your own model' });
  own.append(h('option', { value: `model:${OWN_MODEL_ID}` }, OWN_OPTION_TEXT));
  o.method.append(bundled, native, own);
  // Model files dropped anywhere: taken here, before the image drop zones (which would refuse them as "no image").
  window.addEventListener(
    'drop',
    (e) => {
      const files = Array.from(e.dataTransfer?.files ?? []);
      if (!files.some((f) => isModelFileName(f.name))) return;
      e.preventDefault();
      e.stopPropagation();
      for (const el of Array.from(document.querySelectorAll('.over'))) el.classList.remove('over');
      takeFiles(files);
    },
    { capture: true },
  );
}
