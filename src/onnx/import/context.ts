/**
 * What an op's lowering sees (./ops-*.ts): its node's inputs as values, its
 * attributes through a reader that refuses the ones the op does not list, and
 * `emit` to append a graph node. Errors name the node and its op_type.
 */
import type { GraphNode } from '../../model/ir.js';
import type { OnnxAttribute, OnnxNodeData } from './decode.js';
import { staticNumbers, viewText, type ConstValue, type PatternValue, type TensorValue, type Value } from './values.js';

/** A graph node without its name (emit names it). */
export type NodeSpec = GraphNode extends infer N ? (N extends GraphNode ? Omit<N, 'name'> : never) : never;

export interface OpContext {
  readonly node: OnnxNodeData;
  /** The model's ai.onnx opset. */
  readonly opset: number;
  /** Throws a ModelError: "<file>: node '<name>' (<op_type>): <message>". */
  fail(message: string): never;
  /** Input i, or undefined when absent (or ''). */
  input(i: number): Value | undefined;
  /** Input i as a tensor the model computes. */
  tensor(i: number): TensorValue;
  /** Input i as an image [N, C, H, W]. */
  image(i: number): TensorValue;
  /** Input i as a float constant (weights, slopes). */
  constant(i: number, what: string): ConstValue;
  /** Input i as static numbers (pads, scales, axes), or undefined when absent. */
  numbers(i: number, what: string): number[] | undefined;
  /** Refuses attributes other than these (ModelError naming the attribute). */
  allow(...names: string[]): void;
  attr(name: string): OnnxAttribute | undefined;
  int(name: string, fallback: number): number;
  ints(name: string, fallback: number[]): number[];
  float(name: string, fallback: number): number;
  string(name: string, fallback: string): string;
  /** Appends a node; its name is the node's first output, or that plus `suffix` for an intermediate. */
  emit(spec: NodeSpec, suffix?: string): string;
  /** The graph node named `ir`, if emitted. */
  producer(ir: string): GraphNode | undefined;
  /** A tensor value for an emitted node, copying the facts of `like` with `changes`. */
  tensorValue(ir: string, like: TensorValue, changes?: Partial<TensorValue>): TensorValue;
}

/** An op's lowering: its outputs' values, in order (extra outputs it does not produce left out). */
export type Lowerer = (ctx: OpContext) => Value | Value[];

const ATTR_TYPE_NAMES: Record<number, string> = { 1: 'FLOAT', 2: 'INT', 3: 'STRING', 4: 'TENSOR', 6: 'FLOATS', 7: 'INTS', 8: 'STRINGS' };

export interface ContextHost {
  fail(message: string): never;
  value(name: string): Value | undefined;
  emit(spec: NodeSpec, name: string): string;
  producer(ir: string): GraphNode | undefined;
}

export function makeContext(node: OnnxNodeData, opset: number, host: ContextHost): OpContext {
  const fail = (message: string): never => host.fail(`node '${node.name}' (${node.opType}): ${message}`);
  const attr = (name: string) => node.attributes.get(name);
  const typed = (name: string, want: number): OnnxAttribute | undefined => {
    const a = attr(name);
    if (a && a.type !== 0 && a.type !== want)
      fail(`attribute '${name}' has type ${ATTR_TYPE_NAMES[a.type] ?? a.type}, expected ${ATTR_TYPE_NAMES[want]}`);
    return a;
  };
  const input = (i: number): Value | undefined => {
    const name = node.inputs[i];
    return name ? host.value(name) : undefined;
  };
  const tensor = (i: number): TensorValue => {
    const v = input(i);
    if (v?.kind === 'pattern') return materialize(v, i);
    if (v?.kind === 'view')
      fail(
        `input ${i} ('${node.inputs[i]}') is the image reshaped/transposed into ${viewText(v)}, which is not a pixel shuffle or unshuffle`,
      );
    if (v?.kind !== 'tensor')
      fail(`input ${i} ('${node.inputs[i] ?? ''}') must be a tensor computed from the image${v ? `, it is a ${v.kind}` : ''}`);
    const t = v as TensorValue;
    if (t.expanded)
      fail(`input ${i} ('${node.inputs[i]}') is a vector Expanded to an image's shape: supported only as an operand of a broadcasting op`);
    return t;
  };
  /** HardSigmoid on its own: clamp(alpha·x + beta, 0, 1) as scale, add, clip. Softplus has no such form. */
  const materialize = (p: PatternValue, i: number): TensorValue => {
    if (p.what !== 'hardSigmoid') fail(`input ${i} ('${node.inputs[i]}') is Softplus, supported only within Mish (x·tanh(softplus(x)))`);
    const base = `${node.inputs[i]}:hs`;
    const scaled = host.emit({ kind: 'scale', inputs: [p.x.ir], factor: p.alpha }, `${base}:ax`);
    const beta = host.emit({ kind: 'constant', inputs: [], data: Float32Array.of(p.beta), shape: [1, 1, 1, 1] }, `${base}:b`);
    const sum = host.emit({ kind: 'binary', inputs: [scaled, beta], op: 'add' }, `${base}:axb`);
    return { ...p.x, ir: host.emit({ kind: 'clip', inputs: [sum], min: 0, max: 1 }, base) };
  };
  const ctx: OpContext = {
    node,
    opset,
    fail,
    input,
    tensor,
    image(i) {
      const t = tensor(i);
      if (t.form !== 'image') fail(`input ${i} ('${node.inputs[i]}') is a per-channel vector, not an image`);
      return t;
    },
    constant(i, what) {
      const v = input(i);
      if (v?.kind === 'const') return v;
      if (v?.kind === 'ints' && staticNumbers(v)) return { kind: 'const', dims: v.dims, data: Float32Array.from(staticNumbers(v)!) };
      return fail(`the ${what} (input ${i}, '${node.inputs[i] ?? ''}') must be a constant (an initializer or Constant)`);
    },
    numbers(i, what) {
      const v = input(i);
      if (!v) return undefined;
      const n = staticNumbers(v);
      if (!n) fail(`the ${what} (input ${i}, '${node.inputs[i]}') must be a constant, not computed from the image's size at run time`);
      return n!;
    },
    allow(...names) {
      for (const a of node.attributes.keys()) if (!names.includes(a)) fail(`attribute '${a}' is not supported`);
      for (const a of node.attributes.values()) if (a.other) fail(`attribute '${a.name}' holds a graph or sparse tensor`);
    },
    attr,
    int(name, fallback) {
      const a = typed(name, 2);
      if (!a) return fallback;
      if (a.i === undefined) fail(`attribute '${name}' has no integer value`);
      return a.i!;
    },
    ints(name, fallback) {
      const a = typed(name, 7);
      return a ? a.ints : fallback;
    },
    float(name, fallback) {
      const a = typed(name, 1);
      if (!a) return fallback;
      if (a.f === undefined) fail(`attribute '${name}' has no float value`);
      if (!Number.isFinite(a.f)) fail(`attribute '${name}' is ${a.f}, not finite`);
      return a.f!;
    },
    string(name, fallback) {
      const a = typed(name, 3);
      return a ? (a.s ?? '') : fallback;
    },
    emit(spec, suffix) {
      const base = node.outputs[0] || node.name;
      return host.emit(spec, suffix ? `${base}:${suffix}` : base);
    },
    producer: (ir) => host.producer(ir),
    tensorValue(ir, like, changes = {}) {
      return { ...like, expanded: undefined, ...changes, ir };
    },
  };
  return ctx;
}
