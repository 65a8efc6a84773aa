/**
 * A Sequential as a ModelGraph (each layer lowers to graph nodes) and as an
 * UpscaleModel (the contract of src/model/types.ts that upscale() tiles over).
 *
 * The graph is the one model representation: its analysis (src/model/graph.ts:
 * the exact receptive field through the node table's `reads`, tensor sizes,
 * grid alignment) is what tiling uses, for a Sequential as for a loaded model;
 * with the weights read back it exports to ONNX and runs on the CPU backend.
 * The UpscaleModel runs the Sequential itself, on its live weights, so later
 * training shows in it.
 */
import { ModelError } from '../model/errors.js';
import { graphFacts, type GraphFacts } from '../model/graph.js';
import type { GraphNode, ModelGraph } from '../model/ir.js';
import type { UpscaleModel } from '../model/types.js';
import { fmt, type Shape } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';
import type { LayerBase } from './layer.js';

export interface ToUpscaleModelOptions {
  /** The network's integer scale (checked against its shapes). */
  scale: number;
  /** Value range of the RGB input (and output); default [0, 1]. */
  inputRange?: [number, number];
  /** Default 'sequential-x<scale>'. */
  name?: string;
}

interface Runnable {
  forward(x: Tensor, options?: { training?: boolean }): Tensor;
  readonly isDisposed: boolean;
}

/**
 * The chain as a ModelGraph: an RGB input named 'input', then layer i's nodes, the last named 'i' as
 * PyTorch's nn.Sequential names its modules. `params[i]`: layer i's parameter values, in params() order.
 */
export function lowerChain(chain: readonly LayerBase[], params: readonly (readonly Float32Array[])[]): ModelGraph {
  const nodes: GraphNode[] = [{ kind: 'input', name: 'input', inputs: [], channels: 3 }];
  let last = 'input';
  chain.forEach((layer, i) => {
    nodes.push(...layer.lower(last, String(i), params[i]));
    last = String(i);
  });
  return { nodes, output: last };
}

/** The facts of the chain's graph (structure only: the values are zeros of the parameters' sizes). */
export function chainFacts(chain: readonly LayerBase[], op: string): GraphFacts {
  const zeros = chain.map((l) => l.params().map((p) => new Float32Array(p.tensor.size)));
  try {
    return graphFacts(lowerChain(chain, zeros));
  } catch (e) {
    throw new ModelError(`${op}: ${(e as Error).message}`, { cause: e });
  }
}

export function toUpscaleModel(net: Runnable, chain: readonly LayerBase[], options: ToUpscaleModelOptions): UpscaleModel {
  const op = 'toUpscaleModel';
  const scale = options?.scale;
  if (!Number.isInteger(scale) || scale < 1) throw new ModelError(`${op}: scale ${String(scale)} must be an integer >= 1`);
  const inputRange = options.inputRange ?? [0, 1];
  if (!Array.isArray(inputRange) || inputRange.length !== 2 || !(inputRange[0] < inputRange[1])) {
    throw new ModelError(`${op}: inputRange ${JSON.stringify(inputRange)} must be [low, high] with low < high`);
  }
  const name = options.name ?? `sequential-x${scale}`;
  // Shapes for two input sizes (even and odd): each must come out exactly ×scale with 3 channels.
  let peak = 3;
  let maxChannels = 3;
  for (const size of [16, 17]) {
    let shape: Shape = [1, 3, size, size];
    for (const [i, layer] of chain.entries()) {
      try {
        shape = layer.outShape(shape);
      } catch (e) {
        throw new ModelError(`${op}: layer ${i} (${layer.kind}) cannot take ${fmt(shape)} from an RGB input: ${(e as Error).message}`, {
          cause: e,
        });
      }
      peak = Math.max(peak, (shape[1] * shape[2] * shape[3]) / (size * size));
      maxChannels = Math.max(maxChannels, shape[1]);
    }
    const want = [1, 3, size * scale, size * scale];
    if (shape.some((d, i) => d !== want[i])) {
      throw new ModelError(
        `${op}: an input [1, 3, ${size}, ${size}] gives ${fmt(shape)}, not ${fmt(want)}: the network must map RGB to RGB at exactly ×${scale}`,
      );
    }
  }
  const facts = chainFacts(chain, op);
  if (facts.scale !== scale) throw new ModelError(`${op}: the network upscales ×${facts.scale}, not ×${scale}`);
  return {
    name,
    ...facts,
    inputRange: [inputRange[0], inputRange[1]],
    outputRange: [inputRange[0], inputRange[1]],
    peakElementsPerInputPixel: Math.max(peak, facts.peakElementsPerInputPixel),
    maxChannels: Math.max(maxChannels, facts.maxChannels),
    run(x: Tensor): Tensor {
      if (net.isDisposed) throw new ModelError(`model '${name}': its Sequential was disposed`);
      if (x.shape.length !== 4 || x.shape[1] !== 3) throw new ModelError(`model '${name}' takes [N, 3, H, W], got ${fmt(x.shape)}`);
      return net.forward(x);
    },
    // The weights are the Sequential's (one owner): disposing the model frees nothing; dispose the network.
    dispose() {},
  };
}
