/**
 * Pretrained UpscalerJS models on the engine: fetch model.json and its weight
 * shards (served by the demo's Vite plugin from node_modules), load them with
 * `loadModel` (src/model/load.ts) and run `upscale` (src/upscale/upscale.ts),
 * which tiles the image and reports progress per tile.
 *
 * The loader is looked up with import.meta.glob, so the pages build and work
 * (listing the models as unavailable, and saying why) while it does not exist.
 */
import type { Engine } from '../../../src/index.js';
import type { UpscaleModel } from '../../../src/model/types.js';
import { upscale } from '../../../src/upscale/upscale.js';
import { MODEL_CATALOG, modelJsonPath, type CatalogModel } from '../model-catalog.js';

/** What src/model/load.ts is expected to export. */
type LoadModel = (engine: Engine, source: { modelJson: unknown; weightShards: ArrayBuffer[] }) => Promise<UpscaleModel> | UpscaleModel;

const loadModules = import.meta.glob('../../../src/model/load.ts');

/** Why the models cannot run in this build, or null when they can. */
export function pretrainedUnavailable(): string | null {
  return Object.keys(loadModules).length === 0 ? 'not in this build yet (src/model/load.ts is needed)' : null;
}

/** The catalog entry with this id; throws RangeError for an unknown id. */
export function catalogModel(id: string): CatalogModel {
  const m = MODEL_CATALOG.find((x) => x.id === id);
  if (!m) throw new RangeError(`unknown model '${id}'`);
  return m;
}

async function importLoadModel(): Promise<LoadModel> {
  const why = pretrainedUnavailable();
  if (why) throw new Error(`pretrained models are ${why}`);
  const mod = (await Object.values(loadModules)[0]()) as { loadModel?: LoadModel };
  if (typeof mod.loadModel !== 'function') throw new Error('src/model/load.ts must export loadModel(engine, { modelJson, weightShards })');
  return mod.loadModel;
}

async function fetchOk(url: URL, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new Error(`could not fetch ${url.pathname}: HTTP ${res.status}`);
  return res;
}

/** Loaded models, per engine and id: loading parses and uploads megabytes of weights once. */
const loaded = new WeakMap<Engine, Map<string, Promise<UpscaleModel>>>();

async function fetchAndLoad(engine: Engine, m: CatalogModel, signal?: AbortSignal): Promise<UpscaleModel> {
  const loadModel = await importLoadModel();
  const jsonUrl = new URL(modelJsonPath(m), document.baseURI);
  const modelJson = (await (await fetchOk(jsonUrl, signal)).json()) as { weightsManifest?: { paths: string[] }[] };
  const paths = (modelJson.weightsManifest ?? []).flatMap((g) => g.paths);
  const weightShards = await Promise.all(paths.map(async (p) => (await fetchOk(new URL(p, jsonUrl), signal)).arrayBuffer()));
  return loadModel(engine, { modelJson, weightShards });
}

/** A catalog model loaded on `engine` (cached: each model is fetched and uploaded once per engine). */
export function loadCatalogModel(engine: Engine, id: string, signal?: AbortSignal): Promise<UpscaleModel> {
  return getModel(engine, catalogModel(id), signal);
}

function getModel(engine: Engine, m: CatalogModel, signal?: AbortSignal): Promise<UpscaleModel> {
  let perEngine = loaded.get(engine);
  if (!perEngine) loaded.set(engine, (perEngine = new Map()));
  let p = perEngine.get(m.id);
  if (!p) {
    p = fetchAndLoad(engine, m, signal);
    perEngine.set(m.id, p);
    p.catch(() => perEngine.delete(m.id)); // a failed or cancelled load is retried next time
  }
  return p;
}

/** Upscales `image` with a pretrained model; progress goes from 0 (loading) to 1. */
export async function runPretrained(
  engine: Engine,
  id: string,
  image: ImageData,
  options: { signal?: AbortSignal; onProgress?: (fraction: number, step: string) => void },
): Promise<ImageData> {
  const m = catalogModel(id);
  options.onProgress?.(0, `loading ${m.label}`);
  const model = await getModel(engine, m, options.signal);
  options.signal?.throwIfAborted();
  const out = await upscale(engine, image, {
    model,
    signal: options.signal,
    onProgress: (p) => options.onProgress?.(p.fraction, `tile ${p.done} of ${p.total}`),
  });
  return new ImageData(out.data, out.width, out.height);
}
