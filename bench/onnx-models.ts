/**
 * The one-node ONNX model of a benchmark case, for ONNX Runtime Web (page) and
 * onnxruntime-node (CPU baseline). Written with the same encoder the tests'
 * ONNX reference uses (test/helpers/onnx-proto.ts, pure, browser-safe).
 */
import { encodeModel, type OnnxNode, type OnnxTensor } from '../test/helpers/onnx-proto.js';
import type { ModelGraph } from '../src/model/ir.js';
import type { ActivationName } from '../src/ops/activation.js';
import { inputShape, weightShape, type BenchCase } from './cases.js';

/**
 * ConvTranspose, DepthToSpace CRD or Conv with the weights as initializers, so
 * ORT treats them as constants (and may prepack them once, as it would for a
 * real model). Null for whole-model cases: UpscalerJS ships TF.js LayersModels only.
 */
export function caseOnnxModel(c: BenchCase, weight: Float32Array | null, bias: Float32Array | null): Uint8Array | null {
  const x = { name: 'x', shape: inputShape(c) };
  const init: Record<string, OnnxTensor> = {};
  const wShape = weightShape(c);
  if (weight && wShape) init.W = { data: weight, shape: wShape };
  if (bias && wShape) init.B = { data: bias, shape: [c.op === 'convTranspose2d' ? wShape[1] : wShape[0]] };
  const inputs = ['x', ...(init.W ? ['W'] : []), ...(init.B ? ['B'] : [])];
  let node: OnnxNode;
  if (c.op === 'convTranspose2d') {
    node = { op: 'ConvTranspose', inputs, outputs: ['y'], attrs: { kernel_shape: [c.k, c.k], strides: [c.s, c.s], pads: [c.p, c.p, c.p, c.p], output_padding: [c.op_, c.op_] } };
  } else if (c.op === 'conv2d') {
    node = { op: 'Conv', inputs, outputs: ['y'], attrs: { kernel_shape: [c.k, c.k], pads: [c.p, c.p, c.p, c.p] } };
  } else if (c.op === 'pixelShuffle') {
    node = { op: 'DepthToSpace', inputs: ['x'], outputs: ['y'], attrs: { blocksize: c.r, mode: 'CRD' } };
  } else {
    return null;
  }
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
