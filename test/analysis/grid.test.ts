/**
 * Grid alignment of a transposed convolution, from the impulse response of the
 * CPU reference, and the crop/pad that lines a decoder map up with a U-Net skip.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../../src/cpu/index.js';
import { alignSkip, convTransposeGridOffset, convTransposeOutSize, ShapeError } from '../../src/index.js';
import { randInt, rng } from '../helpers/random.js';

describe('convTransposeGridOffset', () => {
  it('k4 s2 p1: aligned with the ×2 resize grid; input centre 0.5 lands at output 1.0 (index 0.5, between outputs 0 and 1)', () => {
    const g = convTransposeGridOffset(4, 2, 1);
    expect([g.offset, g.offsetInput, g.aligned, g.landsAt(0)]).toEqual([0, 0, true, 0.5]);
  });

  it('k2 s2 p0: aligned; k3 s2 p0: +½ output px (¼ input px), input centres on output centres (0.5 ↦ 1.5)', () => {
    expect(convTransposeGridOffset(2, 2, 0).aligned).toBe(true);
    const g = convTransposeGridOffset(3, 2, 0);
    expect([g.offset, g.offsetInput, g.landsAt(0) + 0.5]).toEqual([0.5, 0.25, 1.5]);
  });

  it("k3 s2 p1 op1 (TensorFlow 'same'): −½ output px, the extra output at the end", () => {
    const g = convTransposeGridOffset(3, 2, 1, 1);
    expect([g.offset, g.offsetInput, g.extendBefore, g.extendAfter, g.aligned]).toEqual([-0.5, -0.25, -0.5, 0.5, false]);
  });

  it('landsAt(i) == centroid of the impulse response of the CPU convT (ones kernel), 200 random (k, s, p, d, op)', () => {
    const r = rng(51);
    for (let q = 0; q < 200; q++) {
      const k = randInt(r, 1, 6),
        s = randInt(r, 1, 4),
        d = randInt(r, 1, 3),
        p = randInt(r, 0, 3);
      const op = randInt(r, 0, Math.max(s, d) - 1);
      const n = 12;
      const i = randInt(r, 4, 7);
      const x = new Float32Array(n).fill(0);
      x[i] = 1;
      const y = cpu.convTranspose2d(cpu.cpuTensor(x, [1, 1, 1, n]), cpu.cpuTensor(new Float32Array(k).fill(1), [1, 1, 1, k]), null, {
        stride: [1, s],
        padding: [0, p],
        dilation: [1, d],
        outputPadding: [0, op],
      });
      let sum = 0,
        moment = 0;
      y.data.forEach((v, o) => ((sum += v), (moment += v * o)));
      const g = convTransposeGridOffset(k, s, p, op, d);
      const tag = JSON.stringify({ k, s, p, d, op, i });
      expect(sum, tag).toBe(k); // every tap inside the output
      expect(moment / sum, tag).toBeCloseTo(g.landsAt(i), 9);
      // The output spans the image of the input [0, s·n) plus extendBefore and extendAfter.
      expect(convTransposeOutSize(n, k, s, p, d, op), tag).toBe(s * n + g.extendBefore + g.extendAfter);
      expect(g.landsAt(i), tag).toBeCloseTo(s * i + (s - 1) / 2 + g.offset, 12);
    }
  });
});

describe('alignSkip', () => {
  it('the original U-Net: 56×56 decoder map, 64×64 skip: pad the decoder 4 per side, or crop the skip 4 per side', () => {
    const a = alignSkip([1, 128, 56, 56], [1, 64, 64, 64]);
    expect(a.decoder).toEqual({ top: 4, bottom: 4, left: 4, right: 4 });
    expect(a.encoder).toEqual({ top: -4, bottom: -4, left: -4, right: -4 });
  });

  it('odd sizes (a 9×7 skip, pooled to 4×3, upsampled to 8×6): the odd pixel goes to the bottom/right, as Pytorch-UNet pads', () => {
    const a = alignSkip([1, 64, 8, 6], [1, 32, 9, 7]);
    expect(a.decoder).toEqual({ top: 0, bottom: 1, left: 0, right: 1 });
    expect(a.encoder).toEqual({ top: 0, bottom: -1, left: 0, right: -1 });
    expect(alignSkip([1, 1, 5, 5], [1, 1, 8, 8]).decoder).toEqual({ top: 1, bottom: 2, left: 1, right: 2 });
  });

  it("anchor 'start': s = 4 pool of 11 rows → 2, convT k4 s4 → 8 rows, which are input rows 0…7: pad 3 at the bottom", () => {
    const a = alignSkip([1, 1, 8, 8], [1, 1, 11, 11], { anchor: 'start' });
    expect(a.decoder).toEqual({ top: 0, bottom: 3, left: 0, right: 3 });
    expect(a.encoder).toEqual({ top: 0, bottom: -3, left: 0, right: -3 });
  });

  it('a batch mismatch is a ShapeError naming both shapes', () => {
    expect(() => alignSkip([2, 1, 8, 8], [1, 1, 8, 8])).toThrow(ShapeError);
    expect(() => alignSkip([2, 1, 8, 8], [1, 1, 8, 8])).toThrow(/\[2, 1, 8, 8\].*\[1, 1, 8, 8\]/);
  });
});
