/**
 * Gradients of the linear ops, each given by an op that already exists:
 *   pixelShuffle ↔ pixelUnshuffle, depthToSpace ↔ spaceToDepth (same r and mode):
 *     permutations, so the backward is the inverse, which is the transpose;
 *   add(a, b): dy for both;  mul(x, s): mul(dy, s);
 *   concat([x₀, x₁, …]): sliceChannels(dy, C₀ + … + C_{k−1}, C_k) for input k.
 * Each claim is checked three ways: central differences of the float64 CPU
 * forward (linear: no truncation error, helpers/finite-diff.ts), the adjoint
 * identity <f(x), y> = <x, fᵀ(y)> in float64 (the same products summed in another
 * order: ≤ (n + 4)·ε·Σ|terms| apart), and the GPU op against the CPU one
 * (exact: they only move data, or one correctly rounded product).
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ArgumentError } from '../src/index.js';
import { useEngine } from './helpers/engine.js';
import { expectExact } from './helpers/compare.js';
import { centralDiff, d64, expectGradClose, f64 } from './helpers/finite-diff.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();
const EPS = 2 ** -53;

function expectAdjoint(fx: ArrayLike<number>, y: ArrayLike<number>, x: ArrayLike<number>, fty: ArrayLike<number>, context: string): void {
  let lhs = 0;
  let rhs = 0;
  let abs = 0;
  for (let i = 0; i < fx.length; i++) {
    lhs += fx[i] * y[i];
    abs += Math.abs(fx[i] * y[i]);
  }
  for (let i = 0; i < x.length; i++) rhs += x[i] * fty[i];
  expect(Math.abs(lhs - rhs), `adjoint ${context}: <f(x), y> = ${lhs}, <x, fᵀ(y)> = ${rhs}`).toBeLessThanOrEqual(
    (fx.length + x.length + 4) * EPS * abs,
  );
}

async function onGpu(
  f: (...ts: ReturnType<typeof h.engine.tensor>[]) => ReturnType<typeof h.engine.tensor>,
  ...ins: CpuTensor[]
): Promise<Float32Array> {
  const ts = ins.map((t) => h.engine.tensor(Float32Array.from(t.data), t.shape));
  const y = f(...ts);
  const out = await y.read();
  y.dispose();
  ts.forEach((t) => t.dispose());
  return out;
}

type Shuffle = {
  name: string;
  forward: (x: CpuTensor) => CpuTensor;
  backward: (y: CpuTensor) => CpuTensor;
  gpuBackward: (y: ReturnType<typeof h.engine.tensor>) => ReturnType<typeof h.engine.tensor>;
  toSpace: boolean;
};

function shuffles(r: number): Shuffle[] {
  const e = () => h.engine;
  const list: Shuffle[] = [
    {
      name: 'pixelShuffle',
      toSpace: true,
      forward: (x) => cpu.pixelShuffle(x, r),
      backward: (y) => cpu.pixelUnshuffle(y, r),
      gpuBackward: (y) => e().pixelUnshuffle(y, r),
    },
    {
      name: 'pixelUnshuffle',
      toSpace: false,
      forward: (x) => cpu.pixelUnshuffle(x, r),
      backward: (y) => cpu.pixelShuffle(y, r),
      gpuBackward: (y) => e().pixelShuffle(y, r),
    },
  ];
  for (const mode of ['DCR', 'CRD'] as const) {
    list.push(
      {
        name: `depthToSpace ${mode}`,
        toSpace: true,
        forward: (x) => cpu.depthToSpace(x, r, { mode }),
        backward: (y) => cpu.spaceToDepth(y, r, { mode }),
        gpuBackward: (y) => e().spaceToDepth(y, r, { mode }),
      },
      {
        name: `spaceToDepth ${mode}`,
        toSpace: false,
        forward: (x) => cpu.spaceToDepth(x, r, { mode }),
        backward: (y) => cpu.depthToSpace(y, r, { mode }),
        gpuBackward: (y) => e().depthToSpace(y, r, { mode }),
      },
    );
  }
  return list;
}

describe('the backward of each depth-to-space op is its named inverse (same r and mode)', () => {
  it('central differences, adjoint identity and GPU == CPU, 6 random shapes × 6 ops × r ∈ {1, 2, 3}', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const rand = rng(3100 + seed);
      const r = pick(rand, [1, 2, 3]);
      const [n, c, hh, ww] = [randInt(rand, 1, 2), randInt(rand, 1, 3), randInt(rand, 1, 3), randInt(rand, 1, 4)];
      for (const op of shuffles(r)) {
        // Depth side [n, c·r², h, w], space side [n, c, h·r, w·r].
        const depth = [n, c * r * r, hh, ww];
        const space = [n, c, hh * r, ww * r];
        const [inShape, outShape] = op.toSpace ? [depth, space] : [space, depth];
        const ctx = `${op.name} r ${r} seed ${seed} input [${inShape}]`;
        const x = f64(randomTensor(inShape, rand));
        const dy = f64(randomTensor(outShape, rand));
        const dx = d64(op.backward(dy));
        expectGradClose(dx, centralDiff(op.forward, x, d64(dy), 1 / 8), ctx);
        expectAdjoint(d64(op.forward(x)), d64(dy), d64(x), dx, ctx);
        const dy32 = { data: Float32Array.from(dy.data), shape: dy.shape };
        expectExact(await onGpu(op.gpuBackward, dy32), op.backward(dy32).data, `GPU ${ctx}`);
      }
    }
  });
});

describe('add, mul and concat backward', () => {
  it('add: dy reaches both inputs unchanged; mul(x, s): mul(dy, s) (central differences, adjoint, GPU exact)', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const r = rng(3200 + seed);
      const shape = [randInt(r, 1, 2), randInt(r, 1, 4), randInt(r, 1, 5), randInt(r, 1, 5)];
      const a = f64(randomTensor(shape, r));
      const b = f64(randomTensor(shape, r));
      const dy = f64(randomTensor(shape, r));
      const s = Math.fround(pick(r, [3, -0.5, 0.1, 0]));
      const ctx = `seed ${seed} [${shape}] scalar ${s}`;
      expectGradClose(
        d64(dy),
        centralDiff((v) => cpu.add(v, b), a, d64(dy), 1 / 8),
        `add: ∂/∂a ${ctx}`,
      );
      expectGradClose(
        d64(dy),
        centralDiff((v) => cpu.add(a, v), b, d64(dy), 1 / 8),
        `add: ∂/∂b ${ctx}`,
      );
      const dx = d64(cpu.mul(dy, s));
      expectGradClose(
        dx,
        centralDiff((v) => cpu.mul(v, s), a, d64(dy), 1 / 8),
        `mul ${ctx}`,
      );
      expectAdjoint(d64(cpu.mul(a, s)), d64(dy), d64(a), dx, `mul ${ctx}`);
      const dy32 = { data: Float32Array.from(dy.data), shape };
      expectExact(await onGpu((t) => h.engine.mul(t, s), dy32), cpu.mul(dy32, s).data, `GPU mul ${ctx}`);
    }
  });

  it('concat: input k gets sliceChannels(dy, C₀ + … + C_{k−1}, C_k) (central differences, adjoint; GPU slices == CPU and re-concatenate to dy exactly)', async () => {
    const e = h.engine;
    for (let seed = 1; seed <= 8; seed++) {
      const r = rng(3300 + seed);
      const [n, hh, ww] = [randInt(r, 1, 2), randInt(r, 1, 4), randInt(r, 1, 4)];
      const channels = Array.from({ length: randInt(r, 1, 4) }, () => randInt(r, 1, 3));
      const xs = channels.map((c) => f64(randomTensor([n, c, hh, ww], r)));
      const total = channels.reduce((s, c) => s + c, 0);
      const dy = f64(randomTensor([n, total, hh, ww], r));
      const ctx = `seed ${seed} channels [${channels}] n ${n} ${hh}×${ww}`;
      let offset = 0;
      const slices: Float64Array[] = [];
      for (let k = 0; k < xs.length; k++) {
        const g = d64(cpu.sliceChannels(dy, offset, channels[k]));
        slices.push(g);
        const others = (v: CpuTensor) => cpu.concat(xs.map((x, j) => (j === k ? v : x)));
        expectGradClose(g, centralDiff(others, xs[k], d64(dy), 1 / 8), `concat input ${k} ${ctx}`);
        offset += channels[k];
      }
      const flatX = Float64Array.from(xs.flatMap((x) => Array.from(d64(x))));
      const flatG = Float64Array.from(slices.flatMap((g) => Array.from(g)));
      expectAdjoint(d64(cpu.concat(xs)), d64(dy), flatX, flatG, `concat ${ctx}`);
      // GPU: each slice exact, and concatenating the slices gives dy back.
      const dy32 = { data: Float32Array.from(dy.data), shape: dy.shape };
      const dyg = e.tensor(dy32.data, dy32.shape);
      offset = 0;
      const parts = channels.map((c) => {
        const part = e.sliceChannels(dyg, offset, c);
        offset += c;
        return part;
      });
      offset = 0;
      for (let k = 0; k < parts.length; k++) {
        expectExact(await parts[k].read(), cpu.sliceChannels(dy32, offset, channels[k]).data, `GPU sliceChannels input ${k} ${ctx}`);
        offset += channels[k];
      }
      const back = e.concat(parts);
      expectExact(await back.read(), dy32.data, `GPU concat(slices) ${ctx}`);
      [dyg, back, ...parts].forEach((t) => t.dispose());
    }
  });

  it('sliceChannels refuses a range outside the channels, naming it', () => {
    const x = h.engine.tensor(new Float32Array(12), [1, 3, 2, 2]);
    expect(() => h.engine.sliceChannels(x, 2, 2)).toThrow(
      'sliceChannels: start 2 + count 2 must be <= 3, the channels of input [1, 3, 2, 2]',
    );
    expect(() => h.engine.sliceChannels(x, -1, 2)).toThrow(ArgumentError);
    expect(() => cpu.sliceChannels(cpu.zeros([1, 3, 2, 2]), 0, 0)).toThrow('sliceChannels: count 0 must be >= 1');
    x.dispose();
  });
});
