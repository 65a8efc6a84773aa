/**
 * ONNX ModelProto bytes → plain objects (nodes, attributes, initializers,
 * graph inputs/outputs), with the tensors' data decoded and checked: shapes
 * against the bytes that hold them (before any array is made), float data
 * finite as float32, external data refused. Nothing here knows what an op
 * means; ./lower.ts does.
 *
 * Field numbers, from onnx.proto:
 *   ModelProto{ir_version=1, producer_name=2, graph=7, opset_import=8}
 *   OperatorSetIdProto{domain=1, version=2}
 *   GraphProto{node=1, name=2, initializer=5, input=11, output=12}
 *   NodeProto{input=1, output=2, name=3, op_type=4, attribute=5, domain=7}
 *   AttributeProto{name=1, f=2, i=3, s=4, t=5, g=6, floats=7, ints=8, strings=9, tensors=10, graphs=11, type=20}
 *   TensorProto{dims=1, data_type=2, segment=3, float_data=4, int32_data=5, string_data=6, int64_data=7,
 *               name=8, raw_data=9, double_data=10, uint64_data=11, external_data=13, data_location=14}
 *   ValueInfoProto{name=1, type=2}; TypeProto{tensor_type=1}; TypeProto.Tensor{elem_type=1, shape=2};
 *   TensorShapeProto{dim=1}; Dimension{dim_value=1, dim_param=2}
 */
import { ProtoReader, type Fail } from './reader.js';

/** TensorProto.DataType values this importer reads. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;

const MAX_RANK = 8;
/** Largest element count of one tensor (also bounded by the bytes that must hold it). */
const MAX_ELEMENTS = 2 ** 28;
const MAX_NODES = 100_000;

export interface OnnxTensorData {
  name: string;
  dims: number[];
  /** Float tensors (FLOAT, FLOAT16, DOUBLE), as float32; null for integer ones. */
  floats: Float32Array | null;
  /** Integer tensors (INT64, INT32, INT8, UINT8, BOOL); null for float ones. */
  ints: number[] | null;
}

export interface OnnxAttribute {
  name: string;
  /** AttributeProto.type: 1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 5 GRAPH, 6 FLOATS, 7 INTS, 8 STRINGS, … (0 when absent). */
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensorData;
  floats: number[];
  ints: number[];
  strings: string[];
  /** Holds a subgraph or sparse tensor (If, Loop, Scan…): none of the supported ops has one. */
  other: boolean;
}

export interface OnnxNodeData {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType of a tensor value; 0 when the type is not given. */
  elemType: number;
  /** Dimensions: a size, a symbolic name, or null (neither); null when the shape is not given. */
  dims: (number | string | null)[] | null;
}

export interface OnnxModelData {
  irVersion: number;
  producer: string;
  /** The ai.onnx opset (domain '' or 'ai.onnx'); 0 when not imported. */
  opset: number;
  graphName: string;
  nodes: OnnxNodeData[];
  initializers: OnnxTensorData[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** Decodes a whole model; `fail` throws (a ModelError naming the file). */
export function decodeModel(bytes: Uint8Array, fail: Fail): OnnxModelData {
  if (bytes.length === 0) fail('the file is empty');
  const r = new ProtoReader(bytes, fail, 'model');
  const model: OnnxModelData = {
    irVersion: 0,
    producer: '',
    opset: 0,
    graphName: '',
    nodes: [],
    initializers: [],
    inputs: [],
    outputs: [],
  };
  let graphs = 0;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 0) model.irVersion = r.int64();
    else if (field === 2 && wire === 2) model.producer = r.string();
    else if (field === 7 && wire === 2) {
      if (++graphs > 1) fail('the model has more than one graph field');
      decodeGraph(r.message('graph'), model);
    } else if (field === 8 && wire === 2) {
      const o = r.message('opset_import');
      let domain = '';
      let version = 0;
      while (!o.done()) {
        const t = o.tag();
        if (t.field === 1 && t.wire === 2) domain = o.string();
        else if (t.field === 2 && t.wire === 0) version = o.int64();
        else o.skip(t.wire);
      }
      if (domain === '' || domain === 'ai.onnx') model.opset = version;
    } else r.skip(wire);
  }
  if (graphs === 0) fail('no graph in the model (is this an ONNX file?)');
  return model;
}

