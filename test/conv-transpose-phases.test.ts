/**
 * A stride-s transposed conv as one 3×3 conv of s²·Cout channels + a CRD depth-to-space store
 * (src/kernels/conv-transpose-phases.ts), run on the Winograd kernels when the engine's `winograd`
 * option asks for them. Checked in two steps, each exact or derived:
 *  1. the rearranged weights W' built here from the definition (output o = s·q + a reads x[q + dy]
 *     through tap kk = a + p − s·dy) make a CPU conv2d + depthToSpace equal to the CPU convTranspose2d
 *     within the float32 summation bound of both;
 *  2. the engine's convTranspose2d equals, bit for bit, the same engine's conv2d on this W' with the
 *     same epilogue, so the shader's rearrangement is this one and the epilogue carries over; the
 *     Winograd kernels' own accuracy is test/conv2d-winograd.test.ts's.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import type { Engine, Tensor } from '../src/index.js';
import type { PipelineCache } from '../src/gpu/pipeline-cache.js';
import { phaseOffsets } from '../src/kernels/conv-transpose-phases.js';
import { expectExact, gammaBound } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { pick, randInt, randomData, randomTensor, rng } from './helpers/random.js';

const f63 = useEngine({ convKernel: 'direct', winograd: 'f63' });
const f23 = useEngine({ convKernel: 'direct', winograd: 'f23' });
const off = useEngine({ convKernel: 'direct', winograd: 'off' });
const keys = (e: Engine): string[] => (e as unknown as { cache: PipelineCache }).cache.keys();

/** W' [s²·Cout, Cin, K, K] (CRD channel co·s² + a·s + b) and the bias repeated per phase, from the definition. */
function phaseWeights(w: CpuTensor, b: CpuTensor | null, s: number, p: [number, number], dMin: [number, number], K: number) {
  const [cIn, cOut, kH, kW] = w.shape;
  const out = new Float32Array(s * s * cOut * cIn * K * K);
  for (let co = 0; co < cOut; co++) {
    for (let a = 0; a < s; a++) {
      for (let bb = 0; bb < s; bb++) {
        const cq = co * s * s + a * s + bb;
        for (let ci = 0; ci < cIn; ci++) {
          for (let ty = 0; ty < K; ty++) {
            for (let tx = 0; tx < K; tx++) {
              const ky = a + p[0] - s * (ty + dMin[0]);
              const kx = bb + p[1] - s * (tx + dMin[1]);
              if (ky < 0 || ky >= kH || kx < 0 || kx >= kW) continue;
              out[((cq * cIn + ci) * K + ty) * K + tx] = w.data[((ci * cOut + co) * kH + ky) * kW + kx];
            }
          }
        }
      }
    }
  }
  const bias = b
    ? { data: Float32Array.from({ length: s * s * cOut }, (_, i) => b.data[Math.floor(i / (s * s))]), shape: [s * s * cOut] }
    : null;
  return { w: { data: out, shape: [s * s * cOut, cIn, K, K] }, b: bias };
}

const abs = (t: CpuTensor): CpuTensor => ({ data: t.data.map(Math.abs), shape: t.shape });

