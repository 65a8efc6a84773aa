/**
 * The one graph interpreter. It walks a ModelGraph (./ir.ts) and runs each
 * node through its row of the node table (./nodes.ts) on a backend: an Engine
 * on the GPU (./graph.ts, the loaded model's `run`) or the CPU references
 * (./run-cpu.ts, `runModelGraph`). Both backends therefore give every node the
 * same meaning; they differ only in what the caller asks for:
 *
 *   - fused: after each conv (or transposed conv), the chain of its sole
 *     readers that the table's `fuse` column accepts (activation → scale →
 *     depthToSpace → residual add, each at most once, in that order) is folded
 *     into the conv's epilogue (src/ops/epilogue.ts). The engine runs fused;
 *     the CPU runs unfused by default, the plain node-by-node meaning the fused
 *     plan is tested against.
 *   - liveness, always: an intermediate is disposed as soon as its last reader
 *     has run, so the engine's pool recycles it (on the CPU disposing is a no-op).
 *   - stages, for whole-image context: a run may stop once a named tensor
 *     exists (`until`) and may be given the value of some nodes (`given`), so
 *     a tiler can compute a global pool's true whole-image value over many
 *     tiles and inject it (src/upscale/global-context.ts).
 */
import type { Shaped } from '../registry/define.js';
import type { Shape } from '../core/params.js';
import { ModelError } from './errors.js';
import type { ConvNode, ConvTransposeNode, GraphNode, ModelGraph } from './ir.js';
import { nodeKind, type ConvStep, type GraphOps, type RunContext } from './nodes.js';

export type { ConvStep, GraphOps } from './nodes.js';

/** Where a graph runs: the table's ops on one kind of tensor, plus making and freeing tensors. */
export interface GraphTarget<T extends Shaped> {
  readonly ops: GraphOps<T>;
  /** A constant tensor (weights, bias), made once when the graph is prepared. */
  constant(data: Float32Array, shape: Shape): T;
  /** Frees a tensor (GPU: back to the pool; CPU: nothing to do). */
  dispose(t: T): void;
}

export type Step = ConvStep | { kind: 'node'; node: Exclude<GraphNode, ConvNode | ConvTransposeNode> };

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
    if (node.kind !== 'conv' && node.kind !== 'convTranspose') {
      steps.push({ kind: 'node', node });
      continue;
    }
    const step: ConvStep = { kind: 'conv', conv: { ...node }, output: node.name };
    steps.push(step);
    if (!fuse) continue;
    // The residual must already exist when the conv runs.
    const earlier = (name: string) => position.get(name)! < position.get(node.name)!;
    for (;;) {
      const u = users.get(step.output);
      const next = step.output !== graph.output && u?.length === 1 ? u[0] : undefined;
      if (!next || !nodeKind(next).fuse(next as never, step, earlier)) break;
      absorbed.add((step.output = next.name));
    }
  }
  return steps;
}

/** The tensors a step reads, by name. */
export function stepInputs(s: Step): string[] {
  return s.kind === 'node' ? s.node.inputs : [...s.conv.inputs, ...(s.residual ? [s.residual] : [])];
}

/** The name a step's result is known by. */
export function stepOutput(s: Step): string {
  return s.kind === 'conv' ? s.output : s.node.name;
}

export interface RunGraphOptions<T> {
  /** Values for nodes, used instead of running them (e.g. whole-image global pools); not disposed by the run. */
  given?: ReadonlyMap<string, T>;
  /** Stop once this tensor exists and return it instead of the output. It must be a step's result (not folded away). */
  until?: string;
}

/** A global pool the walk reached without a given value, and the tensor it pools. */
export interface PoolRequest<T> {
  pool: string;
  input: T;
}

export interface PreparedGraph<T> {
  /** Runs the graph on `x` (not disposed) and returns a new tensor the caller owns. Pools run on the tensor they see. */
  run(x: T, options?: RunGraphOptions<T>): T;
  /**
   * The same run, pausing at every global pool not in `given`: the generator yields the pool and
   * its input, and takes the pool's value back (a tensor the caller keeps owning), or undefined to
   * pool as usual. Stop early with `return()`: everything the walk made is freed.
   */
  walk(x: T, options?: RunGraphOptions<T>): Generator<PoolRequest<T>, T, T | undefined>;
  /** The step results a run can stop at (`until`). */
  readonly stops: ReadonlySet<string>;
  /** Frees the constants. */
  dispose(): void;
}

