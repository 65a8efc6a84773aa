/**
 * binaryBackward: { da, db } of binary(a, b, { op }), reduced over the broadcast axes.
 *
 * Finite differences of the float64 CPU forward (helpers/finite-diff.ts), h = 2⁻¹².
 * Truncation, derived: L = Σ_i dy_i·f(a_{α(i)}, b_{β(i)}) moves with a_j through the
 * outputs that read it, so the error of ∂L/∂a_j is h²/6·Σ_{i reads a_j} |dy_i|·|∂³f/∂a³|.
 * add, sub, mul are linear in each operand (0); max and min are piecewise linear
 * (0, with the operands kept ≥ 16h apart); div: |∂³(a/b)/∂b³| = 6|a|/|b|⁴ ≤ 6·16 with
 * |b| ≥ 0.5, |a| ≤ 1 (and 0 in a); pow, with a ∈ [0.5, 2], b ∈ [−2, 2]:
 * |∂³/∂a³| = |b(b − 1)(b − 2)|·a^(b−3) ≤ 24·2⁵ and |∂³/∂b³| = a^b·|ln a|³ ≤ 4·0.7³ < 1.5.
 *
 * GPU vs CPU: each gradient element sums K terms (K = the broadcast count m; the GPU
 * in a tree of depth ≤ ⌈m / 256⌉ + 8 or a loop of m), so ≤ 2γ_{m+8}·Σ|terms|, plus each
 * term's own error: exact products for add…min; div ≤ 12u relative (WGSL's division is
 * 2.5 ULP, and two more roundings); pow's partials use pow (exp2(z) within (3 + 2|z|)
 * ULP, z = y·log2 a with log2 within 2⁻²¹ absolute) and log (2⁻²¹ absolute on [0.5, 2]):
 * ≤ |term|·(2u·(5 + 2|z|) + 2|y|·2⁻²¹ + 8u) + |dy·a^b|·2⁻²¹.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ShapeError } from '../src/core/errors.js';
import type { BinaryOp } from '../src/ops/binary.js';
import { binaryPartials, planBinaryBackward } from '../src/ops/binary-backward.js';
import { gammaBound } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { centralDiff, d64, expectGradClose, f64 } from './helpers/finite-diff.js';
import { randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();
const U = 2 ** -24;
const OPS: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow'];
const H = 2 ** -12;

/** A broadcast pair: the full shape on one side, a suffix with some axes set to 1 on the other. */
function shapes(r: () => number, big = false): [number[], number[]] {
  const rank = randInt(r, 1, 4);
  const full = Array.from({ length: rank }, (_, k) => randInt(r, 1, big && k >= rank - 2 ? 12 : 4));
  const k = randInt(r, 1, rank);
  const part = full.slice(rank - k).map((d) => (r() < 0.5 ? 1 : d));
  return r() < 0.5 ? [full, part] : [part, full];
}

/** Operands in each op's domain: |b| ≥ 0.5 for div, a ∈ [0.5, 2] and b ∈ [−2, 2] for pow. */
function operands(r: () => number, op: BinaryOp, sa: number[], sb: number[]): [CpuTensor, CpuTensor] {
  const a = randomTensor(sa, r);
  const b = randomTensor(sb, r);
  if (op === 'div') b.data.forEach((v, i) => (b.data[i] = v >= 0 ? 0.5 + v / 2 : v / 2 - 0.5));
  if (op === 'pow') {
    a.data.forEach((v, i) => (a.data[i] = 1.25 + 0.75 * v));
    b.data.forEach((v, i) => (b.data[i] = 2 * v));
  }
  return [a, b];
}

/** For max/min: every pair the output combines at least 16h apart (no kink within the difference step). */
function apart(a: CpuTensor, b: CpuTensor): boolean {
  const d = cpu.binary(a, b, { op: 'sub' }).data;
  return d.every((v) => Math.abs(v) >= 16 * H);
}

