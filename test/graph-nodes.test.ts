/**
 * Every node kind of the node table (src/model/nodes.ts) in one graph, run
 * three ways that share only the graph: the CPU references node by node
 * (unfused), the engine (fused), and ONNX Runtime on exportOnnx's model.
 * Plus the analysis: the facts tiling relies on (scale, radius, grid
 * alignment, global pools) and the wiring errors it must refuse.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as cpu from '../src/cpu/index.js';
import { analyse, buildModel, graphFacts } from '../src/model/graph.js';
import type { GraphNode, ModelGraph } from '../src/model/ir.js';
import { NODES } from '../src/model/nodes.js';
import { exportOnnx } from '../src/onnx/export.js';
import { ModelError } from '../src/model/errors.js';
import { useEngine } from './helpers/engine.js';
import { randomData, rng } from './helpers/random.js';
import { randomConv } from './helpers/graph-builders.js';

const h = useEngine();

const conv = randomConv;

/**
 * x(3) → pad reflect 2 → conv 3×3 valid (leaky 0.2) 3→8 → prelu → [SE: pool → 1×1 8→4 relu → 1×1 4→8 sigmoid → mul]
 * → convT k4 s2 p1 8→6 (leaky 0.1) → crop 1 on every side → pad replicate 1 → conv → add with coefficients (0.2·a + b)
 * of a ref-sized crop of the convT
 * → clip → mish → hardSwish → sliceChannels + concat → spaceToDepth CRD → conv 1×1 24→12 → depthToSpace CRD ×2
 * → upsample bicubic ×0.5 → binary sub of a per-channel constant → binary max with a scalar → scale → tanh → conv 3×3 pad 1 3→3.
 */
function everyKind(): ModelGraph {
  const nodes: GraphNode[] = [
    { kind: 'input', name: 'x', inputs: [], channels: 3 },
    { kind: 'pad', name: 'pad', inputs: ['x'], pads: [2, 2, 2, 2], mode: 'reflect' },
    conv('c1', 'pad', 8, 3, 3, 1, { activation: 'leakyRelu', negativeSlope: 0.2 }),
    { kind: 'prelu', name: 'p1', inputs: ['c1'], slope: Float32Array.from({ length: 8 }, (_, i) => 0.05 * i) },
    { kind: 'globalAvgPool', name: 'gap', inputs: ['p1'] },
    conv('se1', 'gap', 4, 8, 1, 2, { activation: 'relu' }),
    conv('se2', 'se1', 8, 4, 1, 3, { activation: 'sigmoid' }),
    { kind: 'binary', name: 'excite', inputs: ['p1', 'se2'], op: 'mul' },
    {
      kind: 'convTranspose',
      name: 'up',
      inputs: ['excite'],
      weight: randomData(8 * 6 * 16, rng(4)).map((v) => v / 8),
      weightShape: [8, 6, 4, 4],
      bias: randomData(6, rng(5)).map((v) => v * 0.1),
      stride: [2, 2],
      dilation: [1, 1],
      padding: [1, 1],
      outputPadding: [0, 0],
      activation: 'leakyRelu',
      negativeSlope: 0.1,
    },
    { kind: 'crop', name: 'crop', inputs: ['up'], begin: [1, 1], end: [1, 1] },
    { kind: 'pad', name: 'pad2', inputs: ['crop'], pads: [1, 1, 1, 1], mode: 'replicate' },
    conv('c2', 'pad2', 6, 6, 3, 6),
    { kind: 'crop', name: 'crop2', inputs: ['up', 'crop'], begin: [1, 1] },
    { kind: 'add', name: 'res', inputs: ['c2', 'crop2'], coefficients: [0.2, 1] },
    { kind: 'clip', name: 'clip', inputs: ['res'], min: -0.8, max: 0.9 },
    { kind: 'mish', name: 'mish', inputs: ['clip'] },
    { kind: 'hardSwish', name: 'hs', inputs: ['mish'], alpha: 0.2, beta: 0.5 },
    { kind: 'sliceChannels', name: 'sl', inputs: ['hs'], start: 1, count: 4 },
    { kind: 'concat', name: 'cat', inputs: ['sl', 'sl', 'hs'] },
    { kind: 'spaceToDepth', name: 's2d', inputs: ['cat'], r: 2, mode: 'CRD' },
    conv('c3', 's2d', 12, 56, 1, 7),
    { kind: 'depthToSpace', name: 'd2s', inputs: ['c3'], r: 2, mode: 'CRD' },
    { kind: 'upsample', name: 'bic', inputs: ['d2s'], size: [0.5, 0.5], mode: 'bicubic' },
    { kind: 'constant', name: 'mean', inputs: [], data: Float32Array.from({ length: 3 }, (_, i) => 0.1 * i), shape: [1, 3, 1, 1] },
    { kind: 'binary', name: 'centred', inputs: ['bic', 'mean'], op: 'sub' },
    { kind: 'constant', name: 'floor', inputs: [], data: Float32Array.of(-0.5), shape: [1] },
    { kind: 'binary', name: 'floored', inputs: ['centred', 'floor'], op: 'max' },
    { kind: 'scale', name: 'k', inputs: ['floored'], factor: 1.5 },
    { kind: 'activation', name: 'tanh', inputs: ['k'], fn: 'tanh' },
    conv('head', 'tanh', 3, 3, 3, 8, { padding: [1, 1] }),
  ];
  return { nodes, output: 'head' };
}

