/**
 * ONNX models of peer jobs, for ONNX Runtime Web (both benchmark pages) and
 * onnxruntime-node (bench/cpu-baselines.ts, through bench/onnx-models.ts).
 * Written with the pure protobuf encoder next to this file, so it runs in
 * the browser and in Node.
 */
import type { ModelGraph } from '../../src/model/ir.js';
import type { ActivationName } from '../../src/ops/activation.js';
import type { ConvJob, ConvTransposeJob, ShuffleJob } from './job.js';
import { encodeModel, type OnnxNode, type OnnxTensor } from './onnx-proto.js';

/**
 * One node, input 'x', output 'y': ConvTranspose, Conv or DepthToSpace CRD,
 * with the weights as initializers so ORT treats them as constants (and may
 * prepack them once, as it would for a real model).
 */
export function opOnnxModel(job: ConvTransposeJob | ConvJob | ShuffleJob): Uint8Array {
  const x = { name: 'x', shape: job.xShape };
  if (job.op === 'pixelShuffle') {
    const node: OnnxNode = { op: 'DepthToSpace', inputs: ['x'], outputs: ['y'], attrs: { blocksize: job.r, mode: 'CRD' } };
    return encodeModel({ nodes: [node], inputs: [x], outputs: [{ name: 'y' }] });
  }
  const k = job.wShape[2];
  const p = job.padding;
  const init: Record<string, OnnxTensor> = { W: { data: job.w, shape: job.wShape } };
  if (job.b) init.B = { data: job.b, shape: [job.b.length] };
  const inputs = ['x', 'W', ...(job.b ? ['B'] : [])];
  const node: OnnxNode =
    job.op === 'convTranspose2d'
      ? { op: 'ConvTranspose', inputs, outputs: ['y'], attrs: { kernel_shape: [k, k], strides: [job.stride, job.stride], pads: [p, p, p, p], output_padding: [job.outputPadding, job.outputPadding] } }
      : { op: 'Conv', inputs, outputs: ['y'], attrs: { kernel_shape: [k, k], pads: [p, p, p, p] } };
  return encodeModel({ nodes: [node], inputs: [x], outputs: [{ name: 'y' }], initializers: init });
}

/**
 * A whole model graph (parseLayersModel's IR: NCHW, PyTorch weight layouts) as
 * an ONNX model with input 'x' [1, 3, h, w] and output 'y'. The UpscalerJS
 * packages ship TF.js LayersModels only, so this is how ONNX Runtime gets the
 * same network: Conv (+Relu), Mul by the MultiplyBeta scalar, DepthToSpace DCR
 * (TF's depth_to_space order), Resize nearest for UpSampling2D, Concat, Add/Sum.
 */
export function graphOnnxModel(graph: ModelGraph, h: number, w: number): Uint8Array {
  const nodes: OnnxNode[] = [];
  const init: Record<string, OnnxTensor> = {};
  let inputName = '';
  for (const n of graph.nodes) {
    const src = n.inputs as string[];
    switch (n.kind) {
      case 'input':
        inputName = n.name;
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
        if (n.activation !== 'none') nodes.push(activationNode(n.activation, conv, n.name));
        break;
      }
      case 'activation':
        nodes.push(n.fn === 'none' ? { op: 'Identity', inputs: src, outputs: [n.name] } : activationNode(n.fn, src[0], n.name));
        break;
      case 'scale':
        init[`${n.name}:k`] = { data: Float32Array.of(n.factor), shape: [1] };
        nodes.push({ op: 'Mul', inputs: [src[0], `${n.name}:k`], outputs: [n.name] });
        break;
      case 'depthToSpace':
        nodes.push({ op: 'DepthToSpace', inputs: src, outputs: [n.name], attrs: { blocksize: n.r, mode: 'DCR' } });
        break;
      case 'upsample':
        init[`${n.name}:scales`] = { data: Float32Array.of(1, 1, n.size[0], n.size[1]), shape: [4] };
        nodes.push({
          op: 'Resize',
          inputs: [src[0], '', `${n.name}:scales`],
          outputs: [n.name],
          attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
        });
        break;
      case 'concat':
        nodes.push({ op: 'Concat', inputs: src, outputs: [n.name], attrs: { axis: 1 } });
        break;
      case 'add':
        nodes.push({ op: src.length === 2 ? 'Add' : 'Sum', inputs: src, outputs: [n.name] });
        break;
    }
  }
  // Graph input and output get the fixed names 'x' and 'y'.
  for (const node of nodes) node.inputs = node.inputs.map((i) => (i === inputName ? 'x' : i));
  nodes.push({ op: 'Identity', inputs: [graph.output === inputName ? 'x' : graph.output], outputs: ['y'] });
  return encodeModel({ nodes, inputs: [{ name: 'x', shape: [1, 3, h, w] }], outputs: [{ name: 'y' }], initializers: init });
}

function activationNode(fn: ActivationName, input: string, output: string): OnnxNode {
  if (fn === 'relu') return { op: 'Relu', inputs: [input], outputs: [output] };
  // PyTorch's default slope, as the engine's leakyRelu.
  return { op: 'LeakyRelu', inputs: [input], outputs: [output], attrs: { alpha: { f: 0.01 } } };
}