/** Per gradient element: Σ|dy·partial| and the truncation bound Σ|dy|·maxThird, by the forward's broadcast strides. */
function sums(a: CpuTensor, b: CpuTensor, dy: CpuTensor, op: BinaryOp) {
  const p = planBinaryBackward(a.shape, b.shape, dy.shape, { op });
  const third: Record<BinaryOp, [number, number]> = {
    add: [0, 0],
    sub: [0, 0],
    mul: [0, 0],
    div: [0, 96],
    max: [0, 0],
    min: [0, 0],
    pow: [768, 1.5],
  };
  const out = {
    magA: new Float64Array(a.data.length),
    magB: new Float64Array(b.data.length),
    errA: new Float64Array(a.data.length),
    errB: new Float64Array(b.data.length),
    truncA: new Float64Array(a.data.length),
    truncB: new Float64Array(b.data.length),
  };
  const [d0, d1, d2, d3] = p.out4;
  let i = 0;
  for (let i0 = 0; i0 < d0; i0++)
    for (let i1 = 0; i1 < d1; i1++)
      for (let i2 = 0; i2 < d2; i2++)
        for (let i3 = 0; i3 < d3; i3++, i++) {
          const ia = i0 * p.aStrides[0] + i1 * p.aStrides[1] + i2 * p.aStrides[2] + i3 * p.aStrides[3];
          const ib = i0 * p.bStrides[0] + i1 * p.bStrides[1] + i2 * p.bStrides[2] + i3 * p.bStrides[3];
          const [u, v, g] = [a.data[ia], b.data[ib], dy.data[i]];
          const [pa, pb] = binaryPartials(op, u, v);
          out.magA[ia] += Math.abs(g * pa);
          out.magB[ib] += Math.abs(g * pb);
          out.truncA[ia] += ((H * H) / 6) * Math.abs(g) * third[op][0];
          out.truncB[ib] += ((H * H) / 6) * Math.abs(g) * third[op][1];
          if (op === 'div') {
            out.errA[ia] += 12 * U * Math.abs(g * pa);
            out.errB[ib] += 12 * U * Math.abs(g * pb);
          } else if (op === 'pow') {
            const za = Math.abs((v - 1) * Math.log2(u));
            const zb = Math.abs(v * Math.log2(u));
            out.errA[ia] += Math.abs(g * pa) * (2 * U * (5 + 2 * za) + 2 * Math.abs(v) * 2 ** -21 + 8 * U);
            out.errB[ib] +=
              Math.abs(g * pb) * (2 * U * (5 + 2 * zb) + 2 * Math.abs(v) * 2 ** -21 + 8 * U) + Math.abs(g * u ** v) * 2 ** -21;
          }
        }
  return { ...out, m: { a: p.a.m, b: p.b.m } };
}

function expectNear(got: Float32Array, ref: Float32Array, mag: Float64Array, err: Float64Array, m: number, context: string): void {
  expect(got.length, context).toBe(ref.length);
  const g = gammaBound(m + 8);
  for (let i = 0; i < ref.length; i++) {
    const tol = 2 * g * mag[i] + err[i] + 4 * U * Math.abs(ref[i]) + 1e-30;
    if (!(Math.abs(got[i] - ref[i]) <= tol))
      expect.fail(`${context}: element ${i} gpu=${got[i]} ref=${ref[i]} |err|=${Math.abs(got[i] - ref[i])} > ${tol}`);
  }
}