/** Makes the graph's constants on `backend` once and returns its runner. */
export function prepareGraph<T extends Shaped>(graph: ModelGraph, backend: GraphTarget<T>, options: { fuse: boolean }): PreparedGraph<T> {
  const { ops } = backend;
  const steps = planSteps(graph, options.fuse);
  // Each step's constants, by node name and key, made once.
  const constants = new Map<string, Map<string, T>>();
  for (const s of steps) {
    // A conv step makes its folded PReLU's slopes too.
    for (const node of s.kind === 'conv' ? [s.conv, ...(s.prelu ? [s.prelu] : [])] : [s.node]) {
      const made = new Map<string, T>();
      for (const [key, c] of Object.entries(nodeKind(node).constants(node as never))) made.set(key, backend.constant(c.data, c.shape));
      if (made.size) constants.set(node.name, made);
    }
  }
  const contextOf = (name: string): RunContext<T> => ({
    ops,
    constant: (key) => {
      const t = constants.get(name)?.get(key);
      if (!t) throw new ModelError(`layer '${name}': no constant '${key}'`);
      return t;
    },
    dispose: (t) => backend.dispose(t),
  });
  // How many steps read each tensor, for liveness.
  const reads = new Map<string, number>();
  for (const s of steps) for (const i of stepInputs(s)) reads.set(i, (reads.get(i) ?? 0) + 1);
  const stops = new Set(steps.map(stepOutput));

  /**
   * The walk itself, as a generator: at each global pool that `given` does not
   * supply it yields the pool and its input; the caller answers with the pool's
   * value (held as the pool's result, not disposed by the walk) or with
   * undefined, and the pool then runs as an ordinary node. Returns the target.
   */
  function* walk(x: T, given: ReadonlyMap<string, T> | undefined, until: string | undefined): Generator<PoolRequest<T>, T, T | undefined> {
    if (until !== undefined && !stops.has(until)) throw new ModelError(`run: '${until}' is not a tensor the plan computes`);
    const target = until ?? graph.output;
    // The tensor of every name computed and not yet released; an identity step
    // makes two names share one tensor, so tensors are counted by holder.
    const live = new Map<string, T>();
    const holders = new Map<T, number>();
    const remaining = new Map(reads);
    const external = new Set<T>([x, ...(given?.values() ?? [])]);
    const get = (name: string): T => live.get(name)!;
    const hold = (name: string, t: T) => {
      live.set(name, t);
      holders.set(t, (holders.get(t) ?? 0) + 1);
    };
    const release = (name: string) => {
      const left = remaining.get(name)! - 1;
      remaining.set(name, left);
      if (left > 0 || name === target || !live.has(name)) return;
      const t = get(name);
      live.delete(name);
      const n = holders.get(t)! - 1;
      if (n > 0) holders.set(t, n);
      else {
        holders.delete(t);
        if (!external.has(t)) backend.dispose(t);
      }
    };
    const runStep = (s: Step): T => {
      if (s.kind === 'conv') {
        const { conv, prelu, scale, depthToSpace, residual } = s;
        const ctx = contextOf(conv.name);
        const common = {
          preluSlope: prelu ? contextOf(prelu.name).constant('slope') : null,
          stride: conv.stride,
          padding: conv.padding,
          dilation: conv.dilation,
          groups: conv.groups ?? 1,
          activation: conv.activation,
          ...(conv.negativeSlope === undefined ? {} : { negativeSlope: conv.negativeSlope }),
          outputScale: scale,
          residual: residual ? get(residual) : null,
          depthToSpace,
        };
        const bias = conv.bias ? ctx.constant('b') : null;
        return conv.kind === 'conv'
          ? ops.conv2d(get(conv.inputs[0]), ctx.constant('w'), bias, common)
          : ops.convTranspose2d(get(conv.inputs[0]), ctx.constant('w'), bias, { ...common, outputPadding: conv.outputPadding });
      }
      const n = s.node;
      if (n.kind === 'input') return x;
      return nodeKind(n).run(n as never, n.inputs.map(get), contextOf(n.name));
    };
    let y: T | undefined;
    try {
      for (const s of steps) {
        const name = stepOutput(s);
        let value = given?.get(name);
        if (value === undefined && s.kind === 'node' && s.node.kind === 'globalAvgPool') {
          value = yield { pool: name, input: get(s.node.inputs[0]) };
          if (value !== undefined) external.add(value);
        }
        hold(name, value ?? runStep(s));
        for (const i of stepInputs(s)) release(i);
        if (name === target) break;
      }
      y = get(target);
      // The caller owns the result, so never hand back its own input or a given tensor.
      if (external.has(y)) y = ops.mul(y, 1);
      return y;
    } finally {
      for (const t of holders.keys()) if (!external.has(t) && t !== y) backend.dispose(t);
    }
  }

  const run = (x: T, runOptions: RunGraphOptions<T> = {}): T => {
    const it = walk(x, runOptions.given, runOptions.until);
    for (let r = it.next(); ; r = it.next(undefined)) if (r.done) return r.value;
  };

  return {
    run,
    walk: (x, options = {}) => walk(x, options.given, options.until),
    stops,
    dispose() {
      for (const made of constants.values()) for (const t of made.values()) backend.dispose(t);
      constants.clear();
    },
  };
}
