/**
 * The engine's `storage` option: the Winograd temporaries U (transformed weights) and V (transformed
 * input) stored as packed halves (pack2x16float / unpack2x16float, f32 arithmetic).
 *
 * Tolerance, derived: WGSL's f32 → f16 conversion may round to either neighbour, so a stored value x
 * comes back as x(1 + δ) with |δ| ≤ u₁₆ = 2⁻¹⁰ while |x| ≥ 2⁻¹⁴ (f16's smallest normal), and within
 * 2⁻²⁴ ≤ u₁₆·2⁻¹⁴ absolutely below that (subnormals; a device that flushes them loses < 2⁻¹⁴ in
 * the product, still inside the bound). So |ΔU| ≤ u₁₆(|U| + 2⁻¹⁴) and the same for V, and each product
 * of M = Σ_ci U ⊙ V moves by at most (2u₁₆ + u₁₆²)(|U| + 2⁻¹⁴)(|V| + 2⁻¹⁴). The output transform
 * Aᵀ M A carries that through |Aᵀ|·|A|: the storage error of an output is at most
 * (2u₁₆ + u₁₆²)·|Aᵀ| [Σ_ci (|G||g||G|ᵀ + 2⁻¹⁴) ⊙ (|B|ᵀ|d||B| + 2⁻¹⁴)] |A| (winogradMagnitude, test/helpers/winograd.ts), on top
 * of the float32 rounding that test/conv2d-winograd.test.ts derives (γ_K on the same magnitudes, K =
 * Cin + 4(m+2) + 8 + bias, and the direct CPU reference's own γ_{9·Cin+1}). ReLU and leaky ReLU do not
 * grow a difference. F(6,3)'s small G entries (1/90) meet its large A entries (32): that product is
 * why packed halves cost several 8-bit levels there (docs/performance.md, "Packed-f16 storage").
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { createEngine, type Engine } from '../src/index.js';
import { ArgumentError } from '../src/core/errors.js';
import type { WinogradTile } from '../shaders/conv2d-winograd.wgsl.js';
import { gammaBound } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { winogradMagnitude } from './helpers/winograd.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const U16 = 2 ** -10;
const FLOOR16 = 2 ** -14;
const U = 2 ** -24;

const f16 = {
  2: useEngine({ winograd: 'f23', storage: 'f16-packed' }),
  4: useEngine({ winograd: 'f43', storage: 'f16-packed' }),
  6: useEngine({ winograd: 'f63', storage: 'f16-packed' }),
} as const;
const f16NoSubgroups = useEngine({ winograd: 'f63', storage: 'f16-packed', subgroups: 'off' });
const f32 = useEngine({ winograd: 'f63' });

interface Case {
  x: CpuTensor;
  w: CpuTensor;
  b: CpuTensor | null;
  pad: [number, number];
  activation: 'none' | 'relu' | 'leakyRelu';
}

/** Runs the case on `e` (packed halves) and checks it against the CPU reference within the derived bound. */
async function check(e: Engine, m: WinogradTile, c: Case, context: string): Promise<Float32Array> {
  const options = { padding: c.pad, activation: c.activation };
  const ref = cpu.conv2d(c.x, c.w, c.b, options);
  const abs = (t: CpuTensor): CpuTensor => ({ data: t.data.map(Math.abs), shape: t.shape });
  const direct = cpu.conv2d(abs(c.x), abs(c.w), null, { padding: c.pad }).data;
  const rounding = winogradMagnitude(c.x, c.w, m, c.pad, 0);
  const storage = winogradMagnitude(c.x, c.w, m, c.pad, FLOOR16);
  const cIn = c.x.shape[1];
  const extra = c.b ? 1 : 0;
  const gW = gammaBound(cIn + 4 * (m + 2) + 8 + extra);
  const gD = gammaBound(9 * cIn + 1 + extra);
  const x = e.tensor(c.x.data, c.x.shape);
  const w = e.tensor(c.w.data, c.w.shape);
  const b = c.b ? e.tensor(c.b.data, c.b.shape) : null;
  const y = e.conv2d(x, w, b, options);
  const out = await y.read();
  for (const t of [x, w, b, y]) t?.dispose();
  expect(out.length, context).toBe(ref.data.length);
  const plane = ref.shape[2] * ref.shape[3];
  for (let i = 0; i < out.length; i++) {
    const bias = c.b ? Math.abs(c.b.data[Math.floor(i / plane) % ref.shape[1]]) : 0;
    const tol =
      (2 * U16 + U16 * U16) * storage[i] * (1 + gW) +
      gW * (rounding[i] + bias) +
      gD * (direct[i] + bias) +
      4 * U * Math.abs(ref.data[i]) +
      1e-30;
    const err = Math.abs(out[i] - ref.data[i]);
    if (!(err <= tol)) expect.fail(`${context}: element ${i} gpu=${out[i]} ref=${ref.data[i]} |err|=${err} > bound ${tol}`);
  }
  return out;
}

