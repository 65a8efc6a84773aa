/**
 * A ModelGraph as an UpscaleModel on an Engine. At load: the graph's facts
 * (scale, receptive radius, tensor sizes) computed, and the weights uploaded
 * once. Running is the shared graph walker (./run-graph.ts) on the engine,
 * fused: activation, MultiplyBeta scale, depth-to-space store and residual Add
 * folded into conv epilogues, intermediates freed as soon as their last reader
 * has run.
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../core/tensor.js';
import { ModelError } from './errors.js';
import type { ModelGraph, TensorInfo } from './ir.js';
import { nodeKind, type Interval } from './nodes.js';
import { prepareGraph, type GraphTarget } from './run-graph.js';
import type { GlobalPool, UpscaleModel } from './types.js';

/** Most nodes a graph may have (Real-ESRGAN x4plus has ~1,000 after lowering). */
export const MAX_GRAPH_NODES = 100_000;

/**
 * Channels, resolution factor and vector/global facts of
 * every tensor, each from its node's row of the node table (./nodes.ts).
 * Checks the graph's wiring first: unique names, inputs defined before use, an
 * output that exists. Throws ModelError, before any GPU work.
 */
export function analyse(graph: ModelGraph): Map<string, TensorInfo> {
  if (!graph || !Array.isArray(graph.nodes)) throw new ModelError(`the graph has no node list`);
  if (graph.nodes.length > MAX_GRAPH_NODES) throw new ModelError(`the graph has ${graph.nodes.length} nodes, more than ${MAX_GRAPH_NODES}`);
  const info = new Map<string, TensorInfo>();
  for (const n of graph.nodes) {
    if (info.has(n.name)) throw new ModelError(`layer '${n.name}' is defined twice`);
    const ins = n.inputs.map((i) => {
      const facts = info.get(i);
      if (!facts) throw new ModelError(`layer '${n.name}' (${n.kind}) reads '${i}', which no earlier layer makes`);
      return facts;
    });
    info.set(n.name, nodeKind(n).analyse(n as never, ins));
  }
  if (!info.has(graph.output)) throw new ModelError(`the graph's output '${graph.output}' is not a layer of it`);
  return info;
}

/** The global pools of a graph, in order: the tensors whose whole-image value tiling must supply. */
export function globalPools(graph: ModelGraph): string[] {
  return graph.nodes.filter((n) => n.kind === 'globalAvgPool').map((n) => n.name);
}

/**
 * Tile origins must be multiples of this many input pixels for a tile to see
 * the same pixel grid as the whole image: the least common multiple of the
 * denominators of the tensors' resolutions (2 for a stride-2 conv at input
 * resolution, 4 for two of them or for ×3/4 after a ×3 deconv, …); 1 when
 * nothing downsamples. With the graph, a pad to a multiple m (at resolution f)
 * counts too: from an origin on a multiple of m/f input pixels, the last tile
 * of a row rounds up as the whole image does, so its tensors end where the
 * image's do (a global pool sums the positions the rounding adds).
 */
export function gridAlignment(info: ReadonlyMap<string, TensorInfo>, graph?: ModelGraph): number {
  let a = 1;
  // The least d ≥ 1 with d·x an integer (x = p/q in lowest terms: q).
  const period = (x: number): number | undefined =>
    [...Array(64).keys()].map((i) => i + 1).find((d) => Math.abs(d * x - Math.round(d * x)) < 1e-9);
  for (const t of info.values()) {
    if (t.vector) continue;
    // A tensor at resolution p/q (lowest terms) repeats its pixel grid every q input pixels.
    const q = period(t.factor);
    if (q === undefined) throw new ModelError(`a tensor at resolution ×${t.factor} is not on a pixel grid of period ≤ 64`);
    a = lcm(a, q);
  }
  for (const n of graph?.nodes ?? []) {
    if (n.kind !== 'pad' || !n.multiple || n.multiple <= 1) continue;
    const q = period(info.get(n.inputs[0])!.factor / n.multiple);
    if (q === undefined) throw new ModelError(`layer '${n.name}' pads to a multiple of ${n.multiple}, not on a pixel grid of period ≤ 64`);
    a = lcm(a, q);
  }
  if (a > 64) throw new ModelError(`the network's pixel grids repeat only every ${a} input pixels (more than 64)`);
  return a;
}

/**
 * The smallest height and width the graph runs on: a reflect pad of p needs more than p pixels
 * to reflect (a 1-pixel image has nothing to mirror). 1 when nothing needs more.
 */
export function minInputSize(graph: ModelGraph, info: ReadonlyMap<string, TensorInfo>, rounding = false): number {
  let min = 1;
  for (const n of graph.nodes) {
    if (n.kind !== 'pad' || n.mode !== 'reflect') continue;
    const f = info.get(n.inputs[0])!.factor;
    // With `rounding`, whatever the size: rounding up to a multiple m pads the bottom and right by up to m − 1 more.
    const [top, bottom, left, right] = n.pads;
    const extra = rounding ? (n.multiple ?? 1) - 1 : 0;
    min = Math.max(min, Math.ceil((Math.max(top, left, bottom + extra, right + extra) + 1) / f));
  }
  return min;
}

/**
 * Input pixels of context, each side, that a value of `sink` depends on, exactly: the positions the
 * sink's value at o reads are carried back through every node's `reads` (the node table's receptive
 * field) to an interval of input pixels, and compared with the input pixels o covers. The network is
 * shift-equivariant with period `alignment` input pixels (alignment · factor positions of the sink), so
 * one period of o covers every position. Vector tensors (global pools and what follows them) carry no
 * interval: a pool's input is a sink of its own (see receptiveRadius).
 */
