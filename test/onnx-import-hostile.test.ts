/**
 * Hostile and malformed ONNX files: each is refused with a ModelError that
 * names the file and what is wrong, before any GPU work, within a bounded
 * allocation (lengths are checked against the bytes before anything is
 * made), never a crash (TypeError, RangeError), a hang or silent NaN.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../src/model/errors.js';
import { parseOnnxModel } from '../src/onnx/import/index.js';
import { encodeModel, type OnnxGraph, type OnnxNode } from '../src/onnx/proto.js';
import { rng } from './helpers/random.js';

// A protobuf writer small enough to break the rules on purpose.
function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}
const tag = (field: number, wire: number) => varint((field << 3) | wire);
const bytesField = (field: number, payload: number[]) => [...tag(field, 2), ...varint(payload.length), ...payload];
const intField = (field: number, v: number | bigint) => [...tag(field, 0), ...varint(v)];
const str = (s: string) => [...new TextEncoder().encode(s)];
const f32 = (values: number[]) => [...new Uint8Array(Float32Array.from(values).buffer)];
const f64 = (values: number[]) => [...new Uint8Array(Float64Array.from(values).buffer)];
const opset17 = bytesField(8, intField(2, 17));
const model = (graph: number[], opset = opset17) => Uint8Array.from([...intField(1, 8), ...bytesField(7, graph), ...opset]);
const valueInfo = (name: string, dims: number[], elemType = 1) =>
  bytesField(1, str(name)).concat(
    bytesField(
      2,
      bytesField(1, [
        ...intField(1, elemType),
        ...bytesField(
          2,
          dims.flatMap((d) => bytesField(1, intField(1, d))),
        ),
      ]),
    ),
  );
/** x [1, 3, 4, 4] → Conv(W) → y, with W's TensorProto bytes given. */
const convModel = (tensor: number[]) =>
  model([
    ...bytesField(1, [
      ...bytesField(1, str('x')),
      ...bytesField(1, str('W')),
      ...bytesField(2, str('y')),
      ...bytesField(3, str('conv')),
      ...bytesField(4, str('Conv')),
    ]),
    ...bytesField(5, tensor),
    ...bytesField(11, valueInfo('x', [1, 3, 4, 4])),
    ...bytesField(12, valueInfo('y', [1, 3, 4, 4])),
  ]);
const weight = (extra: number[], dims = [3, 3, 1, 1]) => [...dims.flatMap((d) => intField(1, d)), ...bytesField(8, str('W')), ...extra];

function refuses(bytes: Uint8Array, ...messages: (string | RegExp)[]): void {
  let error: unknown;
  try {
    parseOnnxModel(bytes, { file: 'bad.onnx' });
  } catch (e) {
    error = e;
  }
  expect(error, 'must throw').toBeInstanceOf(ModelError);
  const m = (error as Error).message;
  if (process.env.DEBUG_ONNX) console.log(m);
  expect(m).toMatch(/^bad\.onnx: /);
  for (const want of messages) expect(m).toMatch(want);
}

const graph = (nodes: OnnxNode[], extra: Partial<OnnxGraph> = {}) =>
  encodeModel({ nodes, inputs: [{ name: 'x', shape: ['n', 3, 'h', 'w'] }], outputs: [{ name: 'y' }], ...extra });
const W3 = { W: { data: new Float32Array(27).fill(0.1), shape: [3, 3, 3, 1] } };

