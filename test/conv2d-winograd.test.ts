/**
 * Winograd conv2d (shaders/conv2d-winograd.wgsl.ts), F(2,3), F(4,3) and F(6,3), forced with createEngine({ winograd }).
 *
 * Tolerance, derived like compare.ts's: the Winograd result is computed in float32 through the
 * weight transform (G g Gᵀ, 3 + 3 terms, with inexact constants such as 1/6), the input transform
 * (Bᵀ d B, 2·(m+2) terms), the sum over Cin and the output transform (Aᵀ M A, 2·(m+2) terms), so
 * each computed output is within γ_K·Σ|terms| of the exact value with K = Cin + 4·(m+2) + 8 (+ bias,
 * scale, residual) and Σ|terms| the same computation on absolute values everywhere:
 * |Aᵀ| [Σ_ci (|G||g||G|ᵀ) ⊙ (|B|ᵀ|d||B|)] |A| (winogradMagnitude, test/helpers/winograd.ts). The CPU reference (direct
 * summation, K = 9·Cin + 1) has its own γ_K·Σ|w·x|. A transform that grows values (F(4,3)'s 4, 5, 8
 * entries) grows Σ|terms| and hence the tolerance: that growth is the precision F(4,3) costs.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { createEngine, type Engine } from '../src/index.js';
import { ArgumentError } from '../src/core/errors.js';
import type { WinogradTile } from '../shaders/conv2d-winograd.wgsl.js';
import type { PipelineCache } from '../src/gpu/pipeline-cache.js';
import { gammaBound } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { winogradMagnitude } from './helpers/winograd.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const f23 = useEngine({ winograd: 'f23' });
const f43 = useEngine({ winograd: 'f43' });
const f63 = useEngine({ winograd: 'f63' });
const engines: Record<WinogradTile, { engine: Engine }> = { 2: f23, 4: f43, 6: f63 };

const U = 2 ** -24;

interface Case {
  x: CpuTensor;
  w: CpuTensor;
  b: CpuTensor | null;
  pad: [number, number];
  activation: 'none' | 'relu' | 'leakyRelu';
  scale?: number;
  residual?: CpuTensor;
}

/** Runs the case on the Winograd engine and checks it against the direct CPU reference within the derived bound. */
async function check(m: WinogradTile, c: Case, context: string): Promise<{ worst: number }> {
  const e = engines[m].engine;
  const options = { padding: c.pad, activation: c.activation, outputScale: c.scale };
  const ref = cpu.conv2d(c.x, c.w, c.b, { ...options, residual: c.residual });
  const abs = (t: CpuTensor): CpuTensor => ({ data: t.data.map(Math.abs), shape: t.shape });
  const direct = cpu.conv2d(abs(c.x), abs(c.w), null, { padding: c.pad }).data;
  const wino = winogradMagnitude(c.x, c.w, m, c.pad);
  const cIn = c.x.shape[1];
  const extra = (c.b ? 1 : 0) + (c.scale === undefined ? 0 : 1) + (c.residual ? 1 : 0);
  const gW = gammaBound(cIn + 4 * (m + 2) + 8 + extra);
  const gD = gammaBound(9 * cIn + 1 + extra);
  const x = e.tensor(c.x.data, c.x.shape);
  const w = e.tensor(c.w.data, c.w.shape);
  const b = c.b ? e.tensor(c.b.data, c.b.shape) : null;
  const r = c.residual ? e.tensor(c.residual.data, c.residual.shape) : null;
  const y = e.conv2d(x, w, b, { ...options, residual: r });
  const out = await y.read();
  for (const t of [x, w, b, r, y]) t?.dispose();
  expect(out.length, context).toBe(ref.data.length);
  const s = Math.abs(c.scale ?? 1);
  let worst = 0;
  for (let i = 0; i < out.length; i++) {
    const bias = c.b ? Math.abs(c.b.data[Math.floor(i / (ref.shape[2] * ref.shape[3])) % ref.shape[1]]) : 0;
    const res = c.residual ? Math.abs(c.residual.data[i]) : 0;
    const tol = s * (gW * (wino[i] + bias) + gD * (direct[i] + bias)) + 4 * U * (Math.abs(ref.data[i]) + res) + 1e-30;
    const err = Math.abs(out[i] - ref.data[i]);
    if (!(err <= tol)) expect.fail(`${context}: element ${i} gpu=${out[i]} ref=${ref.data[i]} |err|=${err} > bound ${tol}`);
    worst = Math.max(worst, err / tol);
  }
  return { worst };
}

