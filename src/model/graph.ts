/**
 * A ModelGraph as an UpscaleModel on an Engine. At load: the graph's facts
 * (scale, receptive radius, tensor sizes) computed, and the weights uploaded
 * once. Running is the shared graph walker (./run-graph.ts) on the engine,
 * fused: activation, MultiplyBeta scale, depth-to-space store and residual Add
 * folded into conv epilogues, intermediates freed as soon as their last reader
 * has run.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { ModelError } from './errors.js';
import type { ModelGraph, TensorInfo } from './ir.js';
import { prepareGraph, type GraphBackend } from './run-graph.js';
import type { UpscaleModel } from './types.js';

/** Channels, resolution factor and receptive radius of every tensor. */
export function analyse(graph: ModelGraph): Map<string, TensorInfo> {
  const info = new Map<string, TensorInfo>();
  for (const n of graph.nodes) {
    const ins = n.inputs.map((i) => info.get(i)!);
    const first = ins[0];
    switch (n.kind) {
      case 'input':
        info.set(n.name, { channels: n.channels, factor: 1, radius: 0 });
        break;
      case 'conv': {
        // A k×k conv at resolution f sees d·(k−1)/2 of its own pixels each side: that many / f input pixels.
        const reach = Math.max(n.dilation[0] * (n.weightShape[2] - 1), n.dilation[1] * (n.weightShape[3] - 1)) / 2;
        const s = Math.max(...n.stride);
        const channels = n.weightShape[0] * (n.activation === 'crelu' ? 2 : 1);
        info.set(n.name, { channels, factor: first.factor / s, radius: first.radius + reach / first.factor });
        break;
      }
      case 'upsample':
        // Bilinear reads the neighbouring input pixel: one more pixel of context.
        info.set(n.name, {
          ...first,
          factor: first.factor * Math.max(...n.size),
          radius: first.radius + (n.mode === 'bilinear' ? 1 / first.factor : 0),
        });
        break;
      case 'depthToSpace':
        info.set(n.name, { channels: first.channels / (n.r * n.r), factor: first.factor * n.r, radius: first.radius });
        break;
      case 'concat':
      case 'add': {
        if (ins.some((i) => i.factor !== first.factor)) throw new ModelError(`layer '${n.name}' joins tensors of different resolutions`);
        const channels = n.kind === 'add' ? first.channels : ins.reduce((c, i) => c + i.channels, 0);
        info.set(n.name, { channels, factor: first.factor, radius: Math.max(...ins.map((i) => i.radius)) });
        break;
      }
      case 'activation':
        // crelu concatenates relu(x) and relu(−x): twice the channels.
        info.set(n.name, { ...first, channels: first.channels * (n.fn === 'crelu' ? 2 : 1) });
        break;
      default:
        info.set(n.name, { ...first });
    }
  }
  return info;
}

export interface GraphModelOptions {
  name: string;
  inputRange: readonly [number, number];
  outputRange: readonly [number, number];
}

/** Uploads the weights and returns a runnable model. */
export function buildModel(engine: Engine, graph: ModelGraph, options: GraphModelOptions): UpscaleModel & { maxChannels: number } {
  const info = analyse(graph);
  const out = info.get(graph.output)!;
  const input = graph.nodes[0];
  if (input.kind !== 'input' || input.channels !== 3) throw new ModelError(`the model input must have 3 (RGB) channels`);
  if (out.channels !== 3) throw new ModelError(`the model output must have 3 (RGB) channels, has ${out.channels}`);
  if (!Number.isInteger(out.factor) || out.factor < 1) throw new ModelError(`the model scale ${out.factor} is not a positive integer`);
  const backend: GraphBackend<Tensor> = {
    ops: engine,
    constant: (data, shape) => engine.tensor(data, shape),
    dispose: (t) => t.dispose(),
  };
  const graphRun = prepareGraph(graph, backend, { fuse: true });
  let disposed = false;

  const run = (x: Tensor): Tensor => {
    if (disposed) throw new ModelError(`model '${options.name}' was disposed`);
    if (x.shape.length !== 4 || x.shape[1] !== 3) throw new ModelError(`model '${options.name}' takes [N, 3, H, W], got [${x.shape}]`);
    return graphRun.run(x);
  };

  return {
    name: options.name,
    scale: out.factor,
    receptiveRadius: Math.ceil(out.radius),
    inputRange: options.inputRange,
    outputRange: options.outputRange,
    maxChannels: Math.max(...[...info.values()].map((i) => i.channels)),
    peakElementsPerInputPixel: Math.max(...[...info.values()].map((i) => i.channels * i.factor * i.factor)),
    run,
    dispose() {
      if (disposed) return;
      disposed = true;
      graphRun.dispose();
    },
  };
}
