import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { Engine } from '../src/index.js';
import { useEngine } from './helpers/engine.js';
import { expectExact } from './helpers/compare.js';
import { pick, randInt, randomData, rng } from './helpers/random.js';

const h = useEngine();
const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

interface ShuffleCase {
  r: number;
  c: number;
  n: number;
  h: number;
  w: number;
  mode: 'DCR' | 'CRD';
}

/**
 * GPU == CPU reference (exactly: a shuffle is a copy) for depthToSpace on a random
 * deep [n, c·r², h, w] tensor and spaceToDepth on a random wide [n, c, h·r, w·r]
 * one; with `pytorch`, pixelShuffle and pixelUnshuffle on the same tensors too.
 */
async function expectSameAsCpu(e: Engine, rand: () => number, k: ShuffleCase, label: string, pytorch: boolean): Promise<void> {
  const { r, c, n, h, w, mode } = k;
  const deep = cpu.cpuTensor(randomData(n * c * r * r * h * w, rand), [n, c * r * r, h, w]);
  const wide = cpu.cpuTensor(randomData(n * c * r * r * h * w, rand), [n, c, h * r, w * r]);
  const ctx = `${label} r=${r} C=${c} ${h}×${w} ${mode}`;
  expectExact(
    await e.depthToSpace(e.tensor(deep.data, deep.shape), r, { mode }).read(),
    cpu.depthToSpace(deep, r, { mode }).data,
    `d2s ${ctx}`,
  );
  expectExact(
    await e.spaceToDepth(e.tensor(wide.data, wide.shape), r, { mode }).read(),
    cpu.spaceToDepth(wide, r, { mode }).data,
    `s2d ${ctx}`,
  );
  if (!pytorch) return;
  expectExact(await e.pixelShuffle(e.tensor(deep.data, deep.shape), r).read(), cpu.pixelShuffle(deep, r).data, `shuffle ${ctx}`);
  expectExact(await e.pixelUnshuffle(e.tensor(wide.data, wide.shape), r).read(), cpu.pixelUnshuffle(wide, r).data, `unshuffle ${ctx}`);
}

describe('depth-to-space family', () => {
  it('CRD (pixelShuffle) vs DCR on a hand-written 1×8×1×1 tensor, r = 2', async () => {
    const e = h.engine;
    const x = e.tensor(iota(8), [1, 8, 1, 1]);
    // C = 2 output channels. CRD: channel c reads c·4 + a·2 + b.  DCR: (a·2 + b)·2 + c.
    expect(Array.from(await e.pixelShuffle(x, 2).read())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(await e.depthToSpace(x, 2, { mode: 'CRD' }).read())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(await e.depthToSpace(x, 2).read())).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
  });

  it('DCR on 1×4×2×2, r = 2: output (2i + a, 2j + b) reads channel a·2 + b at (i, j)', async () => {
    const e = h.engine;
    const y = await e.depthToSpace(e.tensor(iota(16), [1, 4, 2, 2]), 2, { mode: 'DCR' }).read();
    // channel k holds 4k..4k+3 over (i, j); C = 1 so DCR and CRD coincide here.
    expect(Array.from(y)).toEqual([0, 4, 1, 5, 8, 12, 9, 13, 2, 6, 3, 7, 10, 14, 11, 15]);
  });

  it('pixelUnshuffle(pixelShuffle(x)) == x and spaceToDepth(depthToSpace(x)) == x (DCR)', async () => {
    const e = h.engine;
    for (const r of [2, 3, 4]) {
      const data = randomData(2 * 3 * r * r * 5 * 4, rng(r));
      const x = e.tensor(data, [2, 3 * r * r, 5, 4]);
      expectExact(await e.pixelUnshuffle(e.pixelShuffle(x, r), r).read(), data, `pixel r=${r}`);
      expectExact(await e.spaceToDepth(e.depthToSpace(x, r), r).read(), data, `DCR r=${r}`);
      expectExact(await e.spaceToDepth(e.depthToSpace(x, r, { mode: 'CRD' }), r, { mode: 'CRD' }).read(), data, `CRD r=${r}`);
    }
  });

  it('ONNX SpaceToDepth (DCR) is not the inverse of pixelShuffle (CRD) when C > 1', async () => {
    const e = h.engine;
    const data = iota(2 * 4 * 2 * 2);
    const back = await e.spaceToDepth(e.pixelShuffle(e.tensor(data, [1, 8, 2, 2]), 2), 2).read();
    expect(Array.from(back)).not.toEqual(Array.from(data));
  });

  it('GPU == CPU reference, all four ops, 30 random shapes', async () => {
    const e = h.engine;
    for (let seed = 1; seed <= 30; seed++) {
      const rand = rng(500 + seed);
      const k = {
        r: randInt(rand, 1, 4),
        c: randInt(rand, 1, 4),
        n: randInt(rand, 1, 2),
        h: randInt(rand, 1, 6),
        w: randInt(rand, 1, 6),
        mode: pick(rand, ['DCR', 'CRD'] as const),
      };
      await expectSameAsCpu(e, rand, k, `seed ${seed}`, true);
    }
  });

  it('GPU == CPU reference on the vec4 path (depth-side width a multiple of 4), r = 1 … 8 and over', async () => {
    // Widths 4, 8, 12 take the vec4 kernel (r ≤ 8); r = 9 checks the scalar fallback at such widths.
    const e = h.engine;
    for (let seed = 1; seed <= 24; seed++) {
      const rand = rng(900 + seed);
      const bs = seed <= 18 ? 1 + (seed % 8) : pick(rand, [3, 9]);
      const k = {
        r: bs,
        c: randInt(rand, 1, 3),
        n: randInt(rand, 1, 2),
        h: randInt(rand, 1, 4),
        w: 4 * randInt(rand, 1, 3),
        mode: pick(rand, ['DCR', 'CRD'] as const),
      };
      await expectSameAsCpu(e, rand, k, `seed ${seed}`, false);
    }
  });
});