describe('convTranspose2d as one Winograd conv of its phases', () => {
  it('phaseOffsets: 3×3 phases for k4 s2 (p1, p3), k6 s2 p2, k5 s2 p2, k8 s4 p2; 1×1 for k2 s2 p0, k3 s3 p0; none for k3 s2, k6 s3', () => {
    expect(phaseOffsets(4, 2, 1)).toEqual({ dMin: -1, span: 3 });
    expect(phaseOffsets(4, 2, 3)).toEqual({ dMin: 0, span: 3 });
    expect(phaseOffsets(6, 2, 2)).toEqual({ dMin: -1, span: 3 });
    expect(phaseOffsets(5, 2, 2)).toEqual({ dMin: -1, span: 3 });
    expect(phaseOffsets(8, 4, 2)).toEqual({ dMin: -1, span: 3 });
    expect(phaseOffsets(2, 2, 0)).toEqual({ dMin: 0, span: 1 });
    expect(phaseOffsets(3, 3, 0)).toEqual({ dMin: 0, span: 1 });
    expect(phaseOffsets(3, 2, 1)).toBeNull();
    expect(phaseOffsets(6, 3, 3)).toBeNull();
  });

  // [k, s, p]: PyTorch's k4 s2 p1, waifu2x / Real-CUGAN's k4 s2 p3, k6 s2 p2 and k8 s4 p2 (3×3 phases, on
  // Winograd); Real-CUGAN's k2 s2 p0 and k3 s3 p0 (1×1 phases, on the patch GEMM).
  const geometries: [number, number, number][] = [
    [4, 2, 1],
    [4, 2, 3],
    [6, 2, 2],
    [8, 4, 2],
    [2, 2, 0],
    [3, 3, 0],
  ];
  for (const [k, s, p] of geometries) {
    it(`k${k} s${s} p${p}: runs as its phase conv, == conv2d on the phase weights bit for bit, == the CPU convT within the summation bound`, async () => {
      const { dMin, span: taps } = phaseOffsets(k, s, p)!;
      for (const [name, holder] of [
        ['F(6,3)', f63],
        ['F(2,3)', f23],
      ] as const) {
        const e = holder.engine;
        const r = rng(9300 + 10 * k + s + p);
        for (let round = 0; round < 2; round++) {
          const cIn = randInt(r, 1, 9);
          const cOut = randInt(r, 1, 6);
          // 1×1 phases take the patch GEMM from 64 pixels (POINTWISE_MIN_TILES) on.
          const inH = randInt(r, 3, 9) + (taps === 1 ? 6 : 0);
          const inW = randInt(r, 3, 9) + (taps === 1 ? 6 : 0);
          const x = randomTensor([randInt(r, 1, 2), cIn, inH, inW], r);
          const w = randomTensor([cIn, cOut, k, k], r);
          const b = r() < 0.7 ? randomTensor([cOut], r) : null;
          const wp = phaseWeights(w, b, s, [p, p], [dMin, dMin], taps);
          const context = `${name} k${k} s${s} p${p} x [${x.shape}] Cout ${cOut}`;

          // 1. The construction against the CPU convT.
          const ref = cpu.convTranspose2d(x, w, b, { stride: s, padding: p });
          const viaPhases = cpu.depthToSpace(cpu.conv2d(x, wp.w, wp.b, { padding: -dMin }), s, { mode: 'CRD' });
          expect(viaPhases.shape, context).toEqual(ref.shape);
          const mag = cpu.convTranspose2d(abs(x), abs(w), b ? abs(b) : null, { stride: s, padding: p }).data;
          const g = gammaBound(taps * taps * cIn + 1);
          for (let i = 0; i < ref.data.length; i++) {
            if (!(Math.abs(viaPhases.data[i] - ref.data[i]) <= 2 * g * mag[i] + 1e-30)) {
              expect.fail(`${context}: element ${i} phases=${viaPhases.data[i]} convT=${ref.data[i]}`);
            }
          }

          // 2. The engine's convT against its conv2d on W', with an epilogue.
          const up = (v: CpuTensor) => e.tensor(v.data, v.shape);
          const residual = r() < 0.5 ? randomTensor(ref.shape, r) : null;
          const epilogue = {
            activation: pick(r, ['none', 'leakyRelu', 'relu'] as const),
            negativeSlope: 0.1,
            outputScale: r() < 0.5 ? 0.5 : undefined,
          };
          const made: Tensor[] = [];
          const t = (v: CpuTensor | null) => (v ? (made.push(up(v)), made.at(-1)!) : null);
          const [xt, wt, bt, wpt, bpt, rt] = [t(x), t(w), t(b), t(wp.w), t(wp.b), t(residual)];
          const before = keys(e).filter((key) => key.startsWith('convTranspose2d[')).length;
          const y = e.convTranspose2d(xt!, wt!, bt, { stride: s, padding: p, residual: rt, ...epilogue });
          expect(keys(e).filter((key) => key.startsWith('convTranspose2d[')).length, `${context}: the direct convT kernel ran`).toBe(
            before,
          );
          const z = e.conv2d(xt!, wpt!, bpt, { padding: -dMin, depthToSpace: { r: s, mode: 'CRD' }, residual: rt, ...epilogue });
          made.push(y, z);
          expect(y.shape, context).toEqual(ref.shape);
          expectExact(await y.read(), await z.read(), context);
          for (const m of made) m.dispose();
        }
        expect(
          keys(e).some((key) => key.startsWith('convT-phase-weights[')),
          name,
        ).toBe(true);
      }
    });
  }

  it('where it does not apply (k3 s2 p1 op1, groups 2, dilation 2, a per-channel PReLU) the direct convT kernel runs: == a winograd-off engine bit for bit', async () => {
    const e = f63.engine;
    const cases = [
      { w: [4, 3, 3, 3], o: { stride: 2, padding: 1, outputPadding: 1 } },
      { w: [4, 2, 4, 4], o: { stride: 2, padding: 1, groups: 2 } },
      { w: [4, 3, 4, 4], o: { stride: 2, padding: 3, dilation: 2 } },
      { w: [4, 3, 4, 4], o: { stride: 2, padding: 1 }, prelu: true },
    ];
    const ran: string[] = [];
    const runner = (e as unknown as { runner: { run: (program: { name: string }, ...rest: unknown[]) => void } }).runner;
    const run = runner.run.bind(runner);
    runner.run = (program, ...rest) => {
      ran.push(program.name);
      run(program, ...rest);
    };
    try {
      for (const c of cases) {
        const run = async (engine: Engine) => {
          const rr = rng(9401);
          const x = engine.tensor(randomData(2 * 4 * 5 * 6, rr), [2, 4, 5, 6]);
          const w = engine.tensor(
            randomData(
              c.w.reduce((a, v) => a * v, 1),
              rr,
            ),
            c.w,
          );
          const slope = c.prelu ? engine.tensor(randomData(3, rr), [3]) : null;
          const y = engine.convTranspose2d(x, w, null, { ...c.o, preluSlope: slope });
          const out = await y.read();
          for (const v of [x, w, slope, y]) v?.dispose();
          return out;
        };
        ran.length = 0;
        const got = await run(e);
        expect(ran, JSON.stringify(c.o)).toContain('convTranspose2d');
        expect(
          ran.filter((n) => n.startsWith('convT-phase') || n.includes('winograd')),
          JSON.stringify(c.o),
        ).toEqual([]);
        expectExact(got, await run(off.engine), JSON.stringify(c.o));
      }
    } finally {
      runner.run = run;
    }
  });
});
