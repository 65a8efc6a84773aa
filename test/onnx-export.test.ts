/**
 * exportOnnx: a loaded model as ONNX bytes that ONNX Runtime (onnxruntime-node,
 * which validates the model as it loads it) runs to our engine's result within
 * a float32 tolerance derived from the network's sums (below), at two
 * different input sizes from one export (symbolic height and width).
 *
 * The tolerance: a float32 sum of n terms in any order (FMA or not) is within
 * γ_n·Σ|terms| of the exact value (γ_n = n·u/(1 − n·u), u = 2⁻²⁴, as in
 * ./helpers/compare.ts). Each conv sums K = Cin·kH·kW products and a bias,
 * each Add its inputs; relu is 1-Lipschitz and the rest moves data. Summing
 * γ over the graph gives c, the relative error one run can gather, to first
 * order, when the activations are of the order of the output range (they are,
 * in these networks: 0–255 images through residual blocks). Two runs then
 * differ by at most 2·c·range: 0.16 of an 8-bit level for default-model, far
 * below what a wrong pad, mode or weight layout produces (whole levels). A
 * strict worst case (|W| propagated through every layer) is ~10²⁰ looser and
 * would catch nothing.
 */
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runModelGraph } from '../src/cpu/index.js';
import { ArgumentError, exportOnnx, type ModelGraph } from '../src/index.js';
import type { ConvNode } from '../src/model/ir.js';
import { describeLayersModel } from '../src/model/load.js';
import { loadModelFromPackage, readPackagedModel, type PackagedModel } from '../src/model/load-node.js';
import { writeOnnx } from '../src/node.js';
import { gammaBound } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { rng } from './helpers/random.js';

const h = useEngine();

/** c of the header: Σ γ over every conv's and add's sum, plus u per scale. */
function graphErrorConstant(graph: ModelGraph): number {
  let c = 0;
  for (const n of graph.nodes) {
    if (n.kind === 'conv') c += gammaBound(n.weightShape[1] * n.weightShape[2] * n.weightShape[3] + 1);
    else if (n.kind === 'add') c += gammaBound(n.inputs.length);
    else if (n.kind === 'scale') c += 2 ** -24;
  }
  return c;
}

async function ortRun(
  session: ort.InferenceSession,
  data: Float32Array,
  shape: number[],
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const y = (await session.run({ x: new ort.Tensor('float32', data, shape) })).y;
  return { data: y.data as Float32Array, dims: y.dims };
}

const cases: [PackagedModel, number][] = [
  ['default-model', 2],
  ['esrgan-slim', 4],
  ['esrgan-medium', 2],
];

describe('exportOnnx(model): ONNX Runtime == our engine within the float32 bound, any input size', () => {
  for (const [pkg, scale] of cases) {
    it(`${pkg} ×${scale} at 12×9 and 7×10 from one export`, async () => {
      const model = loadModelFromPackage(h.engine, pkg, scale);
      const session = await ort.InferenceSession.create(exportOnnx(model), { executionProviders: ['cpu'] });
      try {
        expect(session.inputNames).toEqual(['x']);
        expect(session.outputNames).toEqual(['y']);
        const tol = 2 * graphErrorConstant(model.graph) * (model.outputRange[1] - model.outputRange[0]);
        for (const [H, W] of [
          [12, 9],
          [7, 10],
        ]) {
          const [lo, hi] = model.inputRange;
          const r = rng(H * 31 + W + scale);
          const shape = [1, 3, H, W];
          const data = Float32Array.from({ length: 3 * H * W }, () => lo + (hi - lo) * r());
          const x = h.engine.tensor(data, shape);
          const y = model.run(x);
          const ours = await y.read();
          x.dispose();
          y.dispose();
          const theirs = await ortRun(session, data, shape);
          expect(theirs.dims).toEqual([1, 3, H * scale, W * scale]);
          let worst = 0;
          let at = -1;
          for (let i = 0; i < ours.length; i++) {
            const d = Math.abs(ours[i] - theirs.data[i]);
            if (!(d <= worst)) [worst, at] = [d, i];
          }
          expect(worst, `${H}×${W}: element ${at}: ours ${ours[at]}, ORT ${theirs.data[at]}, tolerance ${tol}`).toBeLessThanOrEqual(tol);
        }
      } finally {
        await session.release();
        model.dispose();
      }
    });
  }
});

