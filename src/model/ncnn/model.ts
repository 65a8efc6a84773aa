/**
 * parseNcnnModel / loadNcnnModel: an ncnn `.param` + `.bin` pair as a model.
 *
 * Parsing, weight reading, lowering and family detection all run on the CPU
 * and throw ModelError (naming the file, layer and parameter) before any GPU
 * work. The result takes RGB in [0, 1] and gives RGB in [0, 1], with the
 * family's padding, crop and residual inside the graph (./family.ts).
 */
import type { Engine } from '../../engine.js';
import { describeModel, type ModelDescription } from '../describe.js';
import { buildModel } from '../graph.js';
import type { ModelGraph } from '../ir.js';
import type { UpscaleModel } from '../types.js';
import { applyFamily, FAMILY_OUTPUTS, type NcnnFamily } from './family.js';
import { lowerNcnn } from './lower.js';
import { parseNcnnParam } from './param.js';
import { readNcnnWeights } from './weights.js';

export interface NcnnModelSource {
  /** The .param text (or its bytes). */
  param: string | ArrayBuffer | ArrayBufferView;
  /** The .bin bytes. */
  bin: ArrayBuffer | ArrayBufferView;
  /** Shown in results and errors; default: the file name without '.param', else the family. */
  name?: string;
  /** The .param's file name (or path) in error messages. */
  file?: string;
  /** The .bin's file name in error messages; default `file` with '.bin' for '.param'. */
  binFile?: string;
}

export type NcnnModelDescription = ModelDescription & { family: NcnnFamily };

const stem = (path: string): string => path.replace(/^.*[\\/]/, '').replace(/\.param$/, '');

/** The graph and family of an ncnn model (no engine, no GPU). */
export function parseNcnnGraph(source: NcnnModelSource): { graph: ModelGraph; family: NcnnFamily; name: string } {
  const file = source.file ?? (source.name ? `${source.name}.param` : 'model.param');
  const binFile = source.binFile ?? (file.endsWith('.param') ? `${file.slice(0, -'.param'.length)}.bin` : `${file}.bin`);
  const layers = parseNcnnParam(source.param, { file });
  const weights = readNcnnWeights(source.bin, layers, { file: binFile });
  const input = layers.find((l) => l.type === 'Input')?.outputs[0] ?? '';
  const known = FAMILY_OUTPUTS[input];
  const output = known && layers.some((l) => l.outputs.includes(known)) ? known : undefined;
  const lowered = lowerNcnn(layers, weights, { file, output });
  const hint = `${source.name ?? ''} ${file}`;
  const { graph, family } = applyFamily(layers, lowered, { file, hint });
  const name = source.name ?? (source.file ? stem(source.file) : family.family);
  return { graph, family, name };
}

/** parseNcnnModel: the model described for tiling, export and the CPU backend, plus its family. */
export function parseNcnnModel(source: NcnnModelSource): NcnnModelDescription {
  const { graph, family, name } = parseNcnnGraph(source);
  return Object.assign(describeModel(graph, { name, inputRange: [0, 1], outputRange: [0, 1] }), { family });
}

/** loadNcnnModel: the model on an engine (weights uploaded once), as loadModel returns, plus its family. */
export function loadNcnnModel(
  engine: Engine,
  source: NcnnModelSource,
): UpscaleModel & { maxChannels: number; graph: ModelGraph; family: NcnnFamily } {
  const { graph, family, name } = parseNcnnGraph(source);
  return Object.assign(buildModel(engine, graph, { name, inputRange: [0, 1], outputRange: [0, 1] }), { graph, family });
}
