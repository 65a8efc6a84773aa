/**
 * Runs a ModelGraph on an Engine. At load: weights uploaded once, element-wise
 * successors folded into conv epilogues (activation, MultiplyBeta scale,
 * depth-to-space store, residual Add), receptive radius computed. Per run:
 * intermediates are disposed as soon as their last consumer has run, so the
 * pool recycles them (liveness).
 */
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { ModelError } from './errors.js';
import type { ConvNode, GraphNode, ModelGraph, TensorInfo } from './ir.js';
import type { UpscaleModel } from './types.js';

/** A conv with everything folded into its epilogue. */
interface FusedConv {
  conv: ConvNode;
  /** Name the fused chain's result is known by (the last absorbed node). */
  output: string;
  scale?: number;
  depthToSpace?: number;
  residual?: string;
}

type Step = { kind: 'fused'; f: FusedConv } | { kind: 'node'; node: GraphNode };

function consumers(nodes: readonly GraphNode[]): Map<string, GraphNode[]> {
  const m = new Map<string, GraphNode[]>();
  for (const n of nodes) for (const i of n.inputs) m.set(i, [...(m.get(i) ?? []), n]);
  return m;
}

/**
 * Folds, after each conv, the chain activation → scale → depthToSpace → add
 * (each optional, each the sole consumer of the previous) into the conv's
 * epilogue, which applies them in exactly that order.
 */
export function fuse(graph: ModelGraph): Step[] {
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
    const f: FusedConv = { conv: { ...node }, output: node.name };
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
      f.depthToSpace = n.r;
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
    steps.push({ kind: 'fused', f });
  }
  return steps;
}

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
        info.set(n.name, { channels: n.weightShape[0], factor: first.factor / s, radius: first.radius + reach / first.factor });
        break;
      }
      case 'upsample':
        info.set(n.name, { ...first, factor: first.factor * Math.max(...n.size) });
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
  const steps = fuse(graph);
  const weights = new Map<string, { w: Tensor; b: Tensor | null }>();
  for (const s of steps) {
    if (s.kind !== 'fused') continue;
    const c = s.f.conv;
    weights.set(c.name, { w: engine.tensor(c.weight, c.weightShape), b: c.bias ? engine.tensor(c.bias, [c.bias.length]) : null });
  }
  // How many steps read each tensor, for liveness.
  const reads = new Map<string, number>();
  const stepInputs = (s: Step): string[] => (s.kind === 'node' ? s.node.inputs : [...s.f.conv.inputs, ...(s.f.residual ? [s.f.residual] : [])]);
  for (const s of steps) for (const i of stepInputs(s)) reads.set(i, (reads.get(i) ?? 0) + 1);
  let disposed = false;

  const run = (x: Tensor): Tensor => {
    if (disposed) throw new ModelError(`model '${options.name}' was disposed`);
    if (x.shape.length !== 4 || x.shape[1] !== 3) throw new ModelError(`model '${options.name}' takes [N, 3, H, W], got [${x.shape}]`);
    const live = new Map<string, Tensor>();
    const remaining = new Map(reads);
    const release = (name: string) => {
      const left = remaining.get(name)! - 1;
      remaining.set(name, left);
      if (left === 0 && name !== graph.output) {
        const t = live.get(name);
        if (t && t !== x) t.dispose();
        live.delete(name);
      }
    };
    try {
      for (const s of steps) {
        let result: Tensor;
        let name: string;
        if (s.kind === 'fused') {
          const { conv, scale, depthToSpace, residual } = s.f;
          const wb = weights.get(conv.name)!;
          result = engine.conv2d(live.get(conv.inputs[0])!, wb.w, wb.b, {
            stride: conv.stride, padding: conv.padding, dilation: conv.dilation, activation: conv.activation,
            outputScale: scale, residual: residual ? live.get(residual)! : null,
            depthToSpace: depthToSpace ? { r: depthToSpace, mode: 'DCR' } : undefined,
          });
          name = s.f.output;
        } else {
          const n = s.node;
          const a = () => live.get(n.inputs[0] as string)!;
          name = n.name;
          switch (n.kind) {
            case 'input': result = x; break;
            case 'activation': result = n.fn === 'relu' ? engine.relu(a()) : engine.mul(a(), 1); break;
            case 'scale': result = engine.mul(a(), n.factor); break;
            case 'depthToSpace': result = engine.depthToSpace(a(), n.r, { mode: 'DCR' }); break;
            case 'upsample': result = engine.upsample(a(), { scale: n.size, mode: 'nearest' }); break;
            case 'concat': result = engine.concat(n.inputs.map((i: string) => live.get(i)!)); break;
            case 'add': {
              result = engine.add(live.get(n.inputs[0])!, live.get(n.inputs[1])!);
              for (const extra of n.inputs.slice(2)) {
                const next = engine.add(result, live.get(extra)!);
                result.dispose();
                result = next;
              }
              break;
            }
            default: throw new ModelError(`unexpected node '${(n as GraphNode).name}'`);
          }
        }
        live.set(name, result);
        for (const i of stepInputs(s)) release(i);
      }
      const y = live.get(graph.output)!;
      live.delete(graph.output);
      return y;
    } finally {
      for (const t of live.values()) if (t !== x) t.dispose();
    }
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
      for (const { w, b } of weights.values()) {
        w.dispose();
        b?.dispose();
      }
    },
  };
}
