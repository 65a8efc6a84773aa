/**
 * loadModel: a TensorFlow.js LayersModel (model.json + weight shards) on an engine.
 * Works in browsers and Node: the caller supplies the bytes.
 */
import type { Engine } from '../engine.js';
import { describeModel, type ModelDescription } from './describe.js';
import { buildModel } from './graph.js';
import { parseLayersModel, type LayersModelJson } from './tfjs-layers.js';
import type { ModelGraph } from './ir.js';
import type { UpscaleModel } from './types.js';

export interface LayersModelSource {
  /** Parsed model.json. */
  modelJson: LayersModelJson;
  /** Shard bytes in weightsManifest order (all paths of group 0, then group 1, …): ArrayBuffers, or views of them (typed arrays, DataViews, Node Buffers; their exact bytes are read). */
  weightShards: readonly (ArrayBuffer | ArrayBufferView)[];
  /** Shown in errors and results; default 'model'. */
  name?: string;
  /** Value range the network expects: [0, 255] for UpscalerJS's RDN models, [0, 1] for RRDN (esrgan-thick). Default [0, 255]. */
  inputRange?: readonly [number, number];
  outputRange?: readonly [number, number];
}

/**
 * Validates everything on the CPU (throws ModelError), then uploads the
 * weights once. The model carries its graph (`model.graph`, for exportOnnx).
 */
export function loadModel(engine: Engine, source: LayersModelSource): UpscaleModel & { maxChannels: number; graph: ModelGraph } {
  const graph = parseLayersModel(source.modelJson, source.weightShards);
  const inputRange = source.inputRange ?? [0, 255];
  const model = buildModel(engine, graph, { name: source.name ?? 'model', inputRange, outputRange: source.outputRange ?? inputRange });
  return Object.assign(model, { graph });
}

/**
 * The same model parsed and described with no engine and no GPU (throws
 * ModelError as loadModel does): its graph, scale, receptive radius and
 * tensor sizes, for exportOnnx and the CPU backend (createOrtRunner).
 */
export function describeLayersModel(source: LayersModelSource): ModelDescription {
  const graph = parseLayersModel(source.modelJson, source.weightShards);
  const inputRange = source.inputRange ?? [0, 255];
  return describeModel(graph, { name: source.name ?? 'model', inputRange, outputRange: source.outputRange ?? inputRange });
}
