/**
 * A minimal ONNX model writer (hand-encoded protobuf) and a runner on
 * onnxruntime-node's CPU provider: an independent reference for our ops.
 *
 * Field numbers from onnx.proto: ModelProto{ir_version=1, graph=7, opset_import=8},
 * GraphProto{node=1, name=2, initializer=5, input=11, output=12},
 * NodeProto{input=1, output=2, op_type=4, attribute=5}, AttributeProto{name=1, f=2, i=3,
 * s=4, ints=8, type=20}, TensorProto{dims=1, data_type=2, name=8, raw_data=9},
 * ValueInfoProto{name=1, type=2}, TypeProto{tensor_type=1}, Tensor{elem_type=1, shape=2},
 * TensorShapeProto{dim=1}, Dimension{dim_value=1}, OperatorSetIdProto{version=2}.
 */
import * as ort from 'onnxruntime-node';

export interface OnnxTensor {
  data: Float32Array;
  shape: number[];
}

/** int, ints, float ({ f }) or string attribute. */
export type OnnxAttr = number | number[] | string | { f: number };

class Writer {
  private readonly bytes: number[] = [];

  varint(v: number | bigint): this {
    // int64 two's complement for negatives (10 bytes), as protobuf does.
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
    return this;
  }

  tag(field: number, wire: 0 | 1 | 2 | 5): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }

  bytesField(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  message(field: number, build: (w: Writer) => void): this {
    const w = new Writer();
    build(w);
    return this.bytesField(field, w.finish());
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(new Float32Array([v]).buffer);
    for (const x of b) this.bytes.push(x);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, OnnxAttr>;
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  /** Graph inputs fed at run time, with their shapes. */
  inputs: Record<string, number[]>;
  /** Constant tensors by name. */
  initializers?: Record<string, OnnxTensor>;
  outputs: string[];
  opset?: number;
}

function attribute(w: Writer, name: string, v: OnnxAttr): void {
  w.string(1, name);
  if (typeof v === 'string') w.bytesField(4, new TextEncoder().encode(v)).int(20, 3);
  else if (typeof v === 'number') w.int(3, v).int(20, 2);
  else if (Array.isArray(v)) {
    const packed = new Writer();
    for (const x of v) packed.varint(x);
    w.bytesField(8, packed.finish()).int(20, 7);
  } else w.float(2, v.f).int(20, 1);
}

function valueInfo(w: Writer, name: string, shape: number[] | null): void {
  w.string(1, name);
  w.message(2, (t) =>
    t.message(1, (tt) => {
      tt.int(1, 1); // FLOAT
      if (shape) tt.message(2, (s) => shape.forEach((d) => s.message(1, (dim) => dim.int(1, d))));
    }),
  );
}

/** Serialises a graph to ONNX ModelProto bytes. */
export function encodeModel(g: OnnxGraph): Uint8Array {
  const m = new Writer();
  m.int(1, 8); // ir_version
  m.message(8, (o) => o.int(2, g.opset ?? 17));
  m.message(7, (graph) => {
    g.nodes.forEach((n, i) =>
      graph.message(1, (node) => {
        n.inputs.forEach((x) => node.string(1, x));
        n.outputs.forEach((y) => node.string(2, y));
        node.string(3, `n${i}`);
        node.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {})) node.message(5, (a) => attribute(a, k, v));
      }),
    );
    graph.string(2, 'g');
    for (const [name, t] of Object.entries(g.initializers ?? {})) {
      graph.message(5, (tp) => {
        t.shape.forEach((d) => tp.int(1, d));
        tp.int(2, 1);
        tp.string(8, name);
        tp.bytesField(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      });
    }
    for (const [name, shape] of Object.entries(g.inputs)) graph.message(11, (v) => valueInfo(v, name, shape));
    for (const name of g.outputs) graph.message(12, (v) => valueInfo(v, name, null));
  });
  return m.finish();
}

/** Runs a one-node model: `inputs` are fed, `initializers` are constants appended to the node's inputs. */
export async function runOnnxOp(
  op: string,
  inputs: OnnxTensor[],
  attrs: Record<string, OnnxAttr>,
  initializers: OnnxTensor[] = [],
): Promise<OnnxTensor> {
  const inNames = inputs.map((_, i) => `in${i}`);
  const initNames = initializers.map((_, i) => `c${i}`);
  const bytes = encodeModel({
    nodes: [{ op, inputs: [...inNames, ...initNames], outputs: ['out'], attrs }],
    inputs: Object.fromEntries(inputs.map((t, i) => [inNames[i], t.shape])),
    initializers: Object.fromEntries(initializers.map((t, i) => [initNames[i], t])),
    outputs: ['out'],
  });
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = Object.fromEntries(inputs.map((t, i) => [inNames[i], new ort.Tensor('float32', t.data, t.shape)]));
    const result = await session.run(feeds);
    const out = result.out;
    return { data: out.data as Float32Array, shape: [...out.dims] };
  } finally {
    await session.release();
  }
}
