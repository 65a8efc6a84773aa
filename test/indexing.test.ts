/**
 * Index maths written once (src/core/indexing.ts, the channel map in
 * src/ops/depth-to-space.ts): the CPU twins and the WGSL they emit must agree,
 * so every element's coordinates are decomposed on the GPU by a tiny compute
 * shader built from the emitted code and compared with the CPU functions.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { depthChannel, depthChannelCoords, wgslDepthChannel, type DepthToSpaceMode } from '../src/ops/depth-to-space.js';
import { ravel, unravel, wgslRavel, wgslUnravel, type IndexDim } from '../src/core/indexing.js';
import type { KernelContext } from '../src/kernels/context.js';
import type { Params } from '../src/gpu/program.js';
import { useEngine } from './helpers/engine.js';
import { expectExact } from './helpers/compare.js';
import { randInt, randomData, rng } from './helpers/random.js';

const h = useEngine();
// The engine's kernel context: no engine method runs an arbitrary program, so the test reaches the
// internal one, as a kernel dispatch function would.
const kctx = (): KernelContext => (h.engine as unknown as { ctx: KernelContext }).ctx;

/** Runs `body` (WGSL statements that write `slots` f32 values per thread via out(k, v)) over `threads` threads. */
async function runProbe(variant: string, params: Params, threads: number, slots: number, pre: string, body: string): Promise<Float32Array> {
  const ctx = kctx();
  const y = ctx.alloc([threads * slots]);
  try {
    ctx.runner.run(
      {
        name: 'index-probe',
        variant,
        workgroupSize: 64,
        entry: 'element',
        body: () => `${pre}
fn element(idx: u32) {
  let base = idx * ${slots}u;
${body}
}
`,
      },
      params,
      [{ name: 'y', tensor: y, write: true }],
      threads,
    );
    return await y.read();
  } finally {
    y.dispose();
  }
}

describe('index helpers: unravel / ravel and their WGSL twins', () => {
  it('CPU: unravel(23, [4, 3]) = [3, 2, 1], ravel inverts unravel, the outermost coordinate is unbounded', () => {
    expect(unravel(23, [4, 3])).toEqual([3, 2, 1]);
    expect(ravel([3, 2, 1], [4, 3])).toBe(23);
    expect(unravel(7, [])).toEqual([7]);
    expect(unravel(100, [5])).toEqual([0, 20]);
    const r = rng(5);
    for (let k = 0; k < 200; k++) {
      const sizes = Array.from({ length: randInt(r, 0, 5) }, () => randInt(r, 1, 9));
      const i = randInt(r, 0, 10_000);
      expect(ravel(unravel(i, sizes), sizes), `${i} over ${sizes}`).toBe(i);
    }
  });

  it('WGSL text: one division per dim, Horner ravel, expressions parenthesised', () => {
    expect(
      wgslUnravel(
        'idx',
        [
          ['x', 'params.w'],
          ['y', 'H'],
        ],
        'n',
        'rest',
        '',
      ),
    ).toBe('let rest1 = idx / params.w; let x = idx - rest1 * params.w;\nlet n = rest1 / H; let y = rest1 - n * H;');
    expect(
      wgslRavel(
        [
          ['x', 'W'],
          ['y', 'H'],
          ['c', 'C'],
        ],
        'n',
      ),
    ).toBe('((n * C + c) * H + y) * W + x');
    expect(wgslRavel([['x', 'a * b']], 'n')).toBe('n * (a * b) + x');
  });

  it('GPU == CPU: every element of 24 random shapes decomposes to the same coordinates and ravels back', async () => {
    const r = rng(11);
    for (let seed = 0; seed < 24; seed++) {
      const d = randInt(r, 1, 5);
      const sizes = Array.from({ length: d }, () => randInt(r, 1, 7));
      const outer = randInt(r, 1, 3);
      const total = sizes.reduce((a, b) => a * b, outer);
      // Sizes as uniform fields, except dim 0 given as a WGSL expression of two fields (s0·1 + 0).
      const params: Params = {};
      sizes.forEach((s, k) => (params[`s${k}`] = ['u32', s]));
      params.one = ['u32', 1];
      const dims: IndexDim[] = sizes.map((_, k) => [`c${k}`, k === 0 ? 'params.s0 * params.one' : `params.s${k}`]);
      const slots = d + 2;
      const body = [
        wgslUnravel('idx', dims, 'outer'),
        ...dims.map(([name], k) => `  y_st(base + ${k}u, f32(${name}));`),
        `  y_st(base + ${d}u, f32(outer));`,
        `  y_st(base + ${d + 1}u, f32(${wgslRavel(dims, 'outer')}));`,
      ].join('\n');
      const gpu = await runProbe(`unravel-${d}`, params, total, slots, '', body);
      const ref = new Float32Array(total * slots);
      for (let i = 0; i < total; i++) {
        const c = unravel(i, sizes);
        ref.set([...c, ravel(c, sizes)], i * slots);
      }
      expectExact(gpu, ref, `seed ${seed}: sizes ${JSON.stringify(sizes)} (innermost first), outer ${outer}`);
    }
  });
});

