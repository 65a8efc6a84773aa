/**
 * binary(a, b, { op }) with NumPy broadcasting. add, sub, mul, max and min are
 * one correctly rounded float32 operation on both sides, so GPU == CPU exactly
 * (the CPU rounds the float64 result of float32 inputs once, which is the
 * correctly rounded float32 result). div: WGSL allows 2.5 ULP (≤ 5u relative,
 * u = 2⁻²⁴). pow: WGSL's pow is exp2(y·log2 x); exp2(z) is within (3 + 2|z|)
 * ULP, and log2 within 3 ULP (absolute 2⁻²¹ for x in [0.5, 2]), which y scales
 * into z: relative error ≤ ln2·|y|·(3·2u·|log2 x| + 2⁻²¹) + 2u·(3 + 2|z|) + 2u.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ArgumentError, ShapeError } from '../src/core/errors.js';
import { BINARY_OPS, type BinaryOp } from '../src/ops/binary.js';
import { expectExact } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();
const U = 2 ** -24;

async function gpuBinary(a: CpuTensor, b: CpuTensor, op: BinaryOp): Promise<{ data: Float32Array; shape: number[] }> {
  const ga = h.engine.tensor(a.data, a.shape);
  const gb = h.engine.tensor(b.data, b.shape);
  const y = h.engine.binary(ga, gb, { op });
  try {
    return { data: await y.read(), shape: [...y.shape] };
  } finally {
    for (const t of [ga, gb, y]) t.dispose();
  }
}

/** |gpu − ref| within the op's bound (see the header), exact for the correctly rounded ops. */
function expectOp(op: BinaryOp, got: Float32Array, ref: Float32Array, a: Float32Array, b: Float32Array, context: string): void {
  if (op !== 'div' && op !== 'pow') return expectExact(got, ref, context);
  expect(got.length, context).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    if (got[i] === ref[i]) continue; // includes ±Infinity, and x⁰ = 1 and 0^y, where the bound below is NaN
    let rel = 5 * U + 2 * U;
    if (op === 'pow') {
      const z = b[i] * Math.log2(Math.abs(a[i]));
      rel = Math.LN2 * Math.abs(b[i]) * (6 * U * Math.abs(Math.log2(Math.abs(a[i]))) + 2 ** -21) + 2 * U * (3 + 2 * Math.abs(z)) + 4 * U;
    }
    const tol = rel * Math.abs(ref[i]) + 2 ** -126;
    if (Number.isNaN(ref[i]) ? !Number.isNaN(got[i]) : !(Math.abs(got[i] - ref[i]) <= tol)) {
      expect.fail(`${context}: element ${i} (a ${a[i]}, b ${b[i]}) gpu=${got[i]} ref=${ref[i]} > tol ${tol}`);
    }
  }
}

/** The operands of each output element (for messages and the pow bound), by broadcasting with the CPU reference itself. */
function operands(a: CpuTensor, b: CpuTensor): [Float32Array, Float32Array] {
  const zeroB = { data: new Float32Array(b.data.length), shape: b.shape };
  const zeroA = { data: new Float32Array(a.data.length), shape: a.shape };
  return [cpu.binary(a, zeroB, { op: 'add' }).data, cpu.binary(zeroA, b, { op: 'add' }).data];
}