function decodeGraph(r: ProtoReader, model: OnnxModelData): void {
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) {
      if (model.nodes.length >= MAX_NODES) r.fail(`graph: more than ${MAX_NODES} nodes`);
      model.nodes.push(decodeNode(r.message(`node ${model.nodes.length}`), model.nodes.length));
    } else if (field === 2 && wire === 2) model.graphName = r.string();
    else if (field === 5 && wire === 2) model.initializers.push(decodeTensor(r.message(`initializer ${model.initializers.length}`)));
    else if (field === 11 && wire === 2) model.inputs.push(decodeValueInfo(r.message('graph input')));
    else if (field === 12 && wire === 2) model.outputs.push(decodeValueInfo(r.message('graph output')));
    else if (field === 15 && wire === 2) r.fail('graph: sparse initializers are not supported');
    else r.skip(wire);
  }
}

function decodeNode(r: ProtoReader, index: number): OnnxNodeData {
  const node: OnnxNodeData = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: new Map() };
  const attrs: OnnxAttribute[] = [];
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) node.inputs.push(r.string());
    else if (field === 2 && wire === 2) node.outputs.push(r.string());
    else if (field === 3 && wire === 2) node.name = r.string();
    else if (field === 4 && wire === 2) node.opType = r.string();
    else if (field === 5 && wire === 2) attrs.push(decodeAttribute(r.message(`node ${index} attribute`)));
    else if (field === 7 && wire === 2) node.domain = r.string();
    else r.skip(wire);
  }
  if (!node.name) node.name = `#${index}`;
  for (const a of attrs) {
    if (node.attributes.has(a.name)) r.fail(`node '${node.name}' (${node.opType}): attribute '${a.name}' is given twice`);
    node.attributes.set(a.name, a);
  }
  return node;
}

function decodeAttribute(r: ProtoReader): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: 0, floats: [], ints: [], strings: [], other: false };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) a.name = r.string();
    else if (field === 2 && wire === 5) a.f = r.float32();
    else if (field === 3 && wire === 0) a.i = r.int64();
    else if (field === 4 && wire === 2) a.s = r.string();
    else if (field === 5 && wire === 2) a.t = decodeTensor(r.message(`attribute tensor`));
    else if (field === 7) r.repeatedFloat(wire, a.floats);
    else if (field === 8) r.repeatedInt64(wire, a.ints);
    else if (field === 9 && wire === 2) a.strings.push(r.string());
    else if (field === 20 && wire === 0) a.type = r.int32();
    else if (field === 6 || field === 10 || field === 11 || field === 22 || field === 23) {
      a.other = true;
      r.skip(wire);
    } else r.skip(wire);
  }
  return a;
}

function decodeValueInfo(r: ProtoReader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0, dims: null };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) v.name = r.string();
    else if (field === 2 && wire === 2) {
      const type = r.message('type');
      while (!type.done()) {
        const t = type.tag();
        if (t.field !== 1 || t.wire !== 2) {
          type.skip(t.wire);
          continue;
        }
        const tensor = type.message('tensor type');
        while (!tensor.done()) {
          const tt = tensor.tag();
          if (tt.field === 1 && tt.wire === 0) v.elemType = tensor.int32();
          else if (tt.field === 2 && tt.wire === 2) {
            const shape = tensor.message('shape');
            v.dims = [];
            while (!shape.done()) {
              const s = shape.tag();
              if (s.field !== 1 || s.wire !== 2) {
                shape.skip(s.wire);
                continue;
              }
              if (v.dims.length >= MAX_RANK) r.fail(`value '${v.name}': more than ${MAX_RANK} dimensions`);
              const dim = shape.message('dimension');
              let d: number | string | null = null;
              while (!dim.done()) {
                const dt = dim.tag();
                if (dt.field === 1 && dt.wire === 0) d = dim.int64();
                else if (dt.field === 2 && dt.wire === 2) d = dim.string();
                else dim.skip(dt.wire);
              }
              v.dims.push(d);
            }
          } else tensor.skip(tt.wire);
        }
      }
    } else r.skip(wire);
  }
  return v;
}