function randomCase(seed: number): Case {
  const r = rng(seed);
  const cIn = randInt(r, 1, 12);
  const cOut = randInt(r, 1, 20);
  const pad: [number, number] = [randInt(r, 0, 2), randInt(r, 0, 2)];
  const H = randInt(r, 3, 13);
  const W = randInt(r, 3, 13);
  return {
    x: randomTensor([randInt(r, 1, 2), cIn, H, W], r),
    w: randomTensor([cOut, cIn, 3, 3], r),
    b: r() < 0.7 ? randomTensor([cOut], r) : null,
    pad,
    activation: pick(r, ['none', 'relu', 'leakyRelu'] as const),
  };
}

describe("engine option storage: 'f16-packed' (Winograd U and V as packed halves)", () => {
  it("rejects an unknown storage value with an ArgumentError naming it; 'auto' and the default resolve to 'f32'", async () => {
    await expect(createEngine({ storage: 'f16' as 'f32' })).rejects.toThrow(ArgumentError);
    await expect(createEngine({ storage: 'half' as 'f32' })).rejects.toThrow(/storage 'half' must be 'f32', 'f16-packed' or 'auto'/);
    expect(f32.engine.storage).toBe('f32');
    expect(f16[6].engine.storage).toBe('f16-packed');
    const auto = await createEngine({ storage: 'auto' });
    try {
      expect(auto.storage).toBe('f32');
    } finally {
      auto.destroy();
    }
  });

  for (const m of [2, 4, 6] as const) {
    it(`F(${m},3): GPU == CPU reference within the derived f16-storage bound, random shapes, paddings, batches, epilogues`, async () => {
      for (let seed = 1; seed <= 3; seed++) {
        const c = randomCase(9100 + 10 * m + seed);
        await check(
          f16[m].engine,
          m,
          c,
          `F(${m},3) f16 seed ${seed} x ${JSON.stringify(c.x.shape)} w ${JSON.stringify(c.w.shape)} pad ${c.pad}`,
        );
      }
    });
  }

  it('F(6,3) without subgroups (the plain GEMM loop) is within the same bound and equal to the subgroup GEMM', async () => {
    const c = randomCase(9201);
    const context = `F(6,3) f16 no subgroups x ${JSON.stringify(c.x.shape)} w ${JSON.stringify(c.w.shape)}`;
    const plain = await check(f16NoSubgroups.engine, 6, c, context);
    const shared = await check(f16[6].engine, 6, c, `${context} (subgroups)`);
    expect(Array.from(plain)).toEqual(Array.from(shared));
  });

  it('no GPU buffer leaks on the packed path: the packed U goes with its weight, V and M with the call', async () => {
    const e = await createEngine({ winograd: 'f43', storage: 'f16-packed' });
    try {
      const c = randomCase(9401);
      const w = e.tensor(c.w.data, c.w.shape);
      for (let i = 0; i < 2; i++) {
        const x = e.tensor(c.x.data, c.x.shape);
        const y = e.conv2d(x, w, null, { padding: 1 });
        await y.read();
        for (const t of [x, y]) t.dispose();
      }
      // w and its cached packed U.
      expect(e.stats().liveTensors).toBe(2);
      w.dispose();
      expect(e.stats().liveTensors).toBe(0);
      await e.flush();
      e.trim();
      expect(e.stats().liveBuffers).toBe(0);
    } finally {
      e.destroy();
    }
  });

  it('the option reaches the kernels: packed halves round where f32 storage does not (outputs differ)', async () => {
    const c = randomCase(9301);
    const run = async (e: Engine) => {
      const [x, w] = [c.x, c.w].map((t) => e.tensor(t.data, t.shape));
      const y = e.conv2d(x, w, null, { padding: 1 });
      const out = await y.read();
      for (const t of [x, w, y]) t.dispose();
      return out;
    };
    const a = await run(f32.engine);
    const b = await run(f16[6].engine);
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
    expect(differ).toBeGreaterThan(0);
  });
});
