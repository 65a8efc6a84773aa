/**
 * The FLOP counter's valid-tap count against its definition: with an all-ones
 * input and an all-ones 1→1 kernel, every output of the CPU reference is the
 * number of taps that reached it from a real input element, so the sum of the
 * output is the number of valid (output, tap) pairs.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { convOutSize, convTransposeOutSize } from '../src/index.js';
import { conv2dWork, convTranspose2dWork, dataMovementBytes } from '../src/ops/flops.js';
import { randInt, rng } from './helpers/random.js';

function ones(shape: number[]): cpu.CpuTensor {
  return cpu.cpuTensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape);
}

function sum(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

describe('flops: valid (output, tap) pairs', () => {
  it('convTranspose2d: count == Σ convT(ones, ones) on 60 random stride/padding/dilation/outputPadding cases', () => {
    let checked = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const k: [number, number] = [randInt(r, 1, 5), randInt(r, 1, 5)];
      const s: [number, number] = [randInt(r, 1, 4), randInt(r, 1, 4)];
      const d: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 2)];
      const p: [number, number] = [randInt(r, 0, 3), randInt(r, 0, 3)];
      const op: [number, number] = [randInt(r, 0, Math.max(s[0], d[0]) - 1), randInt(r, 0, Math.max(s[1], d[1]) - 1)];
      const H = randInt(r, 1, 6);
      const W = randInt(r, 1, 6);
      if (convTransposeOutSize(H, k[0], s[0], p[0], d[0], op[0]) < 1 || convTransposeOutSize(W, k[1], s[1], p[1], d[1], op[1]) < 1)
        continue;
      const options = { stride: s, padding: p, dilation: d, outputPadding: op };
      const y = cpu.convTranspose2d(ones([1, 1, H, W]), ones([1, 1, k[0], k[1]]), null, options);
      const work = convTranspose2dWork([1, 1, H, W], [1, 1, k[0], k[1]], options);
      expect(work.validTaps, `seed ${seed} ${JSON.stringify({ H, W, k, ...options })}`).toBe(sum(y.data));
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('conv2d: count == Σ conv(ones, ones), padding taps excluded, on 60 random cases', () => {
    let checked = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(1000 + seed);
      const k: [number, number] = [randInt(r, 1, 5), randInt(r, 1, 5)];
      const s: [number, number] = [randInt(r, 1, 3), randInt(r, 1, 3)];
      const d: [number, number] = [randInt(r, 1, 2), randInt(r, 1, 2)];
      const p: [number, number] = [randInt(r, 0, 3), randInt(r, 0, 3)];
      const H = randInt(r, 1, 8);
      const W = randInt(r, 1, 8);
      if (convOutSize(H, k[0], s[0], p[0], d[0]) < 1 || convOutSize(W, k[1], s[1], p[1], d[1]) < 1) continue;
      const options = { stride: s, padding: p, dilation: d };
      const y = cpu.conv2d(ones([1, 1, H, W]), ones([1, 1, k[0], k[1]]), null, options);
      const work = conv2dWork([1, 1, H, W], [1, 1, k[0], k[1]], options);
      expect(work.validTaps, `seed ${seed} ${JSON.stringify({ H, W, k, ...options })}`).toBe(sum(y.data));
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('FLOPs = 2·N·Cout·(Cin/g)·validTaps; k4 s2 p1 skips the taps a zero-inserting convT would multiply', () => {
    // 8 → 16 per axis: each output is reached by 2 of the 4 taps (its stride phase),
    // except the first and last output, whose second tap would read input −1 or 8.
    const w = convTranspose2dWork([2, 6, 8, 8], [6, 4, 4, 4], { stride: 2, padding: 1, groups: 2 });
    const axis = 2 * 16 - 2; // 16 outputs × 2 taps, minus the first and last output's missing tap
    expect(w.validTaps).toBe(axis * axis);
    expect(w.flops).toBe(2 * 2 * 8 * 3 * axis * axis);
    expect(dataMovementBytes([1, 12, 5, 5])).toBe(2 * 4 * 300);
  });
});
