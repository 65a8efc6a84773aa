/**
 * Parity: our engine runs UpscalerJS's published models and matches
 * TensorFlow.js's own output on the same input within 1e-3 of the output range.
 */
import { describe, expect, it } from 'vitest';
import { runModelGraph } from '../src/cpu/index.js';
import { parseLayersModel } from '../src/model/index.js';
import { loadModelFromPackage, readPackagedModel, type PackagedModel } from '../src/model/load-node.js';
import { graphOnnxModel } from '../bench/onnx-models.js';
import { useEngine } from './helpers/engine.js';
import { runOnnxModel } from './helpers/onnx.js';
import { rng } from './helpers/random.js';
import { runTfjs } from './helpers/tfjs-reference.js';

const h = useEngine();

const cases: [PackagedModel, number, number][] = [
  ['default-model', 2, 12],
  ['esrgan-slim', 2, 12],
  ['esrgan-slim', 3, 10],
  ['esrgan-slim', 4, 9],
  ['esrgan-slim', 8, 6],
  ['esrgan-medium', 2, 10],
  ['esrgan-medium', 4, 8],
  ['esrgan-thick', 2, 8],
];

describe('UpscalerJS models: our output == TensorFlow.js output', () => {
  for (const [pkg, scale, size] of cases) {
    it(`${pkg} ×${scale} on a ${size}×${size} input`, async () => {
      const e = h.engine;
      const model = loadModelFromPackage(e, pkg, scale);
      try {
        expect(model.scale).toBe(scale);
        const [lo, hi] = model.inputRange;
        const r = rng(scale * 100 + size);
        const shape = [1, 3, size, size];
        const data = Float32Array.from({ length: 3 * size * size }, () => lo + (hi - lo) * r());
        const x = e.tensor(data, shape);
        const y = model.run(x);
        expect(y.shape).toEqual([1, 3, size * scale, size * scale]);
        const ours = await y.read();
        y.dispose();
        // Liveness: a second run leaves exactly what the first left (input, weights, their packed copies).
        const before = e.stats().liveTensors;
        model.run(x).dispose();
        expect(e.stats().liveTensors).toBe(before);
        x.dispose();
        const { modelJson, weightShards } = readPackagedModel(pkg, scale);
        const ref = await runTfjs(modelJson, weightShards, data, shape);
        const range = model.outputRange[1] - model.outputRange[0];
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ours[i] - ref[i]));
        expect(worst / range, `max |ours − tfjs| = ${worst} on an output range of ${range}`).toBeLessThan(1e-3);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('the fused GPU plan == the plain CPU interpretation of the graph', () => {
  // runModelGraph runs every node as written (no fusion); the engine folds
  // activation, scale, depth-to-space and the residual add into conv epilogues.
  for (const [pkg, scale, size] of [
    ['default-model', 2, 10],
    ['esrgan-slim', 4, 7],
    ['esrgan-thick', 2, 6],
  ] as const) {
    it(`${pkg} ×${scale} on a ${size}×${size} input`, async () => {
      const src = readPackagedModel(pkg, scale);
      const model = loadModelFromPackage(h.engine, pkg, scale);
      try {
        const [lo, hi] = model.inputRange;
        const r = rng(size * 7 + scale);
        const data = Float32Array.from({ length: 3 * size * size }, () => lo + (hi - lo) * r());
        const x = h.engine.tensor(data, [1, 3, size, size]);
        const y = model.run(x);
        const ours = await y.read();
        y.dispose();
        x.dispose();
        const ref = runModelGraph(parseLayersModel(src.modelJson, src.weightShards), { data, shape: [1, 3, size, size] });
        expect(ref.shape).toEqual([1, 3, size * scale, size * scale]);
        const range = hi - lo;
        let worst = 0;
        for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(ours[i] - ref.data[i]));
        // Same f32 maths in a different order (fused epilogues, vec4 accumulation): rounding only.
        expect(worst / range, `max |GPU − CPU| = ${worst} on a range of ${range}`).toBeLessThan(1e-4);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('the benchmark ONNX export of a model == our engine (so ORT anchors run the same network)', () => {
  for (const [pkg, scale, size] of [
    ['default-model', 2, 9],
    ['esrgan-slim', 3, 7],
  ] as const) {
    it(`${pkg} ×${scale} through onnxruntime-node`, async () => {
      const src = readPackagedModel(pkg, scale);
      const model = loadModelFromPackage(h.engine, pkg, scale);
      try {
        const r = rng(size * 13 + scale);
        const data = Float32Array.from({ length: 3 * size * size }, () => 255 * r());
        const x = h.engine.tensor(data, [1, 3, size, size]);
        const y = model.run(x);
        const ours = await y.read();
        y.dispose();
        x.dispose();
        const bytes = graphOnnxModel(parseLayersModel(src.modelJson, src.weightShards), size, size);
        const ref = (await runOnnxModel(bytes, { x: { data, shape: [1, 3, size, size] } })).y;
        expect(ref.shape).toEqual([1, 3, size * scale, size * scale]);
        let worst = 0;
        for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(ours[i] - ref.data[i]));
        expect(worst / 255, `max |ours − ORT| = ${worst}`).toBeLessThan(1e-4);
      } finally {
        model.dispose();
      }
    });
  }
});