describe('every node kind means the same on the CPU references, the engine and ONNX Runtime', () => {
  it('the test graph uses every row of the node table', () => {
    const used = new Set(everyKind().nodes.map((n) => n.kind));
    expect([...Object.keys(NODES)].filter((k) => !used.has(k as GraphNode['kind']))).toEqual([]);
  });

  it('CPU (unfused) == engine (fused) == ONNX Runtime, on an odd-sized input', async () => {
    const g = everyKind();
    const [H, W] = [9, 7];
    const x = { data: randomData(3 * H * W, rng(11)), shape: [1, 3, H, W] };
    const ref = cpu.runModelGraph(g, x);
    // pad 2 + valid 3×3: n + 2; convT k4 s2 p1: 2n + 4; crop 1 each side: 2n + 2; s2d/d2s keep it; bicubic ×0.5: n + 1.
    expect(ref.shape).toEqual([1, 3, H + 1, W + 1]);
    const fused = cpu.runModelGraph(g, x, { fuse: true });
    const e = h.engine;
    const before = e.stats().liveTensors;
    const model = buildModel(e, g, { name: 'every-kind', inputRange: [-1, 1], outputRange: [-1, 1] });
    let ours: Float32Array;
    try {
      const xt = e.tensor(x.data, x.shape);
      const y = model.run(xt);
      ours = await y.read();
      y.dispose();
      xt.dispose();
    } finally {
      model.dispose();
    }
    expect(e.stats().liveTensors, 'every intermediate and weight freed').toBe(before);
    const session = await ort.InferenceSession.create(exportOnnx(g), { executionProviders: ['cpu'] });
    let theirs: Float32Array;
    try {
      const out = await session.run({ x: new ort.Tensor('float32', x.data, x.shape) });
      theirs = out.y.data as Float32Array;
      expect([...out.y.dims]).toEqual(ref.shape);
    } finally {
      await session.release();
    }
    // Tolerance: ~12 layers, each summing ≤ 56·9 products of values and weights of magnitude ≤ 1 in a
    // different order (γ_504 ≈ 3e-5 per layer, relative to Σ|terms|), plus transcendental functions
    // (mish, sigmoid) to a few ulps: 1e-4 of the output's magnitude bounds them with margin, while any
    // wrong tap, channel order, coefficient or border mode moves values by ≥ 1e-2.
    const scale = Math.max(...ref.data.map(Math.abs));
    for (const [label, got] of [
      ['engine (fused)', ours],
      ['ONNX Runtime', theirs],
      ['CPU fused', fused.data],
    ] as const) {
      expect(got.length, label).toBe(ref.data.length);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref.data[i]));
      expect(worst / scale, `${label}: max |Δ| / max |ref|`).toBeLessThan(1e-4);
    }
  });

  it('facts: scale, grid alignment, global pools, radius', () => {
    const f = graphFacts(everyKind());
    expect(f.scale).toBe(1);
    expect(f.gridAlignment).toBe(1);
    expect(f.globalPools).toEqual([{ name: 'gap', factor: 1 }]);
    const info = analyse(everyKind());
    expect(info.get('gap')).toMatchObject({ vector: true, global: true, channels: 8 });
    expect(info.get('excite')).toMatchObject({ global: true, factor: 1 });
    expect(info.get('x')?.global).toBeUndefined();
    // A stride-2 conv makes tiles align to 2 input pixels.
    const strided: ModelGraph = {
      nodes: [
        { kind: 'input', name: 'x', inputs: [], channels: 3 },
        conv('down', 'x', 48, 3, 2, 1, { stride: [2, 2] }),
        { kind: 'depthToSpace', name: 'up', inputs: ['down'], r: 4, mode: 'CRD' },
      ],
      output: 'up',
    };
    expect(graphFacts(strided)).toMatchObject({ scale: 2, gridAlignment: 2 });
  });

  it('wiring errors are ModelErrors naming the layer', () => {
    const base = everyKind();
    const cases: [string, ModelGraph, RegExp][] = [
      ['undefined input', { nodes: [...base.nodes.slice(0, 3), conv('bad', 'nope', 3, 8, 1, 1)], output: 'bad' }, /'bad'.*reads 'nope'/],
      ['duplicate name', { nodes: [...base.nodes.slice(0, 3), { ...base.nodes[2] }], output: 'c1' }, /'c1' is defined twice/],
      [
        'channel mismatch',
        { nodes: [...base.nodes.slice(0, 3), conv('bad', 'c1', 3, 5, 1, 1)], output: 'bad' },
        /'bad'.*takes 5 input channels.*has 8/,
      ],
      ['missing output', { nodes: base.nodes, output: 'nowhere' }, /output 'nowhere'/],
      [
        'a constant that would broadcast along W',
        {
          nodes: [
            base.nodes[0],
            { kind: 'constant', name: 'row', inputs: [], data: new Float32Array(3), shape: [3] },
            { kind: 'binary', name: 'b', inputs: ['x', 'row'], op: 'add' },
          ],
          output: 'b',
        },
        /'row'.*broadcast along/,
      ],
      [
        'a non-finite constant',
        {
          nodes: [base.nodes[0], { kind: 'constant', name: 'inf', inputs: [], data: Float32Array.of(1e39), shape: [1] }],
          output: 'inf',
        },
        /'inf'.*not finite/,
      ],
    ];
    for (const [label, g, message] of cases) {
      expect(() => analyse(g), label).toThrow(ModelError);
      expect(() => analyse(g), label).toThrow(message);
    }
  });
});
