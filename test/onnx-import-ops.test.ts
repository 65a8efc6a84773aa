/**
 * ONNX ops one at a time (or in the small patterns exporters write), against
 * ONNX Runtime (onnxruntime-node, the reference implementation most users
 * run): each case is a model written with encodeModel, run by ORT and by our
 * CPU references on the graph parseOnnxModel lowers it to, at two input sizes
 * (the models have symbolic height and width, so one import serves both).
 *
 * Tolerance: each conv or Gemm sums K products and a bias in an order ORT
 * need not share (γ_{K+1} each, ./helpers/compare.ts), each binary op or
 * resampling tap sum a few more; c = Σ γ over the graph, and the runs differ
 * by at most 2·c·max(1, |y|max). Transcendentals (sigmoid, tanh, mish) are
 * rounded differently by each library: 2⁻²⁰ (16 ulp) more per such node.
 * A wrong pad side, mode, channel order or rounding rule moves values by far more.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { cpuTensor, runModelGraph } from '../src/cpu/index.js';
import type { GraphNodeKind, ModelGraph } from '../src/model/ir.js';
import { parseOnnxModel } from '../src/onnx/import/index.js';
import { encodeModel, type OnnxGraph, type OnnxNode } from '../src/onnx/proto.js';
import { gammaBound } from './helpers/compare.js';
import { randomData, rng } from './helpers/random.js';

const INT64_MAX = Number.MAX_SAFE_INTEGER; // the writer's int64; anything past the tensor means "to the end"

function errorConstant(graph: ModelGraph): number {
  let c = 0;
  for (const n of graph.nodes) {
    if (n.kind === 'conv' || n.kind === 'convTranspose') c += gammaBound(n.weightShape[1] * n.weightShape[2] * n.weightShape[3] + 1);
    else if (n.kind === 'upsample') c += gammaBound(16);
    else if (['add', 'binary', 'prelu', 'scale', 'hardSwish', 'globalAvgPool'].includes(n.kind)) c += gammaBound(4);
    else if (n.kind === 'mish' || (n.kind === 'activation' && (n.fn === 'sigmoid' || n.fn === 'tanh'))) c += 2 ** -20;
  }
  return c;
}

const f = (n: number, seed: number, scale = 1): Float32Array => randomData(n, rng(seed)).map((v) => v * scale);
const w = (shape: number[], seed: number) => ({
  data: f(
    shape.reduce((a, b) => a * b, 1),
    seed,
    1 / Math.sqrt(shape.slice(1).reduce((a, b) => a * b, 1)),
  ),
  shape,
});
const int64 = (values: number[]) => ({ int64: values, shape: [values.length] });
const scalar = (v: number) => ({ data: Float32Array.of(v), shape: [] as number[] });

interface Case {
  name: string;
  nodes: OnnxNode[];
  init?: OnnxGraph['initializers'];
  opset?: number;
  /** Node kinds the import must produce. */
  kinds: GraphNodeKind[];
  sizes?: [number, number][];
  /** A fixed-size model (no symbolic height and width), at this one size. */
  fixed?: [number, number];
}

async function check(c: Case): Promise<void> {
  const bytes = encodeModel({
    nodes: c.nodes,
    inputs: [{ name: 'x', shape: c.fixed ? [1, 3, ...c.fixed] : ['n', 3, 'h', 'w'] }],
    outputs: [{ name: 'y' }],
    initializers: c.init,
    opset: c.opset,
  });
  const parsed = parseOnnxModel(bytes, { file: `${c.name}.onnx` });
  for (const k of c.kinds)
    expect(
      parsed.graph.nodes.some((n) => n.kind === k),
      `${c.name}: a '${k}' node`,
    ).toBe(true);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    for (const [H, W] of (c.fixed ? [c.fixed] : undefined) ??
      c.sizes ?? [
        [6, 8],
        [10, 6],
      ]) {
      const r = rng(H * 13 + W);
      const data = Float32Array.from({ length: 3 * H * W }, () => r());
      const theirs = (await session.run({ x: new ort.Tensor('float32', data, [1, 3, H, W]) })).y;
      const ours = runModelGraph(parsed.graph, cpuTensor(data, [1, 3, H, W]));
      expect(ours.shape, `${c.name} at ${H}×${W}`).toEqual([...theirs.dims]);
      const ref = theirs.data as Float32Array;
      const tol = 2 * errorConstant(parsed.graph) * Math.max(1, ...Array.from(ref, Math.abs));
      let worst = 0;
      let at = 0;
      for (let i = 0; i < ref.length; i++) {
        const d = Math.abs(ours.data[i] - ref[i]);
        if (!(d <= worst)) [worst, at] = [d, i];
      }
      expect(worst, `${c.name} at ${H}×${W}: element ${at}: ours ${ours.data[at]}, ORT ${ref[at]}, tolerance ${tol}`).toBeLessThanOrEqual(
        tol,
      );
    }
  } finally {
    await session.release();
  }
}

