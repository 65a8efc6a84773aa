/**
 * The single-file browser build (`npm run build:browser` →
 * dist-browser/webgpu-upsample.js, one ES module with no imports, the bundled
 * models' weights in dist-browser/models/ next to it): everything of the main
 * entry, plus fetching a model by URL. Copy the folder to any static host:
 *
 *   <script type="module">
 *     import { createEngine, loadModelFromUrl, bundledModelUrl, upscale } from './webgpu-upsample.js';
 *     const engine = await createEngine();
 *     const model = await loadModelFromUrl(engine, bundledModelUrl('esrgan-slim', 4));
 *     const out = await upscale(engine, document.querySelector('img'), { model });
 *   </script>
 */
import type { Engine } from './engine.js';
import { loadModel, type LayersModelSource } from './model/load.js';
import type { LayersModelJson } from './model/tfjs-layers.js';
import type { UpscaleModel } from './model/types.js';

export * from './index.js';

/** The models the build carries next to the file, with their scales (models/<name>/[x<scale>/]model.json). */
export const BUNDLED_MODELS = { 'default-model': [2], 'esrgan-slim': [2, 3, 4, 8] } as const;

/**
 * The URL of a bundled model's model.json, next to this file (import.meta.url):
 * default-model ×2, esrgan-slim ×2 ×3 ×4 ×8 (default ×4). Throws RangeError for another.
 */
export function bundledModelUrl(name: keyof typeof BUNDLED_MODELS, scale?: number): URL {
  const scales: readonly number[] = BUNDLED_MODELS[name] ?? [];
  const s = scale ?? (scales.includes(4) ? 4 : scales[0]);
  if (!scales.includes(s)) {
    throw new RangeError(`bundledModelUrl: '${name}' ×${s} is not bundled (bundled: default-model ×2, esrgan-slim ×2 ×3 ×4 ×8)`);
  }
  const dir = scales.length > 1 ? `x${s}/` : '';
  // Through a variable: Vite rewrites `new URL(literal, import.meta.url)` into a build asset, and these files are copied beside the bundle instead.
  const here = import.meta.url;
  return new URL(`./models/${name}/${dir}model.json`, here);
}

async function fetchOk(url: URL, signal?: AbortSignal): Promise<Response> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new Error(`could not fetch ${url.href}: HTTP ${res.status}`);
  return res;
}

/** A TensorFlow.js LayersModel (model.json and the weight shards its manifest names, relative to it), fetched. */
export async function fetchLayersModel(url: string | URL, options: { signal?: AbortSignal } = {}): Promise<LayersModelSource> {
  const jsonUrl = new URL(url, typeof location === 'undefined' ? undefined : location.href);
  const modelJson = (await (await fetchOk(jsonUrl, options.signal)).json()) as LayersModelJson;
  const paths = (modelJson.weightsManifest ?? []).flatMap((g) => g.paths);
  const weightShards = await Promise.all(paths.map(async (p) => (await fetchOk(new URL(p, jsonUrl), options.signal)).arrayBuffer()));
  const name = jsonUrl.pathname.split('/').slice(-3, -1).join('/') || 'model';
  return { modelJson, weightShards, name };
}

/** fetchLayersModel, then loadModel on `engine`: a model ready for upscale(engine, image, { model }). */
export async function loadModelFromUrl(engine: Engine, url: string | URL, options: { signal?: AbortSignal } = {}): Promise<UpscaleModel> {
  return loadModel(engine, await fetchLayersModel(url, options));
}
