/**
 * The one graph interpreter. It walks a ModelGraph (./ir.ts) and calls the op
 * table's ops (src/ops/table.ts) on a backend: an Engine on the GPU
 * (./graph.ts, the loaded model's `run`) or the CPU references
 * (./run-cpu.ts, `runModelGraph`). Both backends therefore give every
 * node the same meaning; they differ only in what the caller asks for:
 *
 *   - fused: after each conv, the chain activation → scale → depthToSpace →
 *     residual add (each optional, each the sole reader of the previous) is
 *     folded into the conv's epilogue, which applies them in exactly that
 *     order (src/ops/epilogue.ts). The engine runs fused; the CPU runs unfused
 *     by default, the plain node-by-node meaning the fused plan is tested against.
 *   - liveness, always: an intermediate is disposed as soon as its last reader
 *     has run, so the engine's pool recycles it (on the CPU disposing is a no-op).
 */
import type { ActivationName } from '../ops/activation.js';
import type { Conv2dOptions } from '../ops/conv2d.js';
import type { Shaped } from '../ops/define.js';
import type { DepthToSpaceMode, DepthToSpaceOptions } from '../ops/depth-to-space.js';
import type { Shape } from '../ops/params.js';
import type { UpsampleOptions } from '../ops/upsample.js';
import { ModelError } from './errors.js';
import type { ConvNode, GraphNode, ModelGraph } from './ir.js';

/**
 * The rows of the op table a graph uses, on tensors of type T. An Engine
 * (T = Tensor) and the CPU references (`cpuOps`, T = CpuTensor) both have them,
 * from the same table.
 */
export interface GraphOps<T> {
  conv2d(x: T, weight: T, bias: T | null, options?: Conv2dOptions<T>): T;
  relu(x: T): T;
  leakyRelu(x: T, negativeSlope?: number): T;
  sigmoid(x: T): T;
  tanh(x: T): T;
  crelu(x: T): T;
  mul(x: T, scalar: number): T;
  add(a: T, b: T): T;
  concat(xs: readonly T[]): T;
  depthToSpace(x: T, r: number, options?: DepthToSpaceOptions): T;
  upsample(x: T, options: UpsampleOptions): T;
}

/** Where a graph runs: the table's ops on one kind of tensor, plus making and freeing tensors. */
export interface GraphBackend<T extends Shaped> {
  readonly ops: GraphOps<T>;
  /** A constant tensor (weights, bias), made once when the graph is prepared. */
  constant(data: Float32Array, shape: Shape): T;
  /** Frees a tensor (GPU: back to the pool; CPU: nothing to do). */
  dispose(t: T): void;
}

/** A conv with what follows it folded into its epilogue (nothing, when unfused). */
export interface ConvStep {
  kind: 'conv';
  conv: ConvNode;
  /** Name the step's result is known by (the last node folded in, else the conv). */
  output: string;
  scale?: number;
  depthToSpace?: { r: number; mode: DepthToSpaceMode };
  residual?: string;
}

export type Step = ConvStep | { kind: 'node'; node: Exclude<GraphNode, ConvNode> };

function consumers(nodes: readonly GraphNode[]): Map<string, GraphNode[]> {
  const m = new Map<string, GraphNode[]>();
  for (const n of nodes) for (const i of n.inputs) m.set(i, [...(m.get(i) ?? []), n]);
  return m;
}

/** The graph as steps: one per node, or (fuse) with each conv's element-wise successors folded into it. */
export function planSteps(graph: ModelGraph, fuse: boolean): Step[] {
  const users = consumers(graph.nodes);
  const position = new Map(graph.nodes.map((n, i) => [n.name, i]));
  const absorbed = new Set<string>();
  const steps: Step[] = [];
  for (const node of graph.nodes) {
    if (absorbed.has(node.name)) continue;
    if (node.kind !== 'conv') {
      steps.push({ kind: 'node', node });
      continue;
    }
    const f: ConvStep = { kind: 'conv', conv: { ...node }, output: node.name };
    steps.push(f);
    if (!fuse) continue;
    const next = (): GraphNode | undefined => {
      const u = users.get(f.output);
      return f.output !== graph.output && u?.length === 1 ? u[0] : undefined;
    };
    let n = next();
    if (n?.kind === 'activation' && f.conv.activation === 'none') {
      f.conv.activation = n.fn;
      absorbed.add((f.output = n.name));
      n = next();
    }
    if (n?.kind === 'scale') {
      f.scale = n.factor;
      absorbed.add((f.output = n.name));
      n = next();
    }
    if (n?.kind === 'depthToSpace') {
      f.depthToSpace = { r: n.r, mode: n.mode };
      absorbed.add((f.output = n.name));
      n = next();
    }
    if (n?.kind === 'add' && n.inputs.length === 2) {
      const other = n.inputs[0] === f.output ? n.inputs[1] : n.inputs[0];
      // The residual must already exist when the conv runs.
      if (other !== f.output && position.get(other)! < position.get(node.name)!) {
        f.residual = other;
        absorbed.add((f.output = n.name));
      }
    }
  }
  return steps;
}