describe('binary', () => {
  it('the zoo shapes by hand: [1,2,1,2] ∘ [1,2,1,1] per channel, ∘ [1] scalar, [2,1,1] ∘ [1,2,1,2] reversed', async () => {
    const x = cpu.cpuTensor(Float32Array.from([1, 2, 3, 4]), [1, 2, 1, 2]);
    const gate = cpu.cpuTensor(Float32Array.from([10, 100]), [1, 2, 1, 1]);
    const s = cpu.cpuTensor(Float32Array.from([2]), [1]);
    const perC = cpu.cpuTensor(Float32Array.from([-1, 1]), [2, 1, 1]);
    const cases: [CpuTensor, CpuTensor, BinaryOp, number[], number[]][] = [
      [x, gate, 'mul', [10, 20, 300, 400], [1, 2, 1, 2]],
      [x, s, 'sub', [-1, 0, 1, 2], [1, 2, 1, 2]],
      [s, x, 'div', [2, 1, 2 / 3, 0.5], [1, 2, 1, 2]],
      [perC, x, 'max', [1, 2, 3, 4], [1, 2, 1, 2]],
      [x, perC, 'min', [-1, -1, 1, 1], [1, 2, 1, 2]],
      [x, s, 'pow', [1, 4, 9, 16], [1, 2, 1, 2]],
      [
        cpu.cpuTensor(Float32Array.from([1, 2]), [2, 1]),
        cpu.cpuTensor(Float32Array.from([10, 20, 30]), [3]),
        'add',
        [11, 21, 31, 12, 22, 32],
        [2, 3],
      ],
    ];
    for (const [a, b, op, want, shape] of cases) {
      const ref = cpu.binary(a, b, { op });
      expect(ref.shape, op).toEqual(shape);
      expect(Array.from(ref.data), op).toEqual(Array.from(Float32Array.from(want)));
      const g = await gpuBinary(a, b, op);
      expect(g.shape, op).toEqual(shape);
      expectOp(op, g.data, ref.data, ...operands(a, b), `${op} [${a.shape}] ∘ [${b.shape}]`);
    }
  });

  it('pow follows Math.pow: x⁰ = 1, 0^y, negative bases with integer exponents, NaN for fractional ones', async () => {
    const a = cpu.cpuTensor(Float32Array.from([0, 0, 0, -2, -2, -2, 5, -8]), [8]);
    const b = cpu.cpuTensor(Float32Array.from([0, 2, -1, 3, 2, 0.5, 0, -1]), [8]);
    const ref = cpu.binary(a, b, { op: 'pow' });
    expect(Array.from(ref.data)).toEqual([1, 0, Infinity, -8, 4, NaN, 1, -0.125]);
    const g = await gpuBinary(a, b, 'pow');
    expectOp('pow', g.data, ref.data, a.data, b.data, 'pow specials');
    expect(g.data[2]).toBe(Infinity);
  });

  it('GPU == CPU on 40 random broadcast pairs of ranks 1–4, every op, either side broadcast; a new shape compiles nothing', async () => {
    const r = rng(47);
    const seen = new Set<BinaryOp>();
    let pipelinesAfterAllOps = -1;
    for (let seed = 0; seed < 40; seed++) {
      const op = seed < BINARY_OPS.length ? BINARY_OPS[seed] : pick(r, BINARY_OPS);
      const rank = randInt(r, 1, 4);
      const full = Array.from({ length: rank }, () => randInt(r, 1, 5));
      // Each operand: a suffix of the full shape with some axes set to 1.
      const operand = () => {
        const k = randInt(r, 1, rank);
        return full.slice(rank - k).map((d) => (r() < 0.4 ? 1 : d));
      };
      const [sa, sb] = r() < 0.5 ? [full, operand()] : [operand(), full];
      const a = randomTensor(sa, r);
      const b = randomTensor(sb, r);
      if (op === 'pow') {
        // Positive bases away from 0, and exponents that are integers half of the time (negative bases then too).
        for (let i = 0; i < a.data.length; i++) a.data[i] = (0.2 + 1.8 * Math.abs(a.data[i])) * (r() < 0.3 ? -1 : 1);
        for (let i = 0; i < b.data.length; i++) b.data[i] = r() < 0.5 ? Math.round(b.data[i] * 3) : b.data[i] * 3;
      }
      if (op === 'div') for (let i = 0; i < b.data.length; i++) b.data[i] = b.data[i] >= 0 ? b.data[i] + 0.1 : b.data[i] - 0.1;
      const ref = cpu.binary(a, b, { op });
      const g = await gpuBinary(a, b, op);
      expect(g.shape).toEqual(ref.shape);
      expectOp(op, g.data, ref.data, ...operands(a, b), `seed ${seed} ${op} [${sa}] ∘ [${sb}]`);
      seen.add(op);
      if (seen.size === BINARY_OPS.length && pipelinesAfterAllOps < 0) pipelinesAfterAllOps = h.engine.stats().pipelines;
    }
    expect(h.engine.stats().pipelines).toBe(pipelinesAfterAllOps);
  });

  it('shapes that do not broadcast are a ShapeError naming both; a bad op or rank is refused', async () => {
    const call =
      (sa: number[], sb: number[], o: unknown = { op: 'add' }) =>
      () =>
        cpu.binary(cpu.zeros(sa), cpu.zeros(sb), o as never);
    expect(call([1, 3, 4, 4], [1, 2, 1, 1])).toThrow(ShapeError);
    expect(call([1, 3, 4, 4], [1, 2, 1, 1])).toThrow(
      'binary: shapes [1, 3, 4, 4] and [1, 2, 1, 1] do not broadcast: axis -3 (from the right) has sizes 3 and 2',
    );
    expect(call([4], [3])).toThrow('binary: shapes [4] and [3] do not broadcast');
    expect(call([1, 1, 1, 1, 2], [2])).toThrow('binary: a shape [1, 1, 1, 1, 2] must have rank 1 to 4');
    expect(call([2], [2], { op: 'mod' })).toThrow(ArgumentError);
    expect(call([2], [2], { op: 'mod' })).toThrow(/^binary: op "mod" must be one of 'add'/);
    expect(call([2], [2], {})).toThrow(/^binary: op undefined must be one of/);
    const a = h.engine.tensor(new Float32Array(12), [1, 3, 2, 2]);
    const b = h.engine.tensor(new Float32Array(2), [2, 1, 1]);
    const before = h.engine.stats().dispatches;
    expect(() => h.engine.binary(a, b, { op: 'mul' })).toThrow('binary: shapes [1, 3, 2, 2] and [2, 1, 1] do not broadcast');
    expect(h.engine.stats().dispatches).toBe(before);
    a.dispose();
    b.dispose();
  });
});
