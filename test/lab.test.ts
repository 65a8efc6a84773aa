/**
 * The checkerboard lab (demo/src/lab/), small: six ×2 decoders, 8 channels,
 * 40 Adam steps each on 32² patches of assets/sample.png, same seed, on real
 * WebGPU (SwiftShader). What the theory says must show in the scores of the
 * output for a flat input (share of non-DC energy at the stride-2 frequencies):
 *
 *   flat(convT k3 s2) > flat(remedy) for the even-overlap remedies —
 *   convT k4 s2, resize-conv, conv + pixel shuffle with ICNR init —
 *
 * and (a) is the worst of all six. Orderings only: the values depend on the
 * seed and the step count.
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { markdownTable, rgbPlanes, runLab, type LabConfig, type LabResult, type LabRow } from '../demo/src/lab/lab.js';
import { flatInput, score, smoothInput } from '../demo/src/lab/score.js';
import { useEngine } from './helpers/engine.js';

const h = useEngine();
const png = PNG.sync.read(readFileSync(new URL('../assets/sample.png', import.meta.url)));
const SMALL: LabConfig = { channels: 8, patch: 32, batch: 4, steps: 40, seed: 1, lr: 1e-2, regularizer: 0.1, scoreSize: 16 };

describe('checkerboard lab: six decoders, same data, same seed', () => {
  let result: LabResult;
  const row = (id: LabRow['method']): LabRow => {
    const r = result.rows.find((x) => x.method === id);
    if (!r) throw new Error(`no row for ${id}`);
    return r;
  };

  beforeAll(async () => {
    result = await runLab(h.engine, [rgbPlanes(png.data, png.width, png.height, 4)], SMALL);
    console.log(`checkerboard lab ${JSON.stringify(SMALL)}\n${markdownTable(result.rows)}`);
  }, 600_000);

  it('trains all six: finite losses that fall, finite scores in [0, 1]', () => {
    expect(result.rows.map((r) => r.method)).toEqual([
      'convT-k3s2',
      'convT-k4s2',
      'resize-conv',
      'shuffle-icnr',
      'convT-k3s2-blur',
      'convT-k3s2-reg',
    ]);
    for (const r of result.rows) {
      const curve = result.curves[r.method];
      expect(curve.length, r.method).toBe(SMALL.steps);
      expect(Number.isFinite(r.finalLoss), `${r.method} final loss ${r.finalLoss}`).toBe(true);
      expect(Number.isFinite(r.evalMse), `${r.method} MSE on the fixed batch ${r.evalMse}`).toBe(true);
      expect(r.finalLoss, `${r.method}: final loss below the first`).toBeLessThan(curve[0].loss);
      for (const s of [r.flatScore, r.smoothScore]) {
        expect(s, `${r.method} score`).toBeGreaterThanOrEqual(0);
        expect(s, `${r.method} score`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('flat input: convT k3 s2 (uneven overlap) scores above convT k4 s2, resize-conv and pixel shuffle + ICNR', () => {
    const a = row('convT-k3s2').flatScore;
    for (const id of ['convT-k4s2', 'resize-conv', 'shuffle-icnr'] as const)
      expect(row(id).flatScore, `${id} vs convT k3 s2 (${a})`).toBeLessThan(a);
  });

  it('flat input: convT k3 s2 is the worst of all six (learnable blur and the regularizer included)', () => {
    const a = row('convT-k3s2').flatScore;
    for (const r of result.rows) if (r.method !== 'convT-k3s2') expect(r.flatScore, `${r.method} vs convT k3 s2 (${a})`).toBeLessThan(a);
  });
});

describe('the scoring inputs', () => {
  it('the flat input has no non-DC energy (score 0); the smooth ramp itself scores 3/(n² − 1) (its phase means differ by one step)', () => {
    expect(score(flatInput(3, 8), 2)).toBe(0);
    // Phase means of x + y over an even n×n grid: n − 2, n − 1, n − 1, n; Var(x + y) = (n² − 1)/6.
    expect(score(smoothInput(3, 16), 2)).toBeCloseTo(3 / 255, 10);
  });
});