describe('ONNX import refuses malformed files with a ModelError naming the file and the fault', () => {
  it('positive control: the hand-built model parses, with packed or unpacked repeated fields alike', () => {
    const values = Array.from({ length: 9 }, (_, i) => i / 8 - 0.5);
    const packed = parseOnnxModel(convModel(weight([...intField(2, 1), ...bytesField(4, f32(values))])));
    // dims are already written one varint field each (unpacked); float_data here one fixed32 field per value.
    const unpacked = parseOnnxModel(convModel(weight([...intField(2, 1), ...values.flatMap((v) => [...tag(4, 5), ...f32([v])])])));
    const raw = parseOnnxModel(convModel(weight([...intField(2, 1), ...bytesField(9, f32(values))])));
    for (const m of [packed, unpacked, raw]) {
      const conv = m.graph.nodes.find((n) => n.kind === 'conv');
      expect(conv && conv.kind === 'conv' && Array.from(conv.weight)).toEqual(values);
      expect(conv && conv.kind === 'conv' && conv.weightShape).toEqual([3, 3, 1, 1]);
    }
    // An attribute's ints unpacked (one varint field each) read as the packed ones.
    const attr = (name: string, ints: number[]) => [
      ...bytesField(1, str(name)),
      ...ints.flatMap((v) => intField(8, v)),
      ...intField(20, 7),
    ];
    const node = [
      ...bytesField(1, str('x')),
      ...bytesField(1, str('W')),
      ...bytesField(2, str('y')),
      ...bytesField(4, str('Conv')),
      ...bytesField(5, attr('pads', [0, 0, 0, 0])),
      ...bytesField(5, attr('kernel_shape', [1, 1])),
    ];
    const m = model([
      ...bytesField(1, node),
      ...bytesField(5, weight([...intField(2, 1), ...bytesField(9, f32(values))])),
      ...bytesField(11, valueInfo('x', [1, 3, 4, 4])),
      ...bytesField(12, valueInfo('y', [1, 3, 4, 4])),
    ]);
    expect(parseOnnxModel(m).scale).toBe(1);
  });

  it('a float16 model (fp16 input, weights and Casts) reads as the float32 model of the same values', () => {
    // −0.25, −0.1875, −0.125, −0.0625, 0, 0.0625, 0.125, 0.1875, 0.25 and their float16 bits.
    const values = Array.from({ length: 9 }, (_, i) => (i - 4) / 16);
    const bits = [0xb400, 0xb200, 0xb000, 0xac00, 0x0000, 0x2c00, 0x3000, 0x3200, 0x3400];
    const fp16 = model([
      ...bytesField(1, [
        ...bytesField(1, str('x')),
        ...bytesField(2, str('x32')),
        ...bytesField(4, str('Cast')),
        ...bytesField(5, [...bytesField(1, str('to')), ...intField(3, 1), ...intField(20, 2)]),
      ]),
      ...bytesField(1, [
        ...bytesField(1, str('x32')),
        ...bytesField(1, str('W')),
        ...bytesField(2, str('y32')),
        ...bytesField(4, str('Conv')),
      ]),
      ...bytesField(1, [
        ...bytesField(1, str('y32')),
        ...bytesField(2, str('y')),
        ...bytesField(4, str('Cast')),
        ...bytesField(5, [...bytesField(1, str('to')), ...intField(3, 10), ...intField(20, 2)]),
      ]),
      ...bytesField(5, weight([...intField(2, 10), ...bytesField(9, [...new Uint8Array(Uint16Array.from(bits).buffer)])])),
      ...bytesField(11, valueInfo('x', [1, 3, 4, 4], 10)),
      ...bytesField(12, valueInfo('y', [1, 3, 4, 4], 10)),
    ]);
    const conv = parseOnnxModel(fp16).graph.nodes.find((n) => n.kind === 'conv');
    expect(conv && conv.kind === 'conv' && Array.from(conv.weight)).toEqual(values);
  });

  it('not ONNX at all: empty, text, a PNG header', () => {
    refuses(new Uint8Array(0), 'empty');
    refuses(new TextEncoder().encode('{"format": "layers-model"}'));
    refuses(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a));
  });

  it('every truncation of a real model (torch export) is refused, never crashes', () => {
    const bytes = readFileSync(join(__dirname, 'fixtures/onnx/se-x2.onnx'));
    for (let n = 0; n < bytes.length; n += 13) {
      expect(() => parseOnnxModel(bytes.subarray(0, n), { file: 'bad.onnx' }), `cut at ${n}`).toThrow(ModelError);
    }
  });

  it('random byte corruption: a ModelError or a model, never another exception', () => {
    const base = graph([{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], attrs: { kernel_shape: [3, 1] } }], { initializers: W3 });
    const r = rng(99);
    let refused = 0;
    for (let k = 0; k < 400; k++) {
      const b = Uint8Array.from(base);
      for (let j = 0; j < 1 + Math.floor(r() * 4); j++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      try {
        parseOnnxModel(b, { file: 'bad.onnx' });
      } catch (e) {
        if (!(e instanceof ModelError)) throw new Error(`mutation ${k}: ${String(e)}`);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(100);
  });

  it('lengths past the end: a field declaring 2⁶⁰ bytes, raw_data longer than the file', () => {
    refuses(Uint8Array.from([...intField(1, 8), ...tag(7, 2), ...varint(2n ** 60n), 1, 2, 3]), /truncated.*declares/);
    refuses(Uint8Array.from([...tag(7, 2), ...varint(0xffffffff)]), 'truncated');
    refuses(
      Uint8Array.from([...tag(1, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      'varint longer than 10 bytes',
    );
    refuses(Uint8Array.from([...tag(3, 3)]), 'wire type 3');
  });

  it('absurd shapes: a 2⁴⁰ dimension, 2³⁶ elements, a negative size, data that does not fill the shape', () => {
    refuses(convModel(weight([...intField(2, 1), ...bytesField(9, f32([1]))], [2 ** 40, 1])), "tensor 'W'", 'out of range');
    refuses(convModel(weight([...intField(2, 1), ...bytesField(9, f32([1]))], [65536, 65536, 16])), "tensor 'W'", 'more than');
    refuses(convModel(weight([...intField(2, 1), ...bytesField(9, f32([1]))], [-1, 3])), "tensor 'W'", 'out of range');
    refuses(
      convModel(weight([...intField(2, 1), ...bytesField(9, f32([1, 2, 3]))])),
      "tensor 'W'",
      'holds 9 values',
      '12 bytes of raw_data (3 4-byte values)',
    );
    refuses(convModel(weight([...intField(2, 1), ...bytesField(9, [1, 2, 3])])), "tensor 'W'", 'not a whole number');
  });

  it('non-finite weights: NaN and Inf in float32, 1e39 in a double tensor, Inf in float16; named with the index', () => {
    const nine = (v: number, at: number) => Array.from({ length: 9 }, (_, i) => (i === at ? v : 0.5));
    refuses(convModel(weight([...intField(2, 1), ...bytesField(9, f32(nine(NaN, 4)))])), "tensor 'W'", 'index 4', 'not finite');
    refuses(convModel(weight([...intField(2, 1), ...bytesField(4, f32(nine(-Infinity, 8)))])), "tensor 'W'", 'index 8');
    refuses(convModel(weight([...intField(2, 11), ...bytesField(10, f64(nine(1e39, 2)))])), "tensor 'W'", 'index 2', '1e+39');
    refuses(convModel(weight([...intField(2, 11), ...bytesField(9, f64(nine(-1e39, 3)))])), "tensor 'W'", 'value -1e+39 at index 3');
    const half = Array.from({ length: 9 }, (_, i) => (i === 5 ? 0x7c00 : 0x3c00));
    refuses(
      convModel(weight([...intField(2, 10), ...bytesField(9, [...new Uint8Array(Uint16Array.from(half).buffer)])])),
      "tensor 'W'",
      'index 5',
    );
    // Float attributes too.
    refuses(graph([{ op: 'LeakyRelu', inputs: ['x'], outputs: ['y'], attrs: { alpha: { f: NaN } } }]), "'alpha'", 'not finite');
  });

  it('external data and unsupported tensor types are refused', () => {
    const ext = bytesField(13, [...bytesField(1, str('location')), ...bytesField(2, str('weights.bin'))]);
    refuses(convModel(weight([...intField(2, 1), ...ext, ...intField(14, 1)])), "tensor 'W'", 'outside the file');
    refuses(convModel(weight([...intField(2, 8)])), "tensor 'W'", 'STRING');
    refuses(convModel(weight([...intField(2, 16), ...bytesField(9, new Array(18).fill(0))])), "tensor 'W'", 'data type 16');
  });

  it('structure: a cycle, a missing input, a value produced twice, no output producer', () => {
    refuses(
      graph([
        { op: 'Relu', inputs: ['b'], outputs: ['a'] },
        { op: 'Relu', inputs: ['a'], outputs: ['b'] },
        { op: 'Add', inputs: ['x', 'b'], outputs: ['y'] },
      ]),
      'cycle',
    );
    refuses(graph([{ op: 'Add', inputs: ['x', 'ghost'], outputs: ['y'] }]), "reads 'ghost'", 'no node, initializer or input');
    refuses(
      graph([
        { op: 'Relu', inputs: ['x'], outputs: ['y'] },
        { op: 'Sigmoid', inputs: ['x'], outputs: ['y'] },
      ]),
      "'y' is produced twice",
    );
    refuses(graph([{ op: 'Relu', inputs: ['x'], outputs: ['x'] }]), "'x' is produced twice");
    refuses(graph([{ op: 'Relu', inputs: ['x'], outputs: ['z'] }]), "output 'y' is produced by nothing");
    refuses(model([...bytesField(11, valueInfo('x', [1, 3, 4, 4]))], []), 'no ai.onnx opset');
    refuses(Uint8Array.from([...intField(1, 8), ...opset17]), 'no graph');
  });

  it('inputs and outputs: two inputs, 4 channels, an int64 input, a 3-D input, a vector output, 4 output channels', () => {
    refuses(
      encodeModel({
        nodes: [{ op: 'Add', inputs: ['x', 'z'], outputs: ['y'] }],
        inputs: [{ name: 'x' }, { name: 'z' }],
        outputs: [{ name: 'y' }],
      }),
      '2 inputs',
    );
    refuses(
      encodeModel({
        nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
        inputs: [{ name: 'x', shape: [1, 4, 'h', 'w'] }],
        outputs: [{ name: 'y' }],
      }),
      '4 channels',
    );
    refuses(
      model([
        ...bytesField(1, [...bytesField(1, str('x')), ...bytesField(2, str('y')), ...bytesField(4, str('Relu'))]),
        ...bytesField(11, valueInfo('x', [1, 3, 4, 4], 7)),
        ...bytesField(12, valueInfo('y', [1, 3, 4, 4])),
      ]),
      'element type 7',
    );
    refuses(
      encodeModel({
        nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
        inputs: [{ name: 'x', shape: [3, 'h', 'w'] }],
        outputs: [{ name: 'y' }],
      }),
      '3 dimensions',
    );
    refuses(graph([{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }]), 'per-channel vector');
    refuses(
      graph([{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'] }], {
        initializers: { W: { data: new Float32Array(12), shape: [4, 3, 1, 1] } },
      }),
      'output must have 3',
    );
  });

  it('unsupported ops, attributes and values name the node, its op_type and the attribute', () => {
    refuses(graph([{ op: 'Elu', inputs: ['x'], outputs: ['y'] }]), "op_type 'Elu' is not supported");
    refuses(graph([{ op: 'Relu', inputs: ['x'], outputs: ['y'], domain: 'com.microsoft' }]), "domain 'com.microsoft'");
    refuses(
      graph([{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], attrs: { foo: 1 } }], { initializers: W3 }),
      '(Conv)',
      "attribute 'foo' is not supported",
    );
    refuses(
      graph([{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } }], { initializers: W3 }),
      "'auto_pad'",
      'stride 2',
    );
    refuses(graph([{ op: 'Conv', inputs: ['x', 'x'], outputs: ['y'] }]), 'weight', 'must be a constant');
    refuses(
      graph([{ op: 'ConvTranspose', inputs: ['x', 'W'], outputs: ['y'], attrs: { output_shape: [8, 8] } }], { initializers: W3 }),
      '(ConvTranspose)',
      "'output_shape'",
    );
    refuses(
      graph([{ op: 'Resize', inputs: ['x', '', '', 'sizes'], outputs: ['y'] }], {
        initializers: { sizes: { int64: [1, 3, 64, 64], shape: [4] } },
      }),
      'tiles vary in size',
    );
    refuses(
      graph(
        [
          {
            op: 'Resize',
            inputs: ['x', '', 's'],
            outputs: ['y'],
            attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' },
          },
        ],
        {
          initializers: { s: { data: Float32Array.of(1, 1, 2, 2), shape: [4] } },
        },
      ),
      "'align_corners'",
    );
    refuses(graph([{ op: 'Concat', inputs: ['x', 'x'], outputs: ['y'], attrs: { axis: 2 } }]), "'axis' 2", 'channel axis');
    refuses(
      graph([{ op: 'Slice', inputs: ['x', 's', 'e', 'a'], outputs: ['y'] }], {
        initializers: { s: { int64: [0], shape: [1] }, e: { int64: [5], shape: [1] }, a: { int64: [2], shape: [1] } },
      }),
      'fixed row',
    );
    refuses(
      graph([{ op: 'Add', inputs: ['x', 'k'], outputs: ['y'] }], {
        initializers: { k: { data: new Float32Array(4), shape: [1, 1, 1, 4] } },
      }),
      'height or width',
    );
    refuses(
      graph([{ op: 'Pad', inputs: ['x', 'p'], outputs: ['y'], attrs: { mode: 'wrap' } }], {
        initializers: { p: { int64: [0, 0, 1, 1, 0, 0, 1, 1], shape: [8] } },
      }),
      "'mode' 'wrap'",
    );
  });

  it('a reshape or transpose that is not a pixel shuffle is refused where the result is used', () => {
    refuses(
      graph([
        { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: [0, 1, 3, 2] } },
        { op: 'Relu', inputs: ['t'], outputs: ['y'] },
      ]),
      '(Relu)',
      'not a pixel shuffle or unshuffle',
    );
    refuses(
      graph([{ op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }], { initializers: { s: { int64: [0, 3, -1], shape: [3] } } }),
      'not an image',
    );
  });

  it('a deep chain (20 000 nodes) is ordered without overflowing the stack', () => {
    const nodes: OnnxNode[] = Array.from({ length: 20000 }, (_, i) => ({
      op: 'Relu',
      inputs: [i === 0 ? 'x' : `r${i - 1}`],
      outputs: [i === 19999 ? 'y' : `r${i}`],
    }));
    expect(parseOnnxModel(graph(nodes)).graph.nodes.length).toBe(20001);
  });
});