/** IEEE half → number. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** raw_data is little-endian; a Float32Array over its bytes reads it right only on a little-endian host. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED',
  4: 'UINT16',
  5: 'INT16',
  8: 'STRING',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
};

const ELEMENT_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8 };

/** A TensorProto, its data decoded; integer data as numbers, float data as float32 and finite. */
export function decodeTensor(r: ProtoReader): OnnxTensorData {
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let raw: Uint8Array | null = null;
  const floatData: number[] = [];
  const intData: number[] = [];
  const doubleData: number[] = [];
  let external = false;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) {
      r.repeatedInt64(wire, dims);
      if (dims.length > MAX_RANK) r.fail(`${r.what}: more than ${MAX_RANK} dimensions`);
    } else if (field === 2 && wire === 0) dataType = r.int32();
    else if (field === 3) r.fail(`${r.what}: segmented tensors are not supported`);
    else if (field === 4) r.repeatedFloat(wire, floatData);
    else if (field === 5 || field === 7) r.repeatedInt64(wire, intData);
    else if (field === 6) r.fail(`${r.what}: string tensors are not supported`);
    else if (field === 8 && wire === 2) name = r.string();
    else if (field === 9 && wire === 2) raw = r.bytesField();
    else if (field === 10) r.repeatedDouble(wire, doubleData);
    else if (field === 13) {
      external = true;
      r.skip(wire);
    } else if (field === 14 && wire === 0) {
      // Read the value whatever `external` already is: it must be consumed.
      if (r.int32() === 1) external = true;
    } else r.skip(wire);
  }
  const what = `tensor '${name}'`;
  if (external)
    r.fail(`${what}: its data is stored outside the file (external data is not supported; save the model with its weights inside)`);
  let count = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0 || d > 2 ** 31) r.fail(`${what}: dimension ${d} in [${dims.join(', ')}] is out of range`);
    count *= d;
    if (count > MAX_ELEMENTS) r.fail(`${what}: shape [${dims.join(', ')}] has more than ${MAX_ELEMENTS} elements`);
  }
  const size = ELEMENT_BYTES[dataType];
  if (size === undefined) {
    const known = TYPE_NAMES[dataType] ? ` (${TYPE_NAMES[dataType]})` : '';
    r.fail(`${what}: data type ${dataType}${known} is not supported (float, float16, double, int64, int32, int8, uint8, bool)`);
  }
  const isFloat = dataType === DataType.FLOAT || dataType === DataType.FLOAT16 || dataType === DataType.DOUBLE;
  // Which field holds the data, and how many values it has, before anything is allocated.
  const held = raw
    ? raw.length / size
    : dataType === DataType.FLOAT
      ? floatData.length
      : dataType === DataType.DOUBLE
        ? doubleData.length
        : intData.length;
  if (held !== count) {
    const whole = Number.isInteger(held) ? String(held) : 'not a whole number of';
    const has = raw ? `${raw.length} bytes of raw_data (${whole} ${size}-byte values)` : `${held} values`;
    r.fail(`${what}: shape [${dims.join(', ')}] holds ${count} values, its data has ${has}`);
  }
  if (!isFloat) {
    let ints: number[];
    if (raw) {
      const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
      ints = new Array<number>(count);
      for (let i = 0; i < count; i++) {
        ints[i] =
          dataType === DataType.INT64
            ? Number(view.getBigInt64(i * 8, true))
            : dataType === DataType.INT32
              ? view.getInt32(i * 4, true)
              : dataType === DataType.INT8
                ? view.getInt8(i)
                : view.getUint8(i);
      }
    } else ints = intData;
    return { name, dims, floats: null, ints };
  }
  let floats = new Float32Array(0);
  if (raw && dataType === DataType.FLOAT && LITTLE_ENDIAN) {
    // The common case (every weight of a float32 model): one copy of the bytes, no per-value reads.
    floats = new Float32Array(raw.slice().buffer);
  } else if (raw) {
    floats = new Float32Array(count);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
    for (let i = 0; i < count; i++) {
      floats[i] =
        dataType === DataType.FLOAT
          ? view.getFloat32(i * 4, true)
          : dataType === DataType.FLOAT16
            ? halfToFloat(view.getUint16(i * 2, true))
            : view.getFloat64(i * 8, true);
    }
  } else {
    const src = dataType === DataType.FLOAT ? floatData : dataType === DataType.DOUBLE ? doubleData : intData.map(halfToFloat);
    floats = Float32Array.from(src);
  }
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(floats[i])) {
      // A double is reported as written (1e39, not the Infinity it becomes in float32).
      const original =
        dataType !== DataType.DOUBLE
          ? floats[i]
          : raw
            ? new DataView(raw.buffer, raw.byteOffset, raw.length).getFloat64(i * 8, true)
            : doubleData[i];
      r.fail(`${what}: value ${original} at index ${i} is not finite as float32`);
    }
  }
  return { name, dims, floats, ints: null };
}