/** The tensors a step reads, by name. */
export function stepInputs(s: Step): string[] {
  return s.kind === 'node' ? s.node.inputs : [...s.conv.inputs, ...(s.residual ? [s.residual] : [])];
}

/** An activation as a table op; undefined for 'none' (the step passes its input on). */
function activate<T>(ops: GraphOps<T>, fn: ActivationName, x: T): T | undefined {
  switch (fn) {
    case 'none':
      return undefined;
    case 'relu':
      return ops.relu(x);
    case 'leakyRelu':
      return ops.leakyRelu(x);
    case 'sigmoid':
      return ops.sigmoid(x);
    case 'tanh':
      return ops.tanh(x);
    case 'crelu':
      return ops.crelu(x);
    default: {
      const unknown: never = fn;
      throw new ModelError(`activation '${String(unknown)}' has no op in the graph walker`);
    }
  }
}

export interface PreparedGraph<T> {
  /** Runs the graph on `x` (not disposed) and returns a new tensor the caller owns. */
  run(x: T): T;
  /** Frees the constants. */
  dispose(): void;
}

/** Makes the graph's constants on `backend` once and returns its runner. */
export function prepareGraph<T extends Shaped>(graph: ModelGraph, backend: GraphBackend<T>, options: { fuse: boolean }): PreparedGraph<T> {
  const { ops } = backend;
  const steps = planSteps(graph, options.fuse);
  const weights = new Map<string, { w: T; b: T | null }>();
  for (const s of steps) {
    if (s.kind !== 'conv') continue;
    const c = s.conv;
    weights.set(c.name, { w: backend.constant(c.weight, c.weightShape), b: c.bias ? backend.constant(c.bias, [c.bias.length]) : null });
  }
  // How many steps read each tensor, for liveness.
  const reads = new Map<string, number>();
  for (const s of steps) for (const i of stepInputs(s)) reads.set(i, (reads.get(i) ?? 0) + 1);

  const run = (x: T): T => {
    // The tensor of every name computed and not yet released; an identity step
    // makes two names share one tensor, so tensors are counted by holder.
    const live = new Map<string, T>();
    const holders = new Map<T, number>();
    const remaining = new Map(reads);
    const get = (name: string): T => live.get(name)!;
    const hold = (name: string, t: T) => {
      live.set(name, t);
      holders.set(t, (holders.get(t) ?? 0) + 1);
    };
    const release = (name: string) => {
      const left = remaining.get(name)! - 1;
      remaining.set(name, left);
      if (left > 0 || name === graph.output || !live.has(name)) return;
      const t = get(name);
      live.delete(name);
      const n = holders.get(t)! - 1;
      if (n > 0) holders.set(t, n);
      else {
        holders.delete(t);
        if (t !== x) backend.dispose(t);
      }
    };
    const runStep = (s: Step): T => {
      if (s.kind === 'conv') {
        const { conv, scale, depthToSpace, residual } = s;
        const wb = weights.get(conv.name)!;
        return ops.conv2d(get(conv.inputs[0]), wb.w, wb.b, {
          stride: conv.stride,
          padding: conv.padding,
          dilation: conv.dilation,
          activation: conv.activation,
          outputScale: scale,
          residual: residual ? get(residual) : null,
          depthToSpace,
        });
      }
      const n = s.node;
      switch (n.kind) {
        case 'input':
          return x;
        case 'activation':
          return activate(ops, n.fn, get(n.inputs[0])) ?? get(n.inputs[0]);
        case 'scale':
          return ops.mul(get(n.inputs[0]), n.factor);
        case 'depthToSpace':
          return ops.depthToSpace(get(n.inputs[0]), n.r, { mode: n.mode });
        case 'upsample':
          return ops.upsample(get(n.inputs[0]), { scale: n.size, mode: n.mode ?? 'nearest' });
        case 'concat':
          return ops.concat(n.inputs.map(get));
        case 'add': {
          let sum = get(n.inputs[0]);
          for (const [k, name] of n.inputs.slice(1).entries()) {
            const next = ops.add(sum, get(name));
            if (k > 0) backend.dispose(sum);
            sum = next;
          }
          return sum;
        }
        default:
          throw new ModelError(`unexpected node '${(n as GraphNode).name}'`);
      }
    };
    let y: T | undefined;
    try {
      for (const s of steps) {
        hold(s.kind === 'conv' ? s.output : s.node.name, runStep(s));
        for (const i of stepInputs(s)) release(i);
      }
      y = get(graph.output);
      // The caller owns the result, so never hand back its own input.
      if (y === x) y = ops.mul(x, 1);
      return y;
    } finally {
      for (const t of holders.keys()) if (t !== x && t !== y) backend.dispose(t);
    }
  };

  return {
    run,
    dispose() {
      for (const { w, b } of weights.values()) {
        backend.dispose(w);
        if (b) backend.dispose(b);
      }
      weights.clear();
    },
  };
}
