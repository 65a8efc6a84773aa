/**
 * Decoded ONNX graph → ModelGraph (src/model/ir.ts). Checks the graph's
 * structure first (one float image input of 3 channels, one output, every
 * value produced once, every input produced, no cycle), orders the nodes
 * that reach the output topologically, then lowers each through its op's row
 * in OPS. Nodes that do not reach the output are ignored; graph nodes that end
 * up unread (e.g. a tensor only measured by Shape) are dropped.
 */
import type { GraphNode, ModelGraph } from '../../model/ir.js';
import { makeContext, type Lowerer, type NodeSpec } from './context.js';
import type { OnnxModelData, OnnxNodeData } from './decode.js';
import type { Fail } from './reader.js';
import { dimOf, num, type Sym, type TensorValue, type Value } from './values.js';
import * as conv from './ops-conv.js';
import * as ew from './ops-elementwise.js';
import * as channels from './ops-channels.js';
import * as layout from './ops-layout.js';
import * as resize from './ops-resize.js';
import * as shape from './ops-shape.js';

const OPS: Record<string, Lowerer> = {
  Conv: conv.Conv,
  ConvTranspose: conv.ConvTranspose,
  Gemm: conv.Gemm,
  MatMul: conv.MatMul,
  Relu: ew.Relu,
  LeakyRelu: ew.LeakyRelu,
  PRelu: ew.PRelu,
  Sigmoid: ew.Sigmoid,
  Tanh: ew.Tanh,
  Clip: ew.Clip,
  HardSwish: ew.HardSwish,
  HardSigmoid: ew.HardSigmoid,
  Mish: ew.Mish,
  Softplus: ew.Softplus,
  Neg: ew.Neg,
  Add: ew.Add,
  Sub: ew.Sub,
  Mul: ew.Mul,
  Div: ew.Div,
  Max: ew.Max,
  Min: ew.Min,
  Pow: ew.Pow,
  Sum: ew.Sum,
  Mod: ew.Mod,
  Identity: ew.Identity,
  Dropout: ew.Dropout,
  Constant: shape.Constant,
  Shape: shape.Shape,
  Gather: (ctx) => (ctx.input(0)?.kind === 'tensor' ? channels.GatherChannels(ctx) : shape.Gather(ctx)),
  Cast: shape.Cast,
  Floor: shape.Floor,
  Ceil: shape.Ceil,
  Unsqueeze: shape.Unsqueeze,
  Squeeze: shape.Squeeze,
  Flatten: shape.Flatten,
  Concat: shape.Concat,
  Reshape: shape.Reshape,
  Transpose: shape.Transpose,
  ConstantOfShape: shape.ConstantOfShape,
  Expand: shape.Expand,
  DepthToSpace: layout.DepthToSpace,
  SpaceToDepth: layout.SpaceToDepth,
  Resize: resize.Resize,
  Upsample: resize.Upsample,
  Pad: layout.Pad,
  Slice: layout.Slice,
  GlobalAveragePool: channels.GlobalAveragePool,
  Split: channels.Split,
  BatchNormalization: channels.BatchNormalization,
  ReduceMean: channels.ReduceMean,
};

/** The ONNX op types this importer lowers. */
export const SUPPORTED_OPS: readonly string[] = Object.keys(OPS).sort();

