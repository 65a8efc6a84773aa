/**
 * The analysis against the engine on real WebGPU: the explorer page's GPU
 * overlap map (convT of ones with ones) equals overlapMap2d, and a balanced
 * init keeps a constant image flat through the GPU convT.
 */
import { describe, expect, it } from 'vitest';
import { balancedConvTranspose, checkerboardReport, overlapMap2d } from '../../src/index.js';
import { constantThroughConvT, overlapMap } from '../../demo/src/explorer/compute.js';
import { useEngine } from '../helpers/engine.js';
import { randInt, rng } from '../helpers/random.js';

const h = useEngine();

describe('analysis vs the engine', () => {
  it('explorer overlap map (GPU) == overlapMap2d for 12 random (k, s, p, d, op)', async () => {
    const r = rng(61);
    for (let q = 0; q < 12; q++) {
      const k = randInt(r, 1, 5),
        s = randInt(r, 1, 4),
        d = randInt(r, 1, 2),
        p = randInt(r, 0, 1);
      const op = randInt(r, 0, Math.max(s, d) - 1);
      const n = 5;
      const got = await overlapMap(h.engine, n, { k, s, p, d, op });
      const want = overlapMap2d({ kernel: k, stride: s, padding: p, dilation: d, outputPadding: op }, n);
      const tag = JSON.stringify({ k, s, p, d, op });
      expect([got.height, got.width], tag).toEqual([want.height, want.width]);
      expect([...got.data], tag).toEqual([...want.data]);
    }
    expect(h.engine.stats().liveTensors).toBe(0);
  });

  it('balanced init: a constant image comes out flat in the interior on the GPU (k3 s2, which the report calls uneven)', async () => {
    expect(checkerboardReport({ kernel: 3, stride: 2 }).verdict).toBe('uneven');
    const w = balancedConvTranspose([1, 1, 3, 3], 2, { seed: 3 });
    const n = 8;
    const g = await constantThroughConvT(h.engine, n, { k: 3, s: 2, p: 0, d: 1, op: 0 }, w);
    const inner: number[] = [];
    for (let i = 2; i <= 14; i++) for (let j = 2; j <= 14; j++) inner.push(g.data[i * g.width + j]);
    expect(Math.max(...inner) - Math.min(...inner)).toBeLessThan(1e-5);
  });
});