const t = randomTensor;

describe('conv2d on the Winograd kernels', () => {
  for (const m of [2, 4, 6] as const) {
    // F(6,3)'s unrolled shaders take SwiftShader seconds to compile per epilogue variant: fewer cases.
    const cases = m === 6 ? 5 : 8;
    it(`F(${m},3): GPU == CPU reference within the derived bound, ${cases} random shapes, paddings, batches and epilogues`, async () => {
      for (let seed = 1; seed <= cases; seed++) {
        const r = rng(7100 + 10 * m + seed);
        const cIn = randInt(r, 1, 20);
        const cOut = randInt(r, 1, 36);
        const pad: [number, number] = [randInt(r, 0, 2), randInt(r, 0, 2)];
        const H = randInt(r, 3, 13);
        const W = randInt(r, 3, 13);
        const x = t([randInt(r, 1, 2), cIn, H, W], r);
        const outShape = [x.shape[0], cOut, H + 2 * pad[0] - 2, W + 2 * pad[1] - 2];
        const c: Case = {
          x,
          w: t([cOut, cIn, 3, 3], r),
          b: r() < 0.7 ? t([cOut], r) : null,
          pad,
          activation: pick(r, ['none', 'relu', 'leakyRelu'] as const),
          scale: r() < 0.3 ? pick(r, [0.5, -2]) : undefined,
          residual: r() < 0.4 ? t(outShape, r) : undefined,
        };
        await check(m, c, `F(${m},3) seed ${seed} x ${JSON.stringify(x.shape)} Cout ${cOut} pad ${pad}`);
      }
    });
  }

  it('known answers: a centre tap copies its input, a box filter of ones sums each 3×3 window', async () => {
    for (const m of [2, 4, 6] as const) {
      const e = engines[m].engine;
      const H = 7;
      const W = 9;
      const data = Float32Array.from({ length: 2 * H * W }, (_, i) => (i % 13) - 6);
      const x = e.tensor(data, [1, 2, H, W]);
      const delta = new Float32Array(2 * 2 * 9);
      delta[0 * 18 + 0 * 9 + 4] = 1; // out 0 ← in 0 centre
      delta[1 * 18 + 1 * 9 + 4] = 1; // out 1 ← in 1 centre
      const y = await e.conv2d(x, e.tensor(delta, [2, 2, 3, 3]), null, { padding: 1 }).read();
      // Every transform entry is a small integer or 1/k; with integer inputs the result is exact to within rounding.
      for (let i = 0; i < data.length; i++) expect(Math.abs(y[i] - data[i]), `F(${m},3) delta ${i}`).toBeLessThan(1e-5);
      const one = e.tensor(data.subarray(0, H * W), [1, 1, H, W]);
      const box = await e.conv2d(one, e.tensor(new Float32Array(9).fill(1), [1, 1, 3, 3]), null).read();
      expect(box.length).toBe((H - 2) * (W - 2));
      for (let oy = 0; oy < H - 2; oy++) {
        for (let ox = 0; ox < W - 2; ox++) {
          let sum = 0;
          for (let i = 0; i < 9; i++) sum += data[(oy + Math.floor(i / 3)) * W + ox + (i % 3)];
          expect(Math.abs(box[oy * (W - 2) + ox] - sum), `F(${m},3) box (${oy}, ${ox})`).toBeLessThan(1e-4);
        }
      }
    }
  });

  it('the rest of the fused epilogue (crelu, sigmoid, tanh, depth-to-space CRD and DCR) == the plain conv, then the CPU ops', async () => {
    const e = f63.engine;
    const r = rng(7301);
    const x = t([1, 6, 7, 11], r);
    const w = t([12, 6, 3, 3], r);
    const b = t([12], r);
    const [xT, wT, bT] = [x, w, b].map((c) => e.tensor(c.data, c.shape));
    const plain = e.conv2d(xT, wT, bT, { padding: 1 });
    const z = { data: await plain.read(), shape: plain.shape as number[] };
    plain.dispose();
    const cases = [
      { activation: 'crelu', depthToSpace: undefined },
      { activation: 'sigmoid', depthToSpace: { r: 2, mode: 'CRD' } },
      { activation: 'tanh', depthToSpace: { r: 2, mode: 'DCR' } },
    ] as const;
    for (const c of cases) {
      const y = e.conv2d(xT, wT, bT, { padding: 1, ...c });
      const got = await y.read();
      y.dispose();
      // The same activation and shuffle on the CPU, applied to the GPU's own plain conv: only the activation's rounding differs.
      let ref = c.activation === 'crelu' ? cpu.crelu(z) : c.activation === 'sigmoid' ? cpu.sigmoid(z) : cpu.tanh(z);
      if (c.depthToSpace) ref = cpu.depthToSpace(ref, c.depthToSpace.r, { mode: c.depthToSpace.mode });
      expect(got.length, c.activation).toBe(ref.data.length);
      for (let i = 0; i < got.length; i++) {
        expect(Math.abs(got[i] - ref.data[i]), `${c.activation} ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(ref.data[i])));
      }
    }
    [xT, wT, bT].forEach((u) => u.dispose());
  });

  it('falls back to the direct kernel (same results as a winograd-off engine) for stride 2, dilation 2, groups 2, 5×5, and a transform buffer past one binding', async () => {
    const cache = (e: Engine): string[] => (e as unknown as { cache: PipelineCache }).cache.keys();
    const winoKeys = (e: Engine) => cache(e).filter((k) => k.includes('winograd'));
    const small = await createEngine({ winograd: 'f63', maxBindingBytes: 4096 });
    const offE = await createEngine({ winograd: 'off' });
    try {
      const r = rng(7401);
      const cases: [number[], number[], Record<string, unknown>, Engine][] = [
        [[1, 8, 9, 9], [8, 8, 3, 3], { stride: 2, padding: 1 }, f63.engine],
        [[1, 8, 9, 9], [8, 8, 3, 3], { dilation: 2, padding: 2 }, f63.engine],
        [[1, 8, 9, 9], [8, 4, 3, 3], { groups: 2, padding: 1 }, f63.engine],
        [[1, 8, 9, 9], [8, 8, 5, 5], { padding: 2 }, f63.engine],
        // V alone: 64 positions × 8 channels × 8 tiles × 4 bytes = 16 KiB > 4 KiB.
        [[1, 8, 9, 9], [8, 8, 3, 3], { padding: 1 }, small],
      ];
      for (const [xs, ws, options, e] of cases) {
        const before = winoKeys(e).length;
        const x = t(xs, r);
        const w = t(ws, r);
        const run = async (eng: Engine) => {
          const [xT, wT] = [eng.tensor(x.data, x.shape), eng.tensor(w.data, w.shape)];
          const y = eng.conv2d(xT, wT, null, options);
          const out = await y.read();
          [xT, wT, y].forEach((u) => u.dispose());
          return out;
        };
        expect(await run(e), JSON.stringify(options)).toEqual(await run(offE));
        expect(winoKeys(e).length, `${JSON.stringify(options)}: compiled a Winograd pipeline`).toBe(before);
      }
    } finally {
      small.destroy();
      offE.destroy();
    }
  });

  it('the option: checked before a device is requested; engine.winograd says which', async () => {
    await expect(createEngine({ winograd: 'F43' as never })).rejects.toThrow(ArgumentError);
    await expect(createEngine({ winograd: 'F43' as never })).rejects.toThrow(/winograd 'F43' must be 'off', 'f23', 'f43', 'f63' or 'auto'/);
    expect(f43.engine.winograd).toBe('f43');
    const e = await createEngine();
    const a = await createEngine({ winograd: 'auto' });
    try {
      expect(e.winograd).toBe('off');
      // 'auto' is measured on software adapters only (the tests' SwiftShader); hardware gets 'off' until measured.
      expect(a.winograd).toBe(a.adapterInfo.software ? 'auto' : 'off');
    } finally {
      a.destroy();
      e.destroy();
    }
  });
});
