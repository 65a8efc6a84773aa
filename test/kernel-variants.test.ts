/**
 * The kernel-variants experiment (bench/kernel-variants.ts) is only worth its numbers if its kernels
 * are right: the shared-tile conv equals engine.conv2d within the float32 summation bound on
 * shapes that are not multiples of its tiles, its f16 source is its f32 source with other types,
 * and the small run checks every variant and reports f16 as skipped where the device has none.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import {
  TILE_CONFIGS,
  collectKernelVariants,
  compileSharedTile,
  conv2dSharedTile,
  formatKernelVariants,
  fromHalfBits,
  packWeights,
  sharedTileWgsl,
  tileGeometry,
  toHalfBits,
  type ConvProblem,
  type TileConfig,
} from '../bench/kernel-variants.js';
import { useEngine } from './helpers/engine.js';
import { expectCloseSums } from './helpers/compare.js';
import { randInt, randomData, rng } from './helpers/random.js';

// 'ours' is the direct kernel: the shared-tile experiment compares direct convolutions.
const h = useEngine({ winograd: 'off' });

/** Shared-tile conv vs engine.conv2d on one problem: |Δ| ≤ 2·γ_K·Σ|w·x| + 4u|y| per output, K = Cin·k² + 1. */
async function expectSharedTileMatches(c: TileConfig, p: ConvProblem, seed: number): Promise<void> {
  const e = h.engine;
  const r = rng(seed);
  const x = randomData(p.n * p.cIn * p.h * p.w, r);
  const w = randomData(p.cOut * p.cIn * c.k * c.k, r);
  const b = randomData(p.cOut, r);
  const conv = await compileSharedTile(e.device, c);
  const got = await conv2dSharedTile(e.device, conv, p, x, w, b);
  const xs = [p.n, p.cIn, p.h, p.w];
  const ws = [p.cOut, p.cIn, c.k, c.k];
  const xT = e.tensor(x, xs);
  const wT = e.tensor(w, ws);
  const bT = e.tensor(b, [p.cOut]);
  const yT = e.conv2d(xT, wT, bT, { padding: p.pad });
  const ref = await yT.read();
  for (const t of [xT, wT, bT, yT]) t.dispose();
  const abs = (a: Float32Array) => a.map(Math.abs);
  const magnitude = cpu.conv2d(cpu.cpuTensor(abs(x), xs), cpu.cpuTensor(abs(w), ws), cpu.cpuTensor(abs(b), [p.cOut]), {
    padding: p.pad,
  }).data;
  expectCloseSums(got, ref, magnitude, p.cIn * c.k * c.k + 1, `seed ${seed} ${JSON.stringify(p)} k ${c.k} config ${JSON.stringify(c)}`);
}