const conv = (input: string, output: string, weight: string, attrs: OnnxNode['attrs'] = {}, bias?: string): OnnxNode => ({
  op: 'Conv',
  inputs: [input, weight, ...(bias ? [bias] : [])],
  outputs: [output],
  attrs,
});

const cases: Case[] = [
  {
    name: 'conv-asymmetric-pads',
    nodes: [conv('x', 'y', 'W', { pads: [0, 1, 2, 1] }, 'B')],
    init: { W: w([3, 3, 3, 3], 1), B: { data: f(3, 2, 0.1), shape: [3] } },
    kinds: ['pad', 'conv'],
  },
  {
    name: 'conv-auto-pad-same',
    nodes: [
      conv('x', 'a', 'W1', { auto_pad: 'SAME_UPPER' }),
      conv('a', 'b', 'W2', { auto_pad: 'SAME_LOWER' }),
      conv('b', 'y', 'W3', { auto_pad: 'VALID' }),
    ],
    init: { W1: w([4, 3, 4, 4], 3), W2: w([6, 4, 2, 2], 4), W3: w([3, 6, 1, 1], 5) },
    kinds: ['pad', 'conv'],
  },
  {
    name: 'conv-grouped-dilated-strided',
    nodes: [
      conv('x', 'a', 'W1', { group: 3, dilations: [2, 2], pads: [2, 2, 2, 2] }),
      conv('a', 'y', 'W2', { strides: [1, 1], pads: [1, 1, 1, 1] }),
    ],
    init: { W1: w([6, 1, 3, 3], 6), W2: w([3, 6, 3, 3], 7) },
    kinds: ['conv'],
  },
  {
    name: 'convtranspose-asymmetric-pads-output-padding',
    nodes: [
      {
        op: 'ConvTranspose',
        inputs: ['x', 'W', 'B'],
        outputs: ['y'],
        attrs: { strides: [2, 2], pads: [0, 1, 1, 0], output_padding: [1, 1] },
      },
    ],
    init: { W: w([3, 3, 3, 3], 8), B: { data: f(3, 9, 0.1), shape: [3] } },
    kinds: ['convTranspose', 'crop'],
  },
  {
    name: 'convtranspose-auto-pad-same-grouped-dilated',
    nodes: [
      {
        op: 'ConvTranspose',
        inputs: ['x', 'W1'],
        outputs: ['a'],
        attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER', kernel_shape: [4, 4] },
      },
      { op: 'ConvTranspose', inputs: ['a', 'W2'], outputs: ['y'], attrs: { group: 3, dilations: [2, 2], pads: [2, 2, 2, 2] } },
    ],
    init: { W1: w([3, 3, 4, 4], 10), W2: w([3, 1, 3, 3], 11) },
    kinds: ['convTranspose'],
  },
  {
    name: 'resize-nearest-half-pixel-x3',
    nodes: [
      { op: 'Resize', inputs: ['x', '', 's'], outputs: ['y'], attrs: { mode: 'nearest', coordinate_transformation_mode: 'half_pixel' } },
    ],
    init: { s: { data: Float32Array.of(1, 1, 3, 3), shape: [4] } },
    kinds: ['upsample'],
  },
  {
    name: 'resize-linear-and-cubic',
    nodes: [
      {
        op: 'Resize',
        inputs: ['x', '', 's'],
        outputs: ['a'],
        attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' },
      },
      { op: 'Resize', inputs: ['a', '', 's'], outputs: ['y'], attrs: { mode: 'cubic', cubic_coeff_a: { f: -0.5 } } },
    ],
    init: { s: { data: Float32Array.of(1, 1, 2, 2), shape: [4] } },
    kinds: ['upsample'],
  },
  {
    name: 'resize-sizes-from-shape',
    // sizes = Concat(Shape(x)[0:2], Shape(x)[2:4] · 2): a fixed multiple of the input, read as scale 2.
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      { op: 'Slice', inputs: ['s', 'i0', 'i2'], outputs: ['nc'] },
      { op: 'Slice', inputs: ['s', 'i2', 'i4'], outputs: ['hw'] },
      { op: 'Mul', inputs: ['hw', 'two'], outputs: ['hw2'] },
      { op: 'Concat', inputs: ['nc', 'hw2'], outputs: ['sizes'], attrs: { axis: 0 } },
      {
        op: 'Resize',
        inputs: ['x', '', '', 'sizes'],
        outputs: ['y'],
        attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
      },
    ],
    init: { i0: int64([0]), i2: int64([2]), i4: int64([4]), two: int64([2]) },
    kinds: ['upsample'],
  },
  {
    name: 'upsample-opset9',
    opset: 9,
    nodes: [{ op: 'Upsample', inputs: ['x', 's'], outputs: ['y'], attrs: { mode: 'nearest' } }],
    init: { s: { data: Float32Array.of(1, 1, 2, 2), shape: [4] } },
    kinds: ['upsample'],
  },
  {
    name: 'pad-edge-reflect-constant-negative',
    nodes: [
      { op: 'Pad', inputs: ['x', 'p1'], outputs: ['a'], attrs: { mode: 'edge' } },
      { op: 'Pad', inputs: ['a', 'p2'], outputs: ['b'], attrs: { mode: 'reflect' } },
      { op: 'Pad', inputs: ['b', 'p3', 'v'], outputs: ['y'], attrs: { mode: 'constant' } },
    ],
    init: {
      p1: int64([0, 0, 1, 2, 0, 0, 0, 1]),
      p2: int64([0, 0, 2, 0, 0, 0, 1, 3]),
      p3: int64([0, 0, -1, 2, 0, 0, 1, -2]),
      v: scalar(0.5),
    },
    kinds: ['pad', 'crop'],
  },
  {
    name: 'pad-opset10-attributes',
    opset: 10,
    nodes: [{ op: 'Pad', inputs: ['x'], outputs: ['y'], attrs: { mode: 'constant', pads: [0, 0, 1, 1, 0, 0, 2, 0], value: { f: -1 } } }],
    kinds: ['pad'],
  },
  {
    name: 'slice-crop-and-channels',
    nodes: [
      { op: 'Slice', inputs: ['x', 'st', 'en', 'ax'], outputs: ['a'] },
      { op: 'Slice', inputs: ['a', 'c0', 'c2', 'c1'], outputs: ['b'] },
      { op: 'Slice', inputs: ['a', 'cm1', 'big', 'c1'], outputs: ['c'] },
      { op: 'Concat', inputs: ['c', 'b'], outputs: ['y'], attrs: { axis: -3 } },
    ],
    init: {
      st: int64([1, 2]),
      en: int64([-1, INT64_MAX]),
      ax: int64([2, 3]),
      c0: int64([0]),
      c1: int64([1]),
      c2: int64([2]),
      cm1: int64([-1]),
      big: int64([INT64_MAX]),
    },
    kinds: ['crop', 'sliceChannels', 'concat'],
  },
  {
    name: 'se-flatten-gemm-matmul-unsqueeze',
    nodes: [
      conv('x', 'f', 'W0', { pads: [1, 1, 1, 1] }),
      { op: 'GlobalAveragePool', inputs: ['f'], outputs: ['p'] },
      { op: 'Flatten', inputs: ['p'], outputs: ['v'], attrs: { axis: 1 } },
      { op: 'Gemm', inputs: ['v', 'G', 'GB'], outputs: ['g'], attrs: { alpha: { f: 0.5 }, beta: { f: 2 } } },
      { op: 'Relu', inputs: ['g'], outputs: ['r'] },
      { op: 'MatMul', inputs: ['r', 'M'], outputs: ['m'] },
      { op: 'Add', inputs: ['m', 'MB'], outputs: ['mb'] },
      { op: 'Sigmoid', inputs: ['mb'], outputs: ['s'] },
      { op: 'Unsqueeze', inputs: ['s', 'axes'], outputs: ['s4'] },
      { op: 'Mul', inputs: ['f', 's4'], outputs: ['y'] },
    ],
    init: {
      W0: w([3, 3, 3, 3], 12),
      G: w([3, 2], 13),
      GB: { data: f(2, 14), shape: [2] },
      M: w([2, 3], 15),
      MB: { data: f(3, 16), shape: [1, 3] },
      axes: int64([2, 3]),
    },
    kinds: ['globalAvgPool', 'conv', 'binary', 'constant'],
  },
  {
    name: 'se-reducemean-hardsigmoid',
    nodes: [
      { op: 'ReduceMean', inputs: ['x'], outputs: ['p'], attrs: { axes: [2, 3], keepdims: 1 } },
      conv('p', 'q', 'W', {}, 'B'),
      { op: 'HardSigmoid', inputs: ['q'], outputs: ['g'], attrs: { alpha: { f: 0.25 }, beta: { f: 0.5 } } },
      { op: 'Mul', inputs: ['g', 'x'], outputs: ['y'] },
    ],
    init: { W: w([3, 3, 1, 1], 17), B: { data: f(3, 18), shape: [3] } },
    kinds: ['globalAvgPool', 'clip', 'binary'],
  },
  {
    name: 'activations',
    opset: 18,
    nodes: [
      { op: 'Clip', inputs: ['x', 'lo', 'hi'], outputs: ['a'] },
      { op: 'LeakyRelu', inputs: ['a'], outputs: ['b'], attrs: { alpha: { f: 0.3 } } },
      { op: 'HardSwish', inputs: ['b'], outputs: ['c'] },
      { op: 'Mish', inputs: ['c'], outputs: ['d'] },
      { op: 'PRelu', inputs: ['d', 'slope'], outputs: ['e'] },
      { op: 'Tanh', inputs: ['e'], outputs: ['g'] },
      { op: 'Softplus', inputs: ['g'], outputs: ['sp'] },
      { op: 'Tanh', inputs: ['sp'], outputs: ['tsp'] },
      { op: 'Mul', inputs: ['tsp', 'g'], outputs: ['h'] },
      { op: 'HardSigmoid', inputs: ['h'], outputs: ['hs'], attrs: { alpha: { f: 0.2 } } },
      { op: 'Mul', inputs: ['h', 'hs'], outputs: ['y'] },
    ],
    init: { lo: scalar(0.2), hi: scalar(0.7), slope: { data: Float32Array.of(-0.5, 0.25, 2), shape: [3, 1, 1] } },
    kinds: ['clip', 'activation', 'hardSwish', 'mish', 'prelu'],
  },
  {
    name: 'clip-opset10-attributes',
    opset: 10,
    nodes: [{ op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: { f: 0.25 }, max: { f: 0.5 } } }],
    kinds: ['clip'],
  },
  {
    name: 'binary-with-constants',
    nodes: [
      { op: 'Sub', inputs: ['k', 'x'], outputs: ['a'] },
      { op: 'Div', inputs: ['a', 'three'], outputs: ['b'] },
      { op: 'Pow', inputs: ['b', 'two'], outputs: ['c'] },
      { op: 'Max', inputs: ['c', 'k2'], outputs: ['d'] },
      { op: 'Min', inputs: ['d', 'half'], outputs: ['e'] },
      { op: 'Mul', inputs: ['e', 'three'], outputs: ['g'] },
      { op: 'Neg', inputs: ['g'], outputs: ['h'] },
      { op: 'Sum', inputs: ['h', 'x', 'g'], outputs: ['y'] },
    ],
    init: {
      k: { data: Float32Array.of(0.5, 1, 1.5), shape: [1, 3, 1, 1] },
      k2: { data: Float32Array.of(0.01, 0.02, 0.03), shape: [3, 1, 1] },
      three: scalar(3),
      two: { data: Float32Array.of(2), shape: [1] },
      half: scalar(0.5),
    },
    kinds: ['binary', 'constant', 'scale', 'add'],
  },
  {
    name: 'space-to-depth-depth-to-space-dcr',
    nodes: [
      { op: 'SpaceToDepth', inputs: ['x'], outputs: ['a'], attrs: { blocksize: 2 } },
      conv('a', 'b', 'W'),
      { op: 'DepthToSpace', inputs: ['b'], outputs: ['y'], attrs: { blocksize: 2, mode: 'DCR' } },
    ],
    init: { W: w([12, 12, 1, 1], 19) },
    kinds: ['spaceToDepth', 'depthToSpace'],
  },
  {
    name: 'pixel-shuffle-dcr-by-reshape-transpose',
    // y = Reshape(Transpose(Reshape(conv(x), [N, 2, 2, 3, H, W]), [0, 3, 4, 1, 5, 2]), [N, 3, 2H, 2W]), sizes from Shape.
    nodes: [
      conv('x', 'c', 'W', { pads: [1, 1, 1, 1] }),
      { op: 'Shape', inputs: ['c'], outputs: ['s'] },
      { op: 'Gather', inputs: ['s', 'i0'], outputs: ['n'], attrs: { axis: 0 } },
      { op: 'Gather', inputs: ['s', 'i2'], outputs: ['h'], attrs: { axis: 0 } },
      { op: 'Gather', inputs: ['s', 'i3'], outputs: ['w'], attrs: { axis: 0 } },
      { op: 'Unsqueeze', inputs: ['n', 'ax0'], outputs: ['n1'] },
      { op: 'Unsqueeze', inputs: ['h', 'ax0'], outputs: ['h1'] },
      { op: 'Unsqueeze', inputs: ['w', 'ax0'], outputs: ['w1'] },
      { op: 'Concat', inputs: ['n1', 'rrc', 'h1', 'w1'], outputs: ['view'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['c', 'view'], outputs: ['v'] },
      { op: 'Transpose', inputs: ['v'], outputs: ['t'], attrs: { perm: [0, 3, 4, 1, 5, 2] } },
      { op: 'Mul', inputs: ['h1', 'two'], outputs: ['h2'] },
      { op: 'Mul', inputs: ['w1', 'two'], outputs: ['w2'] },
      { op: 'Concat', inputs: ['n1', 'three', 'h2', 'w2'], outputs: ['out'], attrs: { axis: 0 } },
      { op: 'Reshape', inputs: ['t', 'out'], outputs: ['y'] },
    ],
    init: {
      W: w([12, 3, 3, 3], 20),
      i0: { int64: [0], shape: [] },
      i2: { int64: [2], shape: [] },
      i3: { int64: [3], shape: [] },
      ax0: int64([0]),
      rrc: int64([2, 2, 3]),
      two: int64([2]),
      three: int64([3]),
    },
    kinds: ['depthToSpace'],
  },
  {
    name: 'batchnorm-split-add',
    nodes: [
      conv('x', 'c', 'W'),
      { op: 'BatchNormalization', inputs: ['c', 'g', 'b', 'm', 'v'], outputs: ['n'], attrs: { epsilon: { f: 1e-3 } } },
      { op: 'Split', inputs: ['n', 'parts'], outputs: ['p', 'q'], attrs: { axis: 1 } },
      { op: 'Sub', inputs: ['p', 'q'], outputs: ['y'] },
    ],
    init: {
      W: w([6, 3, 1, 1], 21),
      g: { data: f(6, 22), shape: [6] },
      b: { data: f(6, 23), shape: [6] },
      m: { data: f(6, 24, 0.1), shape: [6] },
      v: { data: f(6, 25).map((x) => 0.5 + Math.abs(x)), shape: [6] },
      parts: int64([3, 3]),
    },
    kinds: ['binary', 'sliceChannels'],
  },
  {
    name: 'fixed-size-convtranspose-output-shape-and-slice',
    // A fixed-size export: output_shape resolves to pads (1 at the start, 0 at the end: a crop), and a Slice
    // ending at a fixed row is a cut of the same size from the end.
    fixed: [5, 6],
    nodes: [
      { op: 'ConvTranspose', inputs: ['x', 'W'], outputs: ['a'], attrs: { strides: [2, 2], kernel_shape: [3, 3], output_shape: [10, 12] } },
      { op: 'Slice', inputs: ['a', 'st', 'en', 'ax'], outputs: ['y'] },
    ],
    init: { W: w([3, 3, 3, 3], 26), st: int64([0, 1]), en: int64([9, 12]), ax: int64([2, 3]) },
    kinds: ['convTranspose', 'crop'],
  },
];

describe('ONNX ops imported == ONNX Runtime (CPU references, two sizes from one import)', () => {
  for (const c of cases) it(c.name, () => check(c));
});
