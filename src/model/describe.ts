/**
 * What tiling and export need to know about a network, without an engine:
 * its graph and the facts derived from it (scale, receptive radius, tensor
 * sizes). The CPU backend runs from this alone, so it never touches WebGPU.
 * The facts are computed exactly as buildModel (./graph.ts) computes them for
 * a loaded model, from the same analyse(), so both backends plan the same tiles.
 */
import { graphFacts } from './graph.js';
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
  return { name: options.name, inputRange: options.inputRange, outputRange: options.outputRange, ...graphFacts(graph), graph };
}
