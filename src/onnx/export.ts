/**
 * exportOnnx: a loaded model's graph (src/model/ir.ts: NCHW, PyTorch weight
 * layouts) as an ONNX ModelProto, float32, for ONNX Runtime (the CPU backend,
 * src/upscale/ort-runner.ts; ORT Web; the benchmark's ORT anchors) or any
 * other ONNX tool.
 *
 * Node by node, with the engine's meaning (src/model/run-graph.ts), unfused:
 * ORT does its own fusions. Conv with explicit pads (+ its activation),
 * activations as their ONNX ops (leakyRelu with the engine's default slope
 * 0.01; crelu as Concat(Relu(x), Relu(−x)) on channels, the engine's order),
 * MultiplyBeta's scale as Mul by a scalar, DepthToSpace in the node's mode
 * (DCR for UpscalerJS's PixelShuffle, TensorFlow's order), UpSampling2D as
 * Resize nearest with ONNX's asymmetric/floor rounding (= source pixel
 * ⌊o / s⌋, as ours), Concat on channels, Add (Sum for more than two).
 *
 * The input is 'x' [batch, 3, height, width] and the output 'y'; batch,
 * height and width are symbolic unless `size` fixes them, so one session runs
 * every tile size without re-export.
 */
import { ArgumentError } from '../core/errors.js';
import type { ModelGraph } from '../model/ir.js';
import { analyse } from '../model/graph.js';
import { nodeKind, type OnnxContext } from '../model/nodes.js';
import { encodeModel, type OnnxValue } from './proto.js';

export interface ExportOnnxOptions {
  /** Fixes the input's [height, width] (batch 1) instead of leaving them symbolic. */
  size?: readonly [number, number];
  /** ai.onnx opset; default 17 (every op used here is unchanged from 13 to 21). */
  opset?: number;
  /**
   * A stage of a whole-image-context run (src/upscale/global-context.ts): these global pools become
   * graph inputs of the same name ([1, C, 1, 1]) instead of pooling, and `until` (a tensor of the
   * graph) becomes the output 'y' instead of the graph's output.
   */
  stage?: { given: readonly string[]; until?: string };
}

/** What exportOnnx accepts: a graph (parseLayersModel's result) or a loaded model that carries one. */
export type OnnxExportSource = ModelGraph | { readonly name?: string; readonly graph?: ModelGraph };

/** Names of the exported model's input and output. */
export const ONNX_INPUT = 'x';
export const ONNX_OUTPUT = 'y';

function graphOf(source: OnnxExportSource): ModelGraph {
  if (source && typeof source === 'object') {
    if ('nodes' in source && Array.isArray(source.nodes)) return source;
    const g = (source as { graph?: ModelGraph }).graph;
    if (g && Array.isArray(g.nodes)) return g;
  }
  const name = (source as { name?: unknown } | null)?.name;
  throw new ArgumentError(
    `exportOnnx: ${typeof name === 'string' ? `model '${name}'` : 'the argument'} carries no graph; pass a model from loadModel/loadModelFromPackage ` +
      `(model.graph), a CPU upscaler's model, or a ModelGraph from parseLayersModel`,
  );
}

/**
 * Serialises the graph as ONNX ModelProto bytes (IR 8, opset 17, float32
 * initializers), input 'x' [batch, 3, height, width], output 'y'. Each node
 * is written by its row of the node table (src/model/nodes.ts). Throws an
 * ArgumentError when `source` has no graph (e.g. a hand-written UpscaleModel).
 */
export function exportOnnx(source: OnnxExportSource, options: ExportOnnxOptions = {}): Uint8Array {
  const graph = graphOf(source);
  const size = options.size;
  if (size !== undefined && !(Array.isArray(size) && size.length === 2 && size.every((d) => Number.isInteger(d) && d >= 1))) {
    throw new ArgumentError(`exportOnnx: size ${JSON.stringify(size)} must be [height, width] with positive integers`);
  }
  const info = analyse(graph);
  const input = graph.nodes.find((n) => n.kind === 'input');
  if (!input) throw new ArgumentError(`exportOnnx: the graph has no input node`);
  const ctx: OnnxContext = { nodes: [], init: {}, channels: (name) => info.get(name)!.channels };
  const given = new Set(options.stage?.given ?? []);
  const until = options.stage?.until ?? graph.output;
  for (const name of [...given, until])
    if (!info.has(name)) throw new ArgumentError(`exportOnnx: the stage names '${name}', not a tensor of the graph`);
  const stageInputs: OnnxValue[] = [];
  for (const n of graph.nodes) {
    if (!given.has(n.name)) nodeKind(n).onnx(n as never, ctx);
    else if (n.kind !== 'globalAvgPool') throw new ArgumentError(`exportOnnx: only global pools can be given, not '${n.name}' (${n.kind})`);
    else if (n.name === ONNX_INPUT || n.name === ONNX_OUTPUT)
      throw new ArgumentError(`exportOnnx: a given pool cannot be called '${n.name}'`);
    else stageInputs.push({ name: n.name, shape: [1, info.get(n.name)!.channels, 1, 1] });
  }
  // Graph input and output get the fixed names 'x' and 'y'; a layer that is itself called 'x' or 'y' is renamed.
  const rename = (name: string): string =>
    name === input.name
      ? ONNX_INPUT
      : name === ONNX_INPUT || name === ONNX_OUTPUT || name.startsWith(`${ONNX_OUTPUT}~`)
        ? `${name}~`
        : name;
  for (const node of ctx.nodes) {
    node.inputs = node.inputs.map(rename);
    node.outputs = node.outputs.map(rename);
  }
  ctx.nodes.push({ op: 'Identity', inputs: [rename(until)], outputs: [ONNX_OUTPUT] });
  const channels = info.get(input.name)!.channels;
  const shape: (number | string)[] = size ? [1, channels, size[0], size[1]] : ['batch', channels, 'height', 'width'];
  return encodeModel({
    nodes: ctx.nodes,
    inputs: [{ name: ONNX_INPUT, shape }, ...stageInputs],
    outputs: [{ name: ONNX_OUTPUT }],
    initializers: ctx.init,
    opset: options.opset,
    name: (source as { name?: string }).name ?? 'graph',
    producer: 'webgpu-upsample',
  });
}
