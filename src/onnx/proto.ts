/**
 * A tiny ONNX model writer: a hand-rolled protobuf encoder (no `onnx` or
 * `protobufjs` dependency), pure (no Node APIs) so it runs in Node (the CPU
 * backend, tests, onnxruntime-node) and in the browser (the benchmark pages,
 * ONNX Runtime Web). `exportOnnx` (./export.ts) writes models with it; the
 * benchmark peers and the tests' one-node models use it directly.
 *
 * Field numbers, from onnx.proto (proto3):
 *   ModelProto{ir_version=1 int64, producer_name=2, graph=7, opset_import=8}
 *   OperatorSetIdProto{domain=1 string, version=2 int64}
 *   GraphProto{node=1, name=2, initializer=5, input=11, output=12}
 *   NodeProto{input=1, output=2, name=3, op_type=4, attribute=5, domain=7}
 *   AttributeProto{name=1, f=2 fixed32, i=3 int64, s=4 bytes, floats=7, ints=8, type=20}
 *   TensorProto{dims=1 int64, data_type=2 int32, name=8, raw_data=9}
 *   ValueInfoProto{name=1, type=2}; TypeProto{tensor_type=1};
 *   TypeProto.Tensor{elem_type=1, shape=2}; TensorShapeProto{dim=1}; Dimension{dim_value=1, dim_param=2 string}
 */
import { ArgumentError, ShapeError } from '../core/errors.js';

/** A dense float32 tensor in row-major (NCHW for images) order. */
export interface OnnxTensor {
  data: Float32Array;
  shape: number[];
}

/** An int64 tensor: shapes, pads, slice bounds, gather indices. */
export interface OnnxInt64Tensor {
  int64: number[];
  shape: number[];
}

/**
 * An attribute value: a number is an INT, a number[] is INTS, a string is a
 * STRING (e.g. `mode: 'DCR'`); floats need the explicit `{ f }` / `{ floats }`
 * forms because a JS number cannot tell 1 from 1.0.
 */
export type OnnxAttr = number | number[] | string | { f: number } | { floats: number[] };

/** One graph node; '' in `inputs` skips an optional input. */
export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, OnnxAttr>;
  /** Operator domain; '' (the default) is the standard ai.onnx domain. */
  domain?: string;
}

/**
 * A float32 graph input or output. Outputs may leave `shape` out: ORT infers
 * it. A string dimension is symbolic (ONNX `dim_param`, e.g. 'height'): any
 * size is accepted at run time, and equal names must get equal sizes.
 */
export interface OnnxValue {
  name: string;
  shape?: (number | string)[];
}

/** A whole graph, in the form `encodeModel` serialises. */
export interface OnnxGraph {
  /** Nodes in topological order. */
  nodes: OnnxNode[];
  /** Graph inputs, fed at run time. */
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  /** Constant tensors (float32, or int64), by the name nodes refer to them with. */
  initializers?: Record<string, OnnxTensor | OnnxInt64Tensor>;
  /** ai.onnx opset version; 17 by default. */
  opset?: number;
  /** GraphProto.name; 'graph' by default. */
  name?: string;
  /** ModelProto.producer_name, e.g. 'webgpu-upsample'; left out by default. */
  producer?: string;
}

const IR_VERSION = 8; // the IR that goes with opsets 15–18
const DEFAULT_OPSET = 17;
const FLOAT = 1; // TensorProto.DataType.FLOAT, also TypeProto.Tensor.elem_type
const INT64 = 7; // TensorProto.DataType.INT64
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** Wire types: 0 varint, 2 length-delimited, 5 fixed32. */
type Wire = 0 | 2 | 5;

/**
 * Appends protobuf fields to a list of chunks. Chunks rather than a number[]
 * of bytes, because initializers can be megabytes of weights.
 */
class Writer {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(chunk: Uint8Array): this {
    this.chunks.push(chunk);
    this.length += chunk.length;
    return this;
  }

