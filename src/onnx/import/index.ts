/**
 * ONNX front end: `parseOnnxModel(bytes)` lowers an ONNX ModelProto to the
 * project's graph (src/model/ir.ts) on the CPU, with no engine;
 * `loadOnnxModel(engine, bytes)` then uploads it as a runnable model.
 *
 * Everything is checked before any GPU work: the bytes (./reader.ts,
 * ./decode.ts: lengths against the file, finite weights, no external data),
 * the graph's structure and each op's attributes (./lower.ts and ./ops-*.ts:
 * what the engine cannot run exactly is refused with a ModelError naming the
 * file, the node, its op_type and the attribute), then the model's facts
 * (describeModel: RGB in and out, an integer scale).
 *
 * What a file may hold: the ops in SUPPORTED_OPS (./lower.ts), in float32 or
 * float16 (computed in float32). The engine runs any tile size, so a model
 * is read as a function of its input's size: torch's Shape/Gather chains are
 * followed symbolically (2·H stays 2·H); in a fixed-size export (no dynamic
 * axes) the sizes torch folded to constants are read relative to the
 * declared size (Resize sizes as scales, a Slice ending at a fixed row as the
 * same cut from the end, a reshape to [1, 3, H/2, 2, W/2, 2] as a pixel
 * unshuffle). A pixel-unshuffle at the input pads odd sizes as the PyTorch
 * loader does (padForUnshuffle below).
 */
import type { Engine } from '../../engine.js';
import { describeModel } from '../../model/describe.js';
import { ModelError } from '../../model/errors.js';
import { buildModel } from '../../model/graph.js';
import type { GraphNode, ModelGraph } from '../../model/ir.js';
import type { UpscaleModel } from '../../model/types.js';
import { decodeModel } from './decode.js';
import { lowerModel } from './lower.js';

export { SUPPORTED_OPS } from './lower.js';

export interface OnnxImportOptions {
  /** The file's name, shown in errors; default 'model.onnx'. */
  file?: string;
  /** The model's name; default the graph's name, else the file's name without '.onnx'. */
  name?: string;
  /** Value range the network expects for its RGB input; default [0, 1] (PyTorch's convention for image models). */
  inputRange?: readonly [number, number];
  /** Value range of its output; default the input range. */
  outputRange?: readonly [number, number];
}

export interface ParsedOnnxModel {
  graph: ModelGraph;
  name: string;
  scale: number;
  inputRange: readonly [number, number];
  outputRange: readonly [number, number];
}

function bytesOf(source: ArrayBuffer | ArrayBufferView, file: string): Uint8Array {
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  throw new ModelError(
    `${file}: expected the file's bytes (an ArrayBuffer or a typed array), got ${source === null ? 'null' : typeof source}`,
  );
}

function range(
  r: readonly [number, number] | undefined,
  fallback: readonly [number, number],
  what: string,
  file: string,
): readonly [number, number] {
  const v = r ?? fallback;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isFinite(x)) || !(v[0] < v[1])) {
    throw new ModelError(`${file}: ${what} ${JSON.stringify(r)} must be [low, high] with finite low < high`);
  }
  return [v[0], v[1]];
}

/**
 * A pixel-unshuffle at the input (RRDBNet ×2/×1) needs sides that are multiples of r, which an image or its
 * last tile need not have: as the PyTorch loader (and spandrel) do, the input is padded (reflect, bottom and
 * right) to a multiple of r and the output cropped back to scale × the input. Sizes that are multiples
 * already are untouched, bit for bit.
 */
function padForUnshuffle(graph: ModelGraph, scale: number): ModelGraph {
  const input = graph.nodes[0];
  const r = Math.max(0, ...graph.nodes.map((n) => (n.kind === 'spaceToDepth' && n.inputs[0] === input.name ? n.r : 0)));
  if (r < 2) return graph;
  const taken = new Set(graph.nodes.map((n) => n.name));
  const fresh = (base: string) => {
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}:${k}`;
    taken.add(name);
    return name;
  };
  const pad = fresh(`${input.name}:pad_to_multiple`);
  const crop = fresh(`${graph.output}:crop_to_input`);
  const rest = graph.nodes.slice(1).map((n) => ({ ...n, inputs: n.inputs.map((i) => (i === input.name ? pad : i)) }) as GraphNode);
  return {
    nodes: [
      input,
      { kind: 'pad', name: pad, inputs: [input.name], pads: [0, 0, 0, 0], mode: 'reflect', multiple: r },
      ...rest,
      { kind: 'crop', name: crop, inputs: [graph.output === input.name ? pad : graph.output, input.name], begin: [0, 0], refScale: scale },
    ],
    output: crop,
  };
}

/** Parses and lowers an ONNX model on the CPU (ModelError on anything it does not understand). */
export function parseOnnxModel(source: ArrayBuffer | ArrayBufferView, options: OnnxImportOptions = {}): ParsedOnnxModel {
  const file = options.file ?? 'model.onnx';
  const fail = (message: string): never => {
    throw new ModelError(`${file}: ${message}`);
  };
  const model = decodeModel(bytesOf(source, file), fail);
  const graph = lowerModel(model, fail);
  const inputRange = range(options.inputRange, [0, 1], 'inputRange', file);
  const outputRange = range(options.outputRange, inputRange, 'outputRange', file);
  const name =
    options.name ??
    (model.graphName && model.graphName !== 'torch_jit' ? model.graphName : file.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, ''));
  const describe = (g: ModelGraph) => {
    try {
      return describeModel(g, { name, inputRange, outputRange });
    } catch (e) {
      if (e instanceof ModelError) throw new ModelError(`${file}: ${e.message}`);
      throw e;
    }
  };
  const { scale } = describe(graph);
  const padded = padForUnshuffle(graph, scale);
  if (padded !== graph) describe(padded);
  return { graph: padded, name, scale, inputRange, outputRange };
}

/** Parses an ONNX model (as parseOnnxModel) and uploads its weights: the model upscale() and friends take. */
export function loadOnnxModel(
  engine: Engine,
  source: ArrayBuffer | ArrayBufferView,
  options: OnnxImportOptions = {},
): UpscaleModel & { maxChannels: number; graph: ModelGraph } {
  const parsed = parseOnnxModel(source, options);
  const model = buildModel(engine, parsed.graph, { name: parsed.name, inputRange: parsed.inputRange, outputRange: parsed.outputRange });
  return Object.assign(model, { graph: parsed.graph });
}
