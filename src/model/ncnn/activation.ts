/**
 * ncnn activations: the fused kind of Convolution/Deconvolution/InnerProduct
 * (key 9, parameters in key 10 = -23310) and the standalone layers ReLU,
 * Sigmoid, Clip, Mish, HardSwish.
 *
 * Key 9: 0 none, 1 ReLU, 2 leaky ReLU (slope p0), 3 clip(p0, p1),
 * 4 sigmoid, 5 Mish, 6 HardSwish(alpha p0, beta p1): x·clamp(αx + β, 0, 1).
 * ReLU, leaky ReLU and sigmoid fold into the conv's epilogue; the others are
 * nodes after it.
 */
import type { FusedActivation, GraphNode } from '../ir.js';
import { type BlobInfo, type LayerInput } from './context.js';
import { arrayParam, floatParam, intParam } from './param.js';

/** ncnn's Clip defaults: the float32 range. */
const FLT_MAX = 3.4028234663852886e38;

/** What follows a conv: an epilogue activation, or a node to emit on its output. */
export interface ActivationPlan {
  fused: FusedActivation;
  /** Makes the separate node reading `input`, named `name`. */
  node?: (name: string, input: string) => GraphNode;
}

/** The activation of key 9 (params key 10) of a conv-like layer. */
export function fusedActivation({ cx, layer }: LayerInput): ActivationPlan {
  const type = intParam(layer, 9, 0);
  const p = arrayParam(layer, 10);
  const need = (n: number) => {
    if (p.length < n)
      throw cx.error(layer, `activation ${type} needs ${n} parameters in -23310, the file gives ${p.length}`, 10, 'activation_params');
  };
  const none: FusedActivation = { activation: 'none' };
  switch (type) {
    case 0:
      return { fused: none };
    case 1:
      return { fused: { activation: 'relu' } };
    case 2:
      need(1);
      return { fused: { activation: 'leakyRelu', negativeSlope: p[0] } };
    case 3:
      need(2);
      return { fused: none, node: (name, input) => ({ kind: 'clip', name, inputs: [input], min: p[0], max: p[1] }) };
    case 4:
      return { fused: { activation: 'sigmoid' } };
    case 5:
      return { fused: none, node: (name, input) => ({ kind: 'mish', name, inputs: [input] }) };
    case 6:
      need(2);
      return { fused: none, node: (name, input) => ({ kind: 'hardSwish', name, inputs: [input], alpha: p[0], beta: p[1] }) };
    default:
      throw cx.error(
        layer,
        `activation type ${type} is not one of 0–6 (none, ReLU, leaky ReLU, clip, sigmoid, Mish, HardSwish)`,
        9,
        'activation_type',
      );
  }
}

/**
 * Emits the separate activation node of `plan` (if any) after the tensor
 * `produced` and records the layer's output blob.
 */
export function finishActivation(io: LayerInput, plan: ActivationPlan, produced: string, info: Omit<BlobInfo, 'node'>): void {
  const { cx, layer } = io;
  let node = produced;
  if (plan.node) node = cx.emit(plan.node(cx.fresh(layer.outputs[0]), produced)).name;
  cx.define(layer, { ...info, node });
}

/** The standalone activation layers: the same function on any blob, image or vector. */
export function lowerActivationLayer(io: LayerInput): void {
  const { cx, layer } = io;
  const x = cx.input(layer, 0);
  const name = cx.fresh(layer.outputs[0]);
  const inputs: [string] = [x.node];
  let node: GraphNode;
  switch (layer.type) {
    case 'ReLU': {
      const slope = floatParam(layer, 0, 0);
      node =
        slope === 0
          ? { kind: 'activation', name, inputs, fn: 'relu' }
          : { kind: 'activation', name, inputs, fn: 'leakyRelu', negativeSlope: slope };
      break;
    }
    case 'Sigmoid':
      node = { kind: 'activation', name, inputs, fn: 'sigmoid' };
      break;
    case 'Clip':
      node = { kind: 'clip', name, inputs, min: floatParam(layer, 0, -FLT_MAX), max: floatParam(layer, 1, FLT_MAX) };
      break;
    case 'Mish':
      node = { kind: 'mish', name, inputs };
      break;
    default:
      // HardSwish: ncnn's defaults alpha 0.2, beta 0.5.
      node = { kind: 'hardSwish', name, inputs, alpha: floatParam(layer, 0, 0.2), beta: floatParam(layer, 1, 0.5) };
  }
  cx.emit(node);
  cx.define(layer, { ...x, node: name });
}