export function lowerModel(model: OnnxModelData, fail: Fail): ModelGraph {
  if (model.opset === 0) fail('the model imports no ai.onnx opset');
  if (model.opset < 7 || model.opset > 21) fail(`ai.onnx opset ${model.opset} is not supported (7–21)`);

  // Every value is produced once: by an initializer, the graph input, or one node output.
  const producer = new Map<string, string>();
  const produce = (name: string, by: string) => {
    const prior = producer.get(name);
    if (prior !== undefined) fail(`value '${name}' is produced twice (by ${prior} and by ${by})`);
    producer.set(name, by);
  };
  const initializers = new Map<string, Value>();
  for (const t of model.initializers) {
    if (!t.name) fail('an initializer has no name');
    produce(t.name, `initializer '${t.name}'`);
    initializers.set(t.name, shape.tensorConstant(t));
  }
  const inputs = model.inputs.filter((v) => !initializers.has(v.name));
  if (inputs.length !== 1)
    fail(`the graph has ${inputs.length} inputs (${inputs.map((v) => `'${v.name}'`).join(', ')}); one image input is supported`);
  const input = inputs[0];
  // A float16 model (fp16 weights, input and output) runs in float32 here: wider, never narrower.
  if (input.elemType !== 1 && input.elemType !== 10)
    fail(`input '${input.name}' has element type ${input.elemType}, not float32 (1) or float16 (10)`);
  if (input.dims && input.dims.length !== 4) fail(`input '${input.name}' has ${input.dims.length} dimensions, not 4 (N, C, H, W)`);
  const c = input.dims?.[1];
  if (typeof c === 'number' && c !== 3) fail(`input '${input.name}' has ${c} channels, not 3 (RGB)`);
  produce(input.name, 'the graph input');
  const nodeOf = new Map<string, OnnxNodeData>();
  for (const n of model.nodes) {
    for (const o of n.outputs) {
      if (!o) continue;
      produce(o, `node '${n.name}'`);
      nodeOf.set(o, n);
    }
  }
  for (const n of model.nodes) {
    for (const i of n.inputs)
      if (i && !producer.has(i)) fail(`node '${n.name}' (${n.opType}) reads '${i}', which no node, initializer or input produces`);
  }
  if (model.outputs.length !== 1) fail(`the graph has ${model.outputs.length} outputs; one image output is supported`);
  const output = model.outputs[0].name;
  if (!producer.has(output)) fail(`the output '${output}' is produced by nothing`);

  const order = topologicalOrder(output, nodeOf, fail);

  const nodes: GraphNode[] = [{ kind: 'input', name: input.name, inputs: [], channels: 3 }];
  const emitted = new Map<string, GraphNode>([[input.name, nodes[0]]]);
  const values = new Map<string, Value>(initializers);
  // A fixed input size (an export without dynamic axes) is followed as numbers, so the constants torch folded
  // from it (reshape shapes, resize sizes, slice ends) read as what they are relative to it (./index.ts).
  const fixed = (d: number | string | null | undefined, of: 'H' | 'W') => (typeof d === 'number' && d > 0 ? num(d) : dimOf(1, of));
  const hw: [Sym, Sym] = [fixed(input.dims?.[2], 'H'), fixed(input.dims?.[3], 'W')];
  values.set(input.name, { kind: 'tensor', ir: input.name, channels: 3, form: 'image', rank: 4, hw });
  const host = {
    fail,
    value: (name: string) => values.get(name),
    emit(spec: NodeSpec, name: string): string {
      let unique = name;
      for (let k = 2; emitted.has(unique); k++) unique = `${name}:${k}`;
      const node = { ...spec, name: unique } as GraphNode;
      nodes.push(node);
      emitted.set(unique, node);
      return unique;
    },
    producer: (ir: string) => emitted.get(ir),
  };
  for (const n of order) {
    if (n.domain && n.domain !== 'ai.onnx') fail(`node '${n.name}' (${n.opType}): operator domain '${n.domain}' is not supported`);
    const lower = OPS[n.opType];
    if (!lower) fail(`node '${n.name}': op_type '${n.opType}' is not supported (supported: ${SUPPORTED_OPS.join(', ')})`);
    const ctx = makeContext(n, model.opset, host);
    const out = lower(ctx);
    const outs = Array.isArray(out) ? out : [out];
    outs.forEach((v, i) => {
      if (n.outputs[i]) values.set(n.outputs[i], v);
    });
  }
  const y = values.get(output);
  if (y?.kind !== 'tensor') fail(`the output '${output}' is ${y ? `a ${y.kind}` : 'not computed'}, not an image computed from the input`);
  const t = y as TensorValue;
  if (t.form !== 'image' || t.expanded) fail(`the output '${output}' is a per-channel vector, not an image`);
  return { nodes: reachable(nodes, t.ir), output: t.ir };
}

/** The nodes the output depends on, dependencies first; a cycle is a ModelError naming a node on it. */
function topologicalOrder(output: string, nodeOf: Map<string, OnnxNodeData>, fail: Fail): OnnxNodeData[] {
  const order: OnnxNodeData[] = [];
  const state = new Map<OnnxNodeData, 'open' | 'done'>();
  // Iterative depth-first search: a deep chain must not overflow the JS stack.
  const start = nodeOf.get(output);
  if (!start) return order;
  const stack: [OnnxNodeData, number][] = [[start, 0]];
  state.set(start, 'open');
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [n, i] = top;
    if (i < n.inputs.length) {
      top[1]++;
      const dep = n.inputs[i] ? nodeOf.get(n.inputs[i]) : undefined;
      if (!dep) continue;
      const s = state.get(dep);
      if (s === 'open') fail(`the graph has a cycle through node '${dep.name}' (${dep.opType})`);
      if (s === 'done') continue;
      state.set(dep, 'open');
      stack.push([dep, 0]);
    } else {
      stack.pop();
      state.set(n, 'done');
      order.push(n);
    }
  }
  return order;
}

/** The nodes the output reads, in their order (the input node always kept first). */
function reachable(nodes: GraphNode[], output: string): GraphNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const keep = new Set<string>([nodes[0].name]);
  const todo = [output];
  while (todo.length) {
    const name = todo.pop()!;
    if (keep.has(name) && name !== nodes[0].name) continue;
    keep.add(name);
    for (const i of byName.get(name)?.inputs ?? []) if (!keep.has(i)) todo.push(i);
  }
  return nodes.filter((n) => keep.has(n.name));
}
