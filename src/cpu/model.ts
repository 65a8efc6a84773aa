/**
 * CPU reference of a whole model: interprets a ModelGraph (from
 * parseLayersModel) node by node with the reference kernels. No fusion, no
 * liveness tricks: the plain meaning of the graph, which the engine's fused
 * plan must reproduce, and a baseline for the benchmark.
 */
import type { GraphNode, ModelGraph } from '../model/ir.js';
import { ModelError } from '../model/errors.js';
import { conv2d } from './conv2d.js';
import { depthToSpace } from './depth-to-space.js';
import { add, concat, leakyRelu, mul, relu } from './elementwise.js';
import { cpuTensor, type CpuTensor } from './tensor.js';
import { upsample } from './upsample.js';

function runNode(n: GraphNode, x: CpuTensor, values: Map<string, CpuTensor>): CpuTensor {
  const get = (name: string): CpuTensor => values.get(name)!;
  switch (n.kind) {
    case 'input':
      return x;
    case 'conv':
      return conv2d(get(n.inputs[0]), cpuTensor(n.weight, n.weightShape), n.bias ? cpuTensor(n.bias, [n.bias.length]) : null, {
        stride: n.stride, padding: n.padding, dilation: n.dilation, activation: n.activation,
      });
    case 'activation':
      if (n.fn === 'relu') return relu(get(n.inputs[0]));
      return n.fn === 'leakyRelu' ? leakyRelu(get(n.inputs[0])) : get(n.inputs[0]);
    case 'scale':
      return mul(get(n.inputs[0]), n.factor);
    case 'depthToSpace':
      // UpscalerJS's PixelShuffle layers are tf.depthToSpace: DCR order.
      return depthToSpace(get(n.inputs[0]), n.r, { mode: 'DCR' });
    case 'upsample':
      return upsample(get(n.inputs[0]), { scale: n.size, mode: 'nearest' });
    case 'concat':
      return concat(n.inputs.map(get));
    case 'add':
      return n.inputs.slice(1).reduce((acc, name) => add(acc, get(name)), get(n.inputs[0]));
    default:
      throw new ModelError(`unexpected node '${(n as GraphNode).name}'`);
  }
}

/** Runs `graph` on x ([N, 3, H, W], the values the network expects) and returns its output. */
export function runModelGraph(graph: ModelGraph, x: CpuTensor): CpuTensor {
  if (x.shape.length !== 4 || x.shape[1] !== 3) throw new ModelError(`runModelGraph takes [N, 3, H, W], got [${x.shape}]`);
  const values = new Map<string, CpuTensor>();
  for (const n of graph.nodes) values.set(n.name, runNode(n, x, values));
  return values.get(graph.output)!;
}