  /** Base-128 varint. Negative int64 values are their 64-bit two's complement, 10 bytes long. */
  varint(v: number | bigint): this {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new ArgumentError(`encodeModel: varint ${v} is not a safe integer`);
    let x = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    return this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: Wire): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }

  float(field: number, v: number): this {
    return this.tag(field, 5).push(float32Bytes([v]));
  }

  bytes(field: number, data: Uint8Array): this {
    return this.tag(field, 2).varint(data.length).push(data);
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  /**
   * A nested message: encoded on its own first, since the length prefix comes before it. Its chunks
   * are taken over, not copied: megabytes of weights are copied once, by the outermost finish().
   */
  message(field: number, build: (w: Writer) => void): this {
    const w = new Writer();
    build(w);
    this.tag(field, 2).varint(w.length);
    for (const c of w.chunks) this.push(c);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f;

/**
 * Little-endian float32 bytes, as raw_data and fixed32 require whatever the host's byte order. On a
 * little-endian host a Float32Array's own bytes (a view: encodeModel is synchronous, so the weights
 * cannot change before finish() copies them).
 */
function float32Bytes(values: ArrayLike<number>): Uint8Array {
  if (LITTLE_ENDIAN) {
    const f = values instanceof Float32Array ? values : Float32Array.from(values);
    return new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  }
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

/** Little-endian int64 bytes (raw_data). */
function int64Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return out;
}

function writeAttribute(w: Writer, name: string, v: OnnxAttr): void {
  w.string(1, name);
  if (typeof v === 'string') {
    w.bytes(4, new TextEncoder().encode(v)).int(20, AttrType.STRING);
  } else if (typeof v === 'number') {
    // A fractional number here is almost surely a float attribute written without { f }; fail loudly.
    if (!Number.isInteger(v)) throw new ArgumentError(`encodeModel: attribute ${name}: ${v} is not an integer; use { f: ${v} }`);
    w.int(3, v).int(20, AttrType.INT);
  } else if (Array.isArray(v)) {
    const packed = new Writer();
    for (const x of v) {
      if (!Number.isInteger(x)) throw new ArgumentError(`encodeModel: attribute ${name}: ${x} is not an integer; use { floats: [...] }`);
      packed.varint(x);
    }
    w.bytes(8, packed.finish()).int(20, AttrType.INTS);
  } else if ('f' in v) {
    w.float(2, v.f).int(20, AttrType.FLOAT);
  } else {
    w.bytes(7, float32Bytes(v.floats)).int(20, AttrType.FLOATS);
  }
}

function writeValueInfo(w: Writer, v: OnnxValue): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT);
      const shape = v.shape;
      if (shape)
        tensor.message(2, (s) => shape.forEach((d) => s.message(1, (dim) => (typeof d === 'string' ? dim.string(2, d) : dim.int(1, d)))));
    }),
  );
}

/** Throws a ShapeError unless the tensor's shape holds exactly its data's length. */
export function checkTensor(name: string, t: OnnxTensor | OnnxInt64Tensor): void {
  const size = t.shape.reduce((a, b) => a * b, 1);
  const length = 'int64' in t ? t.int64.length : t.data.length;
  if (size !== length) throw new ShapeError(`${name}: shape [${t.shape}] holds ${size} values, data has ${length}`);
  if ('int64' in t && !t.int64.every(Number.isSafeInteger)) throw new ArgumentError(`${name}: int64 values must be safe integers`);
}

/**
 * Serialises a graph to ONNX ModelProto bytes (IR 8, ai.onnx opset 17 unless
 * `graph.opset` says otherwise), ready for `ort.InferenceSession.create`.
 * All tensors are float32.
 */
export function encodeModel(graph: OnnxGraph): Uint8Array {
  const model = new Writer();
  model.int(1, IR_VERSION);
  if (graph.producer) model.string(2, graph.producer);
  model.message(7, (g) => {
    graph.nodes.forEach((n, i) =>
      g.message(1, (node) => {
        n.inputs.forEach((x) => node.string(1, x));
        n.outputs.forEach((y) => node.string(2, y));
        node.string(3, `node${i}_${n.op}`);
        node.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {})) node.message(5, (a) => writeAttribute(a, k, v));
        if (n.domain) node.string(7, n.domain);
      }),
    );
    g.string(2, graph.name ?? 'graph');
    for (const [name, t] of Object.entries(graph.initializers ?? {})) {
      checkTensor(name, t);
      g.message(5, (tensor) => {
        t.shape.forEach((d) => tensor.int(1, d));
        tensor.int(2, 'int64' in t ? INT64 : FLOAT);
        tensor.string(8, name);
        tensor.bytes(9, 'int64' in t ? int64Bytes(t.int64) : float32Bytes(t.data));
      });
    }
    graph.inputs.forEach((v) => g.message(11, (w) => writeValueInfo(w, v)));
    graph.outputs.forEach((v) => g.message(12, (w) => writeValueInfo(w, v)));
  });
  // Domain '' (field 1 left out) is ai.onnx.
  model.message(8, (o) => o.int(2, graph.opset ?? DEFAULT_OPSET));
  return model.finish();
}