function sinkRadius(graph: ModelGraph, info: ReadonlyMap<string, TensorInfo>, sink: string, alignment: number): number {
  const f = info.get(sink)!.factor;
  const period = Math.round(alignment * f);
  const input = graph.nodes[0].name;
  const last = graph.nodes.findIndex((n) => n.name === sink);
  let radius = 0;
  for (let o = 0; o < period; o++) {
    // Input pixels position o covers: [o/f, (o + 1)/f) (one pixel when upsampled, f⁻¹ of them when pooled).
    const first = Math.floor(o / f + 1e-9);
    const lastCovered = Math.max(first, Math.ceil((o + 1) / f - 1e-9) - 1);
    for (const axis of [0, 1] as const) {
      const need = new Map<string, [number, number]>([[sink, [o, o]]]);
      for (let i = last; i >= 0; i--) {
        const n = graph.nodes[i];
        const out = need.get(n.name);
        if (!out) continue;
        const reads = nodeKind(n).reads(n as never, out, axis);
        n.inputs.forEach((name, k) => {
          const iv: Interval | null | undefined = reads[k];
          if (!iv || info.get(name)!.vector) return;
          const had = need.get(name);
          need.set(name, had ? [Math.min(had[0], iv[0]), Math.max(had[1], iv[1])] : [iv[0], iv[1]]);
        });
      }
      const at = need.get(input);
      if (at) radius = Math.max(radius, first - at[0], at[1] - lastCovered);
    }
  }
  return radius;
}

/**
 * How many input pixels of context, on each side, any value the tiles keep depends on: the output's
 * (per output phase) and each global pool input's (tiling sums the pools over each tile's owned part,
 * which must be exact too). Tiling overlaps tiles by this much, so tiled == untiled.
 */
export function receptiveRadius(graph: ModelGraph, info: ReadonlyMap<string, TensorInfo>, alignment: number): number {
  const output = sinkRadius(graph, info, graph.output, alignment);
  // A tile owns the pool input's positions over its core (global-context.ts), as it keeps the output's: at
  // resolution f, [f·core.x, f·(core.x + core.width)), whole pooled pixels since cores start on the grid.
  // What those positions read lies within the sink radius of the core's input pixels, as for the output.
  const pools = graph.nodes.filter((n) => n.kind === 'globalAvgPool').map((n) => sinkRadius(graph, info, n.inputs[0], alignment));
  return Math.max(0, output, ...pools);
}

function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y ? gcd(y, x % y) : x);
  return (a / gcd(a, b)) * b;
}

export interface GraphModelOptions {
  name: string;
  inputRange: readonly [number, number];
  outputRange: readonly [number, number];
}

/** What tiling needs to know of a graph, derived once (buildModel and describeModel share it). */
export interface GraphFacts {
  scale: number;
  receptiveRadius: number;
  maxChannels: number;
  peakElementsPerInputPixel: number;
  gridAlignment: number;
  globalPools: readonly GlobalPool[];
  minInputSize: number;
  minTileSize: number;
}

/** Checks that the graph maps RGB to RGB at an integer scale (ModelError otherwise) and derives its facts. */
export function graphFacts(graph: ModelGraph): GraphFacts {
  const info = analyse(graph);
  const out = info.get(graph.output)!;
  const input = graph.nodes[0];
  if (input?.kind !== 'input' || input.channels !== 3) throw new ModelError(`the model input must have 3 (RGB) channels`);
  if (graph.nodes.some((n, i) => i > 0 && n.kind === 'input')) throw new ModelError(`the model must have one input`);
  if (out.channels !== 3) throw new ModelError(`the model output must have 3 (RGB) channels, has ${out.channels}`);
  if (out.vector) throw new ModelError(`the model output is a [N, C, 1, 1] vector, not an image`);
  if (!Number.isInteger(out.factor) || out.factor < 1) throw new ModelError(`the model scale ${out.factor} is not a positive integer`);
  const tensors = [...info.values()];
  const alignment = gridAlignment(info, graph);
  return {
    scale: out.factor,
    receptiveRadius: receptiveRadius(graph, info, alignment),
    maxChannels: Math.max(...tensors.map((i) => i.channels)),
    peakElementsPerInputPixel: Math.max(...tensors.map((i) => (i.vector ? 0 : i.channels * i.factor * i.factor))),
    gridAlignment: alignment,
    minInputSize: minInputSize(graph, info),
    minTileSize: minInputSize(graph, info, true),
    globalPools: globalPools(graph).map((name) => ({ name, factor: info.get(name)!.factor })),
  };
}

/** Uploads the weights and returns a runnable model. */
export function buildModel(engine: Engine, graph: ModelGraph, options: GraphModelOptions): UpscaleModel & { maxChannels: number } {
  const facts = graphFacts(graph);
  const backend: GraphTarget<Tensor> = {
    ops: engine,
    constant: (data, shape) => engine.tensor(data, shape),
    dispose: (t) => t.dispose(),
  };
  const graphRun = prepareGraph(graph, backend, { fuse: true });
  let disposed = false;

  const check = (x: Tensor): void => {
    if (disposed) throw new ModelError(`model '${options.name}' was disposed`);
    if (x.shape.length !== 4 || x.shape[1] !== 3) throw new ModelError(`model '${options.name}' takes [N, 3, H, W], got [${x.shape}]`);
  };
  return {
    name: options.name,
    ...facts,
    inputRange: options.inputRange,
    outputRange: options.outputRange,
    run(x, runOptions) {
      check(x);
      return graphRun.run(x, runOptions);
    },
    walk(x, runOptions) {
      check(x);
      return graphRun.walk(x, runOptions);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      graphRun.dispose();
    },
  };
}
