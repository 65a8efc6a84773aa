/**
 * Pretrained UpscalerJS models, on either backend of `upscale()`
 * (src/upscale/upscale.ts, which tiles the image and reports progress per tile):
 *
 *   - WebGPU: `loadModel(engine, files)` uploads the weights once per engine;
 *   - CPU: `describeLayersModel(files)` (no engine), then `createOrtRunner`
 *     with ONNX Runtime Web's WASM build (demo/src/ort-wasm.ts, imported only
 *     when the CPU backend first runs): the graph is exported to ONNX and run
 *     by ORT's MLAS kernels, the fastest CPU path a browser has (the CPU
 *     reference kernels are the specification, far slower).
 *
 * The files (model.json and its weight shards, served by the demo's Vite
 * plugin from node_modules) are fetched once per model and shared by both.
 */
import type { Engine } from '../../../src/index.js';
import { describeLayersModel, loadModel, type LayersModelSource } from '../../../src/model/load.js';
import type { LayersModelJson } from '../../../src/model/tfjs-layers.js';
import type { UpscaleModel } from '../../../src/model/types.js';
import { createOrtRunner } from '../../../src/upscale/ort-runner.js';
import type { TileRunner } from '../../../src/upscale/runner.js';
import { upscale, type UpscaleProgress } from '../../../src/upscale/upscale.js';
import { MODEL_CATALOG, modelJsonPath, type CatalogModel } from '../model-catalog.js';

/** Where a pretrained model runs: on the page's engine, or on ONNX Runtime Web's WASM backend. */
export type PretrainedTarget = { kind: 'webgpu'; engine: Engine } | { kind: 'ort-wasm' };

/** The catalog entry with this id; throws RangeError for an unknown id. */
export function catalogModel(id: string): CatalogModel {
  const m = MODEL_CATALOG.find((x) => x.id === id);
  if (!m) throw new RangeError(`unknown model '${id}'`);
  return m;
}

async function fetchOk(url: URL, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new Error(`could not fetch ${url.pathname}: HTTP ${res.status}`);
  return res;
}

/** Caches a promise under `key`; a failed or cancelled one is dropped, so the next call retries. */
function cached<K, V>(map: Map<K, Promise<V>>, key: K, make: () => Promise<V>): Promise<V> {
  let p = map.get(key);
  if (!p) {
    p = make();
    map.set(key, p);
    p.catch(() => map.delete(key));
  }
  return p;
}

const sources = new Map<string, Promise<LayersModelSource>>();

/** model.json and its shards, fetched once per model. */
function fetchSource(m: CatalogModel, signal?: AbortSignal): Promise<LayersModelSource> {
  return cached(sources, m.id, async () => {
    const jsonUrl = new URL(modelJsonPath(m), document.baseURI);
    const modelJson = (await (await fetchOk(jsonUrl, signal)).json()) as LayersModelJson;
    const paths = (modelJson.weightsManifest ?? []).flatMap((g) => g.paths);
    const weightShards = await Promise.all(paths.map(async (p) => (await fetchOk(new URL(p, jsonUrl), signal)).arrayBuffer()));
    return { modelJson, weightShards, name: m.id };
  });
}

/** Loaded models, per engine and id: loading parses and uploads megabytes of weights once. */
const loaded = new WeakMap<Engine, Map<string, Promise<UpscaleModel>>>();

/** A catalog model loaded on `engine` (cached: each model is fetched and uploaded once per engine). */
export function loadCatalogModel(engine: Engine, id: string, signal?: AbortSignal): Promise<UpscaleModel> {
  let perEngine = loaded.get(engine);
  if (!perEngine) loaded.set(engine, (perEngine = new Map()));
  const m = catalogModel(id);
  return cached(perEngine, m.id, async () => loadModel(engine, await fetchSource(m, signal)));
}

/** ONNX Runtime sessions, one per model, kept for the page's lifetime (creating one exports and optimises the graph). */
const runners = new Map<string, Promise<TileRunner>>();

/** A catalog model on ONNX Runtime Web's WASM backend (cached per model). */
export function ortWasmRunner(id: string, signal?: AbortSignal): Promise<TileRunner> {
  const m = catalogModel(id);
  return cached(runners, m.id, async () => {
    const [{ ort }, source] = await Promise.all([import('../ort-wasm.js'), fetchSource(m, signal)]);
    return createOrtRunner(ort, describeLayersModel(source), { sessionOptions: { executionProviders: ['wasm'] } });
  });
}

/** What ran: "WebGPU on <adapter>" is the page's to say; the CPU backend names itself (threads are known once a session exists). */
export async function ortWasmLabel(): Promise<string> {
  return (await import('../ort-wasm.js')).ortWasmLabel();
}

/**
 * A step of a run, for the page's progress line: the stage ('load': fetching
 * and preparing the model; 'tiles': running it), a short label, the fraction
 * done and, once a tile has run, the estimated time left.
 */
export interface PretrainedStep {
  stage: 'load' | 'tiles';
  label: string;
  fraction: number;
  etaMs?: number;
}

/** Upscales `image` with a pretrained model on `target`; progress goes from 0 (loading) to 1. */
export async function runPretrained(
  target: PretrainedTarget,
  id: string,
  image: ImageData,
  options: { signal?: AbortSignal; onProgress?: (step: PretrainedStep) => void },
): Promise<ImageData> {
  const m = catalogModel(id);
  const where = target.kind === 'webgpu' ? 'WebGPU' : 'ONNX Runtime Web (WASM)';
  options.onProgress?.({ stage: 'load', label: `loading ${m.label} on ${where}`, fraction: 0 });
  const run = {
    signal: options.signal,
    onProgress: (p: UpscaleProgress) =>
      options.onProgress?.({ stage: 'tiles', label: `tile ${p.done} of ${p.total} done`, fraction: p.fraction, etaMs: p.etaMs }),
  };
  let out;
  if (target.kind === 'webgpu') {
    const model = await loadCatalogModel(target.engine, id, options.signal);
    options.signal?.throwIfAborted();
    options.onProgress?.({ stage: 'tiles', label: 'tile 1 running (the first also compiles the shaders)', fraction: 0 });
    out = await upscale(target.engine, image, { model, ...run });
  } else {
    const runner = await ortWasmRunner(id, options.signal);
    options.signal?.throwIfAborted();
    options.onProgress?.({ stage: 'tiles', label: 'tile 1 running', fraction: 0 });
    out = await upscale(runner, image, run);
  }
  return new ImageData(out.data, out.width, out.height);
}