/** Small integer weights and inputs: every conv, add, scale by ½, copy and crelu is exact in float32. */
function everyNodeGraph(): ModelGraph {
  const r = rng(5);
  const ints = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
  const conv = (name: string, input: string, cout: number, cin: number, k: number, o: Partial<ConvNode> = {}): ConvNode => ({
    kind: 'conv',
    name,
    inputs: [input],
    weight: ints(cout * cin * k * k, -1, 1),
    weightShape: [cout, cin, k, k],
    bias: ints(cout, -2, 2),
    stride: [1, 1],
    dilation: [1, 1],
    padding: [(k - 1) / 2, (k - 1) / 2],
    activation: 'none',
    ...o,
  });
  return {
    nodes: [
      { kind: 'input', name: 'in', inputs: [], channels: 3 },
      conv('c1', 'in', 4, 3, 3, { activation: 'crelu' }), // 8 channels
      conv('c2', 'c1', 8, 8, 3, { dilation: [2, 2], padding: [2, 2], activation: 'relu' }),
      conv('down', 'in', 8, 3, 3, { stride: [2, 2], padding: [1, 1] }),
      { kind: 'upsample', name: 'up', inputs: ['down'], size: [2, 2] },
      { kind: 'scale', name: 'half', inputs: ['c2'], factor: 0.5 },
      { kind: 'add', name: 'sum3', inputs: ['half', 'up', 'c1'] },
      { kind: 'depthToSpace', name: 'dcr', inputs: ['sum3'], r: 2, mode: 'DCR' },
      { kind: 'depthToSpace', name: 'crd', inputs: ['sum3'], r: 2, mode: 'CRD' },
      { kind: 'concat', name: 'cat', inputs: ['dcr', 'crd'] },
      { kind: 'activation', name: 'lrelu', inputs: ['cat'], fn: 'leakyRelu' },
      { kind: 'activation', name: 'tanh', inputs: ['cat'], fn: 'tanh' },
      { kind: 'activation', name: 'sig', inputs: ['cat'], fn: 'sigmoid' },
      { kind: 'activation', name: 'id', inputs: ['cat'], fn: 'none' },
      { kind: 'add', name: 'pair', inputs: ['id', 'lrelu'] },
      { kind: 'concat', name: 'out', inputs: ['pair', 'tanh', 'sig'] },
    ],
    output: 'out',
  };
}

describe('exportOnnx: every node kind means in ONNX what it means to the CPU reference', () => {
  it('conv (pads, stride 2, dilation 2), crelu, relu, leakyRelu, tanh, sigmoid, scale, 3-way add, nearest upsample, DCR and CRD, concat', async () => {
    const graph = everyNodeGraph();
    const [H, W] = [6, 8];
    const r = rng(9);
    const data = Float32Array.from({ length: 3 * H * W }, () => Math.floor(r() * 4));
    const ref = runModelGraph(graph, { data, shape: [1, 3, H, W] });
    expect(ref.shape).toEqual([1, 12, 2 * H, 2 * W]);
    const session = await ort.InferenceSession.create(exportOnnx(graph), { executionProviders: ['cpu'] });
    try {
      const y = await ortRun(session, data, [1, 3, H, W]);
      expect(y.dims).toEqual(ref.shape);
      const plane = 2 * H * 2 * W;
      for (let i = 0; i < ref.data.length; i++) {
        const c = Math.floor(i / plane);
        // Channels 0–3 are sums of exact values plus leakyRelu's 0.01·v (one rounding, ≤ 2 ulps of |v|);
        // 4–11 tanh and sigmoid of them, where ORT's vectorised approximations and libm differ by a few ulps of 1.
        const tol = c < 4 ? 2 ** -22 * Math.abs(ref.data[i]) : 2e-6;
        if (!(Math.abs(y.data[i] - ref.data[i]) <= tol))
          expect.fail(`element ${i} (channel ${c}): ORT ${y.data[i]} vs CPU reference ${ref.data[i]}`);
      }
    } finally {
      await session.release();
    }
  });

  it('a fixed size, when asked for, is enforced by ONNX Runtime; a model without a graph is an ArgumentError', async () => {
    const graph = everyNodeGraph();
    const session = await ort.InferenceSession.create(exportOnnx(graph, { size: [4, 6] }), { executionProviders: ['cpu'] });
    try {
      expect((await ortRun(session, new Float32Array(3 * 4 * 6), [1, 3, 4, 6])).dims).toEqual([1, 12, 8, 12]);
      await expect(ortRun(session, new Float32Array(3 * 6 * 6), [1, 3, 6, 6])).rejects.toThrow();
    } finally {
      await session.release();
    }
    const handWritten = { name: 'hand-written', scale: 2 };
    expect(() => exportOnnx(handWritten)).toThrow(ArgumentError);
    expect(() => exportOnnx(handWritten)).toThrow(/model 'hand-written' carries no graph/);
    expect(() => exportOnnx(graph, { size: [0, 3] })).toThrow(/size \[0,3\] must be \[height, width\]/);
  });

  it('writeOnnx writes the same bytes; a model described without an engine exports the same graph as a loaded one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onnx-export-'));
    try {
      const described = describeLayersModel(readPackagedModel('default-model', 2));
      const path = join(dir, 'default.onnx');
      await writeOnnx(described, path);
      // Buffer.equals: a deep toEqual walks a megabyte element by element.
      const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
      expect(same(readFileSync(path), exportOnnx(described))).toBe(true);
      const loaded = loadModelFromPackage(h.engine, 'default-model', 2);
      try {
        expect(same(exportOnnx(loaded), exportOnnx(described))).toBe(true);
        expect([described.scale, described.receptiveRadius, described.maxChannels, described.peakElementsPerInputPixel]).toEqual([
          loaded.scale,
          loaded.receptiveRadius,
          loaded.maxChannels,
          loaded.peakElementsPerInputPixel,
        ]);
      } finally {
        loaded.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