describe('shared-tile conv2d (bench/kernel-variants.ts)', () => {
  it('== engine.conv2d within the float32 summation bound, every config, on shapes that are not multiples of its tiles', async () => {
    const fixed: ConvProblem = { n: 1, cIn: 5, cOut: 7, h: 13, w: 19, pad: 1 };
    for (const [name, c] of Object.entries(TILE_CONFIGS)) {
      await expectSharedTileMatches(c, fixed, 1);
      // Random sizes: up to 2×2 pixel tiles, 3 input-channel chunks and 3 channel tiles, partial last ones; batch 2, padding 0 to 2.
      for (let seed = 2; seed <= 3; seed++) {
        const r = rng(seed * 31 + name.length);
        const pad = randInt(r, 0, 2);
        const least = Math.max(1, 3 - 2 * pad); // a non-empty output
        const p: ConvProblem = {
          n: randInt(r, 1, 2),
          cIn: randInt(r, 1, 19),
          cOut: randInt(r, 1, 37),
          h: randInt(r, least, 24),
          w: randInt(r, least, 24),
          pad,
        };
        await expectSharedTileMatches(c, p, seed);
      }
    }
  });

  it('other kernel sizes and paddings: k = 1 pad 0, k = 3 pad 0', async () => {
    const c = TILE_CONFIGS.t256; // the least code to compile
    await expectSharedTileMatches({ ...c, k: 1 }, { n: 1, cIn: 9, cOut: 18, h: 17, w: 20, pad: 0 }, 7);
    await expectSharedTileMatches(c, { n: 2, cIn: 11, cOut: 5, h: 18, w: 3, pad: 0 }, 8);
  });

  it('the f16 kernels are the f32 source with other types: only the enable and alias lines differ', () => {
    for (const c of Object.values(TILE_CONFIGS)) {
      const body = (src: string) => src.replace(/^(enable|alias) .*\n/gm, '');
      const f32 = sharedTileWgsl(c);
      for (const f16 of [
        { ...c, storage: 'f16' as const },
        { ...c, storage: 'f16' as const, workgroup: 'f16' as const, accumulate: 'f16' as const },
      ]) {
        const src = sharedTileWgsl(f16);
        expect(src.startsWith('enable f16;\n')).toBe(true);
        expect(body(src)).toBe(body(f32));
      }
    }
  });

  it('f16 conversion rounds to nearest, ties to even, with subnormals, overflow and NaN', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00], // halfway to the next binade: rounds up to Inf
      [1e6, 0x7c00],
      [1 / 3, 0x3555],
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // a tie to the even zero
      [1.5 * 2 ** -25, 0x0001],
      [2 ** -14, 0x0400],
      [1 + 2 ** -11, 0x3c00], // tie: even significand
      [1 + 3 * 2 ** -11, 0x3c02], // tie: even significand
      [-0, 0x8000],
    ];
    for (const [v, bits] of cases) expect(toHalfBits(v), `${v}`).toBe(bits);
    expect(toHalfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
    // Round trip of every finite half, and the nearest-value property on random floats.
    for (let b = 0; b < 0x7c00; b++) expect(toHalfBits(fromHalfBits(b))).toBe(b);
    const r = rng(3);
    for (let i = 0; i < 2000; i++) {
      const v = (r() * 2 - 1) * 2 ** randInt(r, -26, 15);
      const got = fromHalfBits(toHalfBits(v));
      const step = Math.abs(v) < 2 ** -14 ? 2 ** -24 : 2 ** (Math.floor(Math.log2(Math.abs(v))) - 10);
      expect(Math.abs(got - v), `${v}`).toBeLessThanOrEqual(step / 2);
    }
  });

  it('packs weights [Cout, Cin, k, k] as [ci][ky][kx][co], zero-padded to ciChunk and coTile', () => {
    const c = { ...TILE_CONFIGS.t64, ciChunk: 4, coTile: 8 };
    const w = Float32Array.from({ length: 5 * 3 * 9 }, (_, i) => i + 1);
    const packed = packWeights(w, 5, 3, c);
    expect(packed.length).toBe(4 * 9 * 8);
    expect(packed[(2 * 9 + 7) * 8 + 4]).toBe(w[(4 * 3 + 2) * 9 + 7]);
    expect(packed[(3 * 9 + 0) * 8 + 0]).toBe(0);
    expect(packed[(0 * 9 + 0) * 8 + 5]).toBe(0);
  });

  it('rejects configs whose thread blocks do not divide the tile', () => {
    expect(() => tileGeometry({ ...TILE_CONFIGS.t64, pixW: 3 })).toThrow(/must divide/);
    expect(() => tileGeometry({ ...TILE_CONFIGS.t64, accumulate: 'f16' })).toThrow(/f16/);
  });

  it('the small run checks every variant against ours, and reports f16 as skipped without shader-f16', async () => {
    const report = await collectKernelVariants(h.engine, { size: 'small', reps: 2 });
    const md = formatKernelVariants(report);
    const hasF16 = h.engine.device.features.has('shader-f16');
    const shapes = [...new Set(report.results.map((v) => v.shape))];
    expect(shapes).toEqual(['8→8 @16²', '3→8 @24²']);
    for (const v of report.results) {
      expect(v.status, `${v.shape} ${v.family} ${v.config}`).toBe(v.family === 'ours' ? 'reference' : 'ok');
      expect(v.gflops, `${v.shape} ${v.family} ${v.config}`).toBeGreaterThan(0);
    }
    const tiled = report.results.filter((v) => v.family === 'shared-tile');
    expect(tiled.length).toBe(shapes.length * Object.keys(TILE_CONFIGS).length);
    for (const v of tiled) expect(v.boundRatio).toBeLessThanOrEqual(1);
    const f16 = report.results.filter((v) => v.family.startsWith('f16'));
    if (hasF16) {
      expect(f16.length).toBe(2 * tiled.length);
    } else {
      expect(f16).toEqual([]);
      expect(md).toContain(`f16 variants: skipped, this device lacks 'shader-f16'`);
    }
    expect(md).toMatch(/\| 8→8 @16² \| shared-tile \| .* \| ok \(/);
  });
});
