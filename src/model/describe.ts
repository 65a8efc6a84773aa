/**
 * What tiling and export need to know about a network, without an engine:
 * its graph and the facts derived from it (scale, receptive radius, tensor
 * sizes). The CPU backend runs from this alone, so it never touches WebGPU.
 * The facts are computed exactly as buildModel (./graph.ts) computes them for
 * a loaded model, from the same analyse(), so both backends plan the same tiles.
 */
import { ModelError } from './errors.js';
import { analyse } from './graph.js';
import type { ModelGraph } from './ir.js';
import type { UpscaleModelInfo } from './types.js';

/** A network described for tiling and export: UpscaleModelInfo with every optional fact present. */
export interface ModelDescription extends UpscaleModelInfo {
  readonly graph: ModelGraph;
  readonly maxChannels: number;
  readonly peakElementsPerInputPixel: number;
}

export interface DescribeModelOptions {
  name: string;
  inputRange: readonly [number, number];
  outputRange: readonly [number, number];
}

/** Checks that the graph maps RGB to RGB at an integer scale (ModelError otherwise) and derives its facts. */
export function describeModel(graph: ModelGraph, options: DescribeModelOptions): ModelDescription {
  const info = analyse(graph);
  const out = info.get(graph.output)!;
  const input = graph.nodes[0];
  if (input?.kind !== 'input' || input.channels !== 3) throw new ModelError(`the model input must have 3 (RGB) channels`);
  if (out.channels !== 3) throw new ModelError(`the model output must have 3 (RGB) channels, has ${out.channels}`);
  if (!Number.isInteger(out.factor) || out.factor < 1) throw new ModelError(`the model scale ${out.factor} is not a positive integer`);
  const tensors = [...info.values()];
  return {
    name: options.name,
    scale: out.factor,
    receptiveRadius: Math.ceil(out.radius),
    inputRange: options.inputRange,
    outputRange: options.outputRange,
    maxChannels: Math.max(...tensors.map((i) => i.channels)),
    peakElementsPerInputPixel: Math.max(...tensors.map((i) => i.channels * i.factor * i.factor)),
    graph,
  };
}
