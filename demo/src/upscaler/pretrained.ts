/**
 * Pretrained UpscalerJS models on the engine: fetch model.json and its weight
 * shards (served by the demo's Vite plugin from node_modules), load them with
 * `loadModel` (src/model/load.ts) and run `upscale` (src/upscale/upscale.ts),
 * which tiles the image and reports progress per tile.
 */
import type { Engine } from '../../../src/index.js';
import { loadModel } from '../../../src/model/load.js';
import type { LayersModelJson } from '../../../src/model/tfjs-layers.js';
import type { UpscaleModel } from '../../../src/model/types.js';
import { upscale } from '../../../src/upscale/upscale.js';
import { MODEL_CATALOG, modelJsonPath, type CatalogModel } from '../model-catalog.js';

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

/** Loaded models, per engine and id: loading parses and uploads megabytes of weights once. */
const loaded = new WeakMap<Engine, Map<string, Promise<UpscaleModel>>>();

async function fetchAndLoad(engine: Engine, m: CatalogModel, signal?: AbortSignal): Promise<UpscaleModel> {
  const jsonUrl = new URL(modelJsonPath(m), document.baseURI);
  const modelJson = (await (await fetchOk(jsonUrl, signal)).json()) as LayersModelJson;
  const paths = (modelJson.weightsManifest ?? []).flatMap((g) => g.paths);
  const weightShards = await Promise.all(paths.map(async (p) => (await fetchOk(new URL(p, jsonUrl), signal)).arrayBuffer()));
  return loadModel(engine, { modelJson, weightShards, name: m.id });
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
