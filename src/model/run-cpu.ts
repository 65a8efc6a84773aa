/**
 * `runModelGraph` (exported by `webgpu-upsample/cpu`): the graph walker
 * (./run-graph.ts) on the CPU references of the op table. Unfused by default:
 * every node as written, the plain meaning of the graph that the engine's
 * fused plan must reproduce, and a baseline for the benchmark.
 * `{ fuse: true }` runs the engine's fused plan on the CPU instead.
 */
import { cpuTensor, type CpuTensor } from '../cpu/tensor.js';
import { cpuOps } from '../registry/table.js';
import { ModelError } from './errors.js';
import type { ModelGraph } from './ir.js';
import { prepareGraph, type GraphTarget } from './run-graph.js';

const CPU: GraphTarget<CpuTensor> = {
  ops: cpuOps,
  constant: (data, shape) => cpuTensor(data, shape),
  dispose: () => {},
};

export interface RunModelGraphOptions {
  /** Fold each conv's element-wise successors into its epilogue, as the engine does. Default false. */
  fuse?: boolean;
}

/** Runs `graph` on x ([N, 3, H, W], the values the network expects) and returns its output. */
export function runModelGraph(graph: ModelGraph, x: CpuTensor, options: RunModelGraphOptions = {}): CpuTensor {
  if (x.shape.length !== 4 || x.shape[1] !== 3) throw new ModelError(`runModelGraph takes [N, 3, H, W], got [${x.shape}]`);
  return prepareGraph(graph, CPU, { fuse: options.fuse ?? false }).run(x);
}