describe('binaryBackward', () => {
  it('by hand: mul by a per-channel gate sums dy·x over each channel; max splits a tie ½–½', () => {
    const x = cpu.cpuTensor(Float32Array.from([1, 2, 3, 4]), [1, 2, 1, 2]);
    const gate = cpu.cpuTensor(Float32Array.from([10, 100]), [1, 2, 1, 1]);
    const dy = cpu.cpuTensor(Float32Array.from([1, 1, 1, -1]), [1, 2, 1, 2]);
    const { da, db } = cpu.binaryBackward(x, gate, dy, { op: 'mul' });
    expect(Array.from(da!.data)).toEqual([10, 10, 100, -100]);
    expect(Array.from(db!.data)).toEqual([3, -1]); // 1·1 + 1·2, 1·3 − 1·4
    const t = cpu.binaryBackward(
      cpu.cpuTensor(Float32Array.from([1, 2]), [2]),
      cpu.cpuTensor(Float32Array.from([1]), [1]),
      cpu.cpuTensor(Float32Array.from([4, 8]), [2]),
      {
        op: 'max',
      },
    );
    expect([Array.from(t.da!.data), Array.from(t.db!.data)]).toEqual([[2, 8], [2]]);
  });

  it('== central differences of the float64 forward, every op, 4 random broadcast pairs each', () => {
    const r = rng(83);
    for (const op of OPS) {
      for (let seed = 0; seed < 4; seed++) {
        const [sa, sb] = shapes(r);
        let [a, b] = operands(r, op, sa, sb);
        while ((op === 'max' || op === 'min') && !apart(a, b)) [a, b] = operands(r, op, sa, sb);
        const dy = randomTensor(cpu.binary(a, b, { op }).shape, r);
        const { da, db } = cpu.binaryBackward(f64(a), f64(b), f64(dy), { op });
        const s = sums(a, b, dy, op);
        const context = `${op} seed ${seed} [${sa}] ∘ [${sb}]`;
        const fa = centralDiff((v) => cpu.binary(v, f64(b), { op }), f64(a), d64(f64(dy)), H);
        expectGradClose(d64(da!), fa, `${context}: da`, { truncation: s.truncA, analyticMag: s.magA, k: s.m.a });
        const fb = centralDiff((v) => cpu.binary(f64(a), v, { op }), f64(b), d64(f64(dy)), H);
        expectGradClose(d64(db!), fb, `${context}: db`, { truncation: s.truncB, analyticMag: s.magB, k: s.m.b });
      }
    }
  });

  it('GPU == CPU within the derived bound, every op, direct and workgroup-tree gathers (up to 144 summed per element)', async () => {
    const r = rng(89);
    for (const op of OPS) {
      for (let seed = 0; seed < 3; seed++) {
        const [sa, sb] = shapes(r, seed >= 1);
        const [a, b] = operands(r, op, sa, sb);
        const dy = randomTensor(cpu.binary(a, b, { op }).shape, r);
        const ref = cpu.binaryBackward(a, b, dy, { op });
        const ts = [a, b, dy].map((t) => h.engine.tensor(t.data, t.shape));
        const got = h.engine.binaryBackward(ts[0], ts[1], ts[2], { op });
        const s = sums(a, b, dy, op);
        const context = `${op} seed ${seed} [${sa}] ∘ [${sb}]`;
        expectNear(await got.da!.read(), ref.da!.data, s.magA, s.errA, s.m.a, `${context}: da (m ${s.m.a})`);
        expectNear(await got.db!.read(), ref.db!.data, s.magB, s.errB, s.m.b, `${context}: db (m ${s.m.b})`);
        for (const t of [...ts, got.da!, got.db!]) t.dispose();
      }
    }
  });

  it('a [1, C, 1, 1] gate over 2 × 16×16 planes: db sums 512 per channel on the workgroup path; needs skips one', async () => {
    const r = rng(97);
    const x = randomTensor([2, 3, 16, 16], r);
    const gate = randomTensor([1, 3, 1, 1], r);
    const dy = randomTensor([2, 3, 16, 16], r);
    const ref = cpu.binaryBackward(x, gate, dy, { op: 'mul', needs: { da: false } });
    expect(ref.da).toBeNull();
    const ts = [x, gate, dy].map((t) => h.engine.tensor(t.data, t.shape));
    const got = h.engine.binaryBackward(ts[0], ts[1], ts[2], { op: 'mul', needs: { da: false } });
    expect(got.da).toBeNull();
    const s = sums(x, gate, dy, 'mul');
    expect(s.m.b).toBe(512);
    expectNear(await got.db!.read(), ref.db!.data, s.magB, s.errB, s.m.b, 'gate db');
    for (const t of [...ts, got.db!]) t.dispose();
  });

  it('refuses a dy that is not the broadcast shape, naming both', () => {
    const call = () => cpu.binaryBackward(cpu.zeros([2, 3]), cpu.zeros([3]), cpu.zeros([3, 3]), { op: 'add' });
    expect(call).toThrow(ShapeError);
    expect(call).toThrow("binaryBackward: dy [3, 3] must have the forward's output shape [2, 3]");
    expect(() => cpu.binaryBackward(cpu.zeros([2]), cpu.zeros([3]), cpu.zeros([3]), { op: 'add' })).toThrow(
      'binaryBackward: shapes [2] and [3] do not broadcast',
    );
    expect(() => cpu.binaryBackward(cpu.zeros([2]), cpu.zeros([2]), cpu.zeros([2]), { op: 'add', needs: { dx: true } } as never)).toThrow(
      "binaryBackward: unknown option 'needs.dx'",
    );
  });
});
