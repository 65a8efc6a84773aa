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
import { ArgumentError } from '../errors.js';
import type { ActivationName } from '../ops/activation.js';
import type { ModelGraph } from '../model/ir.js';
import { encodeModel, type OnnxNode, type OnnxTensor } from './proto.js';

export interface ExportOnnxOptions {
  /** Fixes the input's [height, width] (batch 1) instead of leaving them symbolic. */
  size?: readonly [number, number];
  /** ai.onnx opset; default 17 (every op used here is unchanged from 13 to 21). */
  opset?: number;
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
 * initializers), input 'x' [batch, 3, height, width], output 'y'. Throws an
 * ArgumentError when `source` has no graph (e.g. a hand-written UpscaleModel).
 */
export function exportOnnx(source: OnnxExportSource, options: ExportOnnxOptions = {}): Uint8Array {
  const graph = graphOf(source);
  const size = options.size;
  if (size !== undefined && !(Array.isArray(size) && size.length === 2 && size.every((d) => Number.isInteger(d) && d >= 1))) {
    throw new ArgumentError(`exportOnnx: size ${JSON.stringify(size)} must be [height, width] with positive integers`);
  }
  const nodes: OnnxNode[] = [];
  const init: Record<string, OnnxTensor> = {};
  let inputName = '';
  let channels = 3;
  for (const n of graph.nodes) {
    const src = n.inputs as string[];
    switch (n.kind) {
      case 'input':
        inputName = n.name;
        channels = n.channels;
        break;
      case 'conv': {
        init[`${n.name}:W`] = { data: n.weight, shape: n.weightShape };
        if (n.bias) init[`${n.name}:B`] = { data: n.bias, shape: [n.bias.length] };
        const [pH, pW] = n.padding;
        const conv = n.activation === 'none' ? n.name : `${n.name}:pre`;
        nodes.push({
          op: 'Conv',
          inputs: [src[0], `${n.name}:W`, ...(n.bias ? [`${n.name}:B`] : [])],
          outputs: [conv],
          attrs: { kernel_shape: n.weightShape.slice(2), strides: n.stride, dilations: n.dilation, pads: [pH, pW, pH, pW] },
        });
        if (n.activation !== 'none') nodes.push(...activationNodes(n.activation, conv, n.name));
        break;
      }
      case 'activation':
        nodes.push(...(n.fn === 'none' ? [{ op: 'Identity', inputs: src, outputs: [n.name] }] : activationNodes(n.fn, src[0], n.name)));
        break;
      case 'scale':
        init[`${n.name}:k`] = { data: Float32Array.of(n.factor), shape: [] };
        nodes.push({ op: 'Mul', inputs: [src[0], `${n.name}:k`], outputs: [n.name] });
        break;
      case 'depthToSpace':
        // The IR's mode field is newer than some graphs built by hand: DCR (TensorFlow's order) when absent.
        nodes.push({ op: 'DepthToSpace', inputs: src, outputs: [n.name], attrs: { blocksize: n.r, mode: n.mode ?? 'DCR' } });
        break;
      case 'upsample':
        init[`${n.name}:scales`] = { data: Float32Array.of(1, 1, n.size[0], n.size[1]), shape: [4] };
        nodes.push({
          op: 'Resize',
          inputs: [src[0], '', `${n.name}:scales`],
          outputs: [n.name],
          attrs:
            n.mode === 'bilinear'
              ? { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }
              : { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
        });
        break;
      case 'concat':
        nodes.push({ op: 'Concat', inputs: src, outputs: [n.name], attrs: { axis: 1 } });
        break;
      case 'add':
        nodes.push({ op: src.length === 2 ? 'Add' : 'Sum', inputs: src, outputs: [n.name] });
        break;
      default:
        throw new ArgumentError(
          `exportOnnx: node '${(n as { name: string }).name}' of kind '${(n as { kind: string }).kind}' has no ONNX form`,
        );
    }
  }
  if (!inputName) throw new ArgumentError(`exportOnnx: the graph has no input node`);
  // Graph input and output get the fixed names 'x' and 'y'.
  for (const node of nodes) node.inputs = node.inputs.map((i) => (i === inputName ? ONNX_INPUT : i));
  nodes.push({ op: 'Identity', inputs: [graph.output === inputName ? ONNX_INPUT : graph.output], outputs: [ONNX_OUTPUT] });
  const shape: (number | string)[] = size ? [1, channels, size[0], size[1]] : ['batch', channels, 'height', 'width'];
  return encodeModel({
    nodes,
    inputs: [{ name: ONNX_INPUT, shape }],
    outputs: [{ name: ONNX_OUTPUT }],
    initializers: init,
    opset: options.opset,
    name: (source as { name?: string }).name ?? 'graph',
    producer: 'webgpu-upsample',
  });
}

/** The ONNX nodes of one activation, reading `input` and writing `output`. */
function activationNodes(fn: Exclude<ActivationName, 'none'>, input: string, output: string): OnnxNode[] {
  switch (fn) {
    case 'relu':
      return [{ op: 'Relu', inputs: [input], outputs: [output] }];
    case 'leakyRelu':
      // The graph walker calls leakyRelu without a slope: the engine's (and PyTorch's) default.
      return [{ op: 'LeakyRelu', inputs: [input], outputs: [output], attrs: { alpha: { f: 0.01 } } }];
    case 'sigmoid':
      return [{ op: 'Sigmoid', inputs: [input], outputs: [output] }];
    case 'tanh':
      return [{ op: 'Tanh', inputs: [input], outputs: [output] }];
    case 'crelu':
      // Channel co gets relu(v), channel C + co gets relu(−v) (src/ops/activation.ts).
      return [
        { op: 'Relu', inputs: [input], outputs: [`${output}:pos`] },
        { op: 'Neg', inputs: [input], outputs: [`${output}:neg`] },
        { op: 'Relu', inputs: [`${output}:neg`], outputs: [`${output}:negRelu`] },
        { op: 'Concat', inputs: [`${output}:pos`, `${output}:negRelu`], outputs: [output], attrs: { axis: 1 } },
      ];
    default: {
      const unknown: never = fn;
      throw new ArgumentError(`exportOnnx: activation '${String(unknown)}' has no ONNX form`);
    }
  }
}