describe('depth-to-space channel map: one TS function, one WGSL twin', () => {
  it('known answers: CRD ch = c·r² + a·r + b, DCR ch = (a·r + b)·C + c', () => {
    expect(depthChannel('CRD', 1, 0, 1, 2, 2)).toBe(5);
    expect(depthChannel('DCR', 1, 0, 1, 2, 2)).toBe(3);
    expect(depthChannel('CRD', 2, 1, 2, 3, 3)).toBe(2 * 9 + 3 + 2);
    expect(depthChannel('DCR', 2, 1, 2, 3, 3)).toBe((1 * 3 + 2) * 3 + 2);
    expect(depthChannelCoords('DCR', 17, 3, 3)).toEqual([2, 1, 2]);
  });

  it('is a bijection of [0, C·r²) for both modes, and depthChannelCoords is its inverse', () => {
    for (const mode of ['CRD', 'DCR'] as const)
      for (let C = 1; C <= 5; C++)
        for (let r = 1; r <= 4; r++) {
          const seen = new Set<number>();
          for (let c = 0; c < C; c++)
            for (let a = 0; a < r; a++)
              for (let b = 0; b < r; b++) {
                const ch = depthChannel(mode, c, a, b, C, r);
                expect(depthChannelCoords(mode, ch, C, r), `${mode} C=${C} r=${r} (${c}, ${a}, ${b})`).toEqual([c, a, b]);
                seen.add(ch);
              }
          expect(seen.size, `${mode} C=${C} r=${r}`).toBe(C * r * r);
          expect(Math.max(...seen)).toBe(C * r * r - 1);
        }
  });

  it('the WGSL depthChannel / depthChannelCoords equal the TS map on a sweep of C = 1…6, r = 1…5', async () => {
    for (const mode of ['CRD', 'DCR'] as DepthToSpaceMode[])
      for (let C = 1; C <= 6; C++)
        for (let r = 1; r <= 5; r++) {
          const n = C * r * r;
          // Thread ch: coords of ch, then depthChannel of the (c, a, b) = unravel(ch over [r, r]) in CRD digit order.
          const body = `
  let cab = depthChannelCoords(idx, params.C, params.r);
  y_st(base, f32(cab.x)); y_st(base + 1u, f32(cab.y)); y_st(base + 2u, f32(cab.z));
  let b = idx % params.r; let a = (idx / params.r) % params.r; let c = idx / (params.r * params.r);
  y_st(base + 3u, f32(depthChannel(c, a, b, params.C, params.r)));`;
          const gpu = await runProbe(`d2s-map-${mode}`, { C: ['u32', C], r: ['u32', r] }, n, 4, wgslDepthChannel(mode), body);
          const ref = new Float32Array(n * 4);
          for (let ch = 0; ch < n; ch++) {
            ref.set(
              [...depthChannelCoords(mode, ch, C, r), depthChannel(mode, Math.floor(ch / (r * r)), Math.floor(ch / r) % r, ch % r, C, r)],
              ch * 4,
            );
          }
          expectExact(gpu, ref, `${mode} C=${C} r=${r}`);
        }
  });

  it('DCR and CRD are inverse-consistent with spaceToDepth: s2d(d2s(x)) = x and d2s(s2d(y)) = y, CPU and GPU', async () => {
    const e = h.engine;
    const r = rng(21);
    for (const mode of ['CRD', 'DCR'] as const)
      for (const bs of [1, 2, 3]) {
        const C = randInt(r, 1, 3);
        const deep = cpu.cpuTensor(randomData(2 * C * bs * bs * 3 * 5, r), [2, C * bs * bs, 3, 5]);
        const wide = cpu.cpuTensor(randomData(2 * C * bs * bs * 3 * 5, r), [2, C, 3 * bs, 5 * bs]);
        const ctx = `${mode} r=${bs} C=${C}`;
        expectExact(cpu.spaceToDepth(cpu.depthToSpace(deep, bs, { mode }), bs, { mode }).data, deep.data, `cpu s2d∘d2s ${ctx}`);
        expectExact(cpu.depthToSpace(cpu.spaceToDepth(wide, bs, { mode }), bs, { mode }).data, wide.data, `cpu d2s∘s2d ${ctx}`);
        const gd = e.tensor(deep.data, deep.shape);
        const gw = e.tensor(wide.data, wide.shape);
        expectExact(await e.spaceToDepth(e.depthToSpace(gd, bs, { mode }), bs, { mode }).read(), deep.data, `gpu s2d∘d2s ${ctx}`);
        expectExact(await e.depthToSpace(e.spaceToDepth(gw, bs, { mode }), bs, { mode }).read(), wide.data, `gpu d2s∘s2d ${ctx}`);
      }
  });
});
