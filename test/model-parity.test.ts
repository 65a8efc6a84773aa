/**
 * Parity: our engine runs UpscalerJS's published models and matches
 * TensorFlow.js's own output on the same input within 1e-3 of the output range.
 */
import { describe, expect, it } from 'vitest';
import { loadModelFromPackage, type PackagedModel } from '../src/model/load-node.js';
import { useEngine } from './helpers/engine.js';
import { readPackagedModel } from './helpers/packaged-models.js';
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
        const { json, shards } = readPackagedModel(pkg, scale);
        const ref = await runTfjs(json, shards, data, shape);
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
