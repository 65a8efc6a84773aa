import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ArgumentError, ShapeError, type Engine, type Tensor } from '../src/index.js';
import { convOutSize } from '../src/ops/conv2d.js';
import { convTransposeOutSize } from '../src/ops/conv-transpose2d.js';
import { expectCloseSums } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();

type Kind = 'conv2d' | 'convTranspose2d';
type Pair = [number, number];
interface Case {
  kind: Kind;
  x: CpuTensor;
  w: CpuTensor;
  dy: CpuTensor;
  options: { stride: Pair; padding: Pair; dilation: Pair; groups: number; outputPadding?: Pair };
}

const backward = (kind: Kind) => (kind === 'conv2d' ? cpu.conv2dBackward : cpu.convTranspose2dBackward);
const describeCase = (c: Case, seed: number) =>
  `${c.kind} seed ${seed} ${JSON.stringify({ x: c.x.shape, w: c.w.shape, dy: c.dy.shape, ...c.options })}`;

/** A random valid case of `kind`: strides 1–3, dilations 1–2, groups 1–3, paddings, output paddings < max(s, d), per-axis. */
function randomCase(kind: Kind, seed: number, size: { c: number; hw: number; n: number }): Case {
  const r = rng(seed);
  for (;;) {
    const groups = pick(r, [1, 1, 2, 3]);
    const cIn = groups * randInt(r, 1, size.c);
    const cOut = groups * randInt(r, 1, size.c);
    const s: Pair = [randInt(r, 1, 3), randInt(r, 1, 3)];
    const d: Pair = [pick(r, [1, 2]), pick(r, [1, 2])];
    const k: Pair = [randInt(r, 1, 4), randInt(r, 1, 4)];
    const p: Pair = [randInt(r, 0, d[0] * (k[0] - 1)), randInt(r, 0, d[1] * (k[1] - 1))];
    const H = randInt(r, 1, size.hw);
    const W = randInt(r, 1, size.hw);
    const n = randInt(r, 1, size.n);
    const options: Case['options'] = { stride: s, padding: p, dilation: d, groups };
    let out: Pair;
    if (kind === 'conv2d') {
      out = [convOutSize(H, k[0], s[0], p[0], d[0]), convOutSize(W, k[1], s[1], p[1], d[1])];
    } else {
      const op: Pair = [randInt(r, 0, Math.max(s[0], d[0]) - 1), randInt(r, 0, Math.max(s[1], d[1]) - 1)];
      options.outputPadding = op;
      out = [convTransposeOutSize(H, k[0], s[0], p[0], d[0], op[0]), convTransposeOutSize(W, k[1], s[1], p[1], d[1], op[1])];
    }
    if (out[0] < 1 || out[1] < 1) continue;
    const wShape = kind === 'conv2d' ? [cOut, cIn / groups, k[0], k[1]] : [cIn, cOut / groups, k[0], k[1]];
    return {
      kind,
      x: randomTensor([n, cIn, H, W], r),
      w: randomTensor(wShape, r),
      dy: randomTensor([n, cOut, out[0], out[1]], r),
      options,
    };
  }
}

const f64 = (t: CpuTensor): CpuTensor => ({ data: Float64Array.from(t.data) as unknown as Float32Array, shape: t.shape });
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe('conv2dBackward / convTranspose2dBackward', () => {
  it('CPU reference == central finite differences of the float64 CPU forward, all options', () => {
    // L(x, w, b) = <forward(x, w, b), dy> is linear in each argument, so the central difference
    // (L(θ + h) − L(θ − h)) / 2h has no truncation error (the third derivative is 0): only float64
    // rounding of L, about 1e-16·Σ|terms| / h ≈ 1e-10 here, well under the 1e-7 bound.
    const step = 1e-6;
    for (const kind of ['conv2d', 'convTranspose2d'] as const) {
      for (let seed = 1; seed <= 24; seed++) {
        const c = randomCase(kind, seed, { c: 2, hw: 5, n: 2 });
        const x = f64(c.x),
          w = f64(c.w),
          dy = f64(c.dy);
        const g = backward(kind)(x, w, dy, c.options);
        expect(g.dx!.data, 'float64 in, float64 out').toBeInstanceOf(Float64Array);
        const b = f64({ data: new Float32Array(dy.shape[1]), shape: [dy.shape[1]] });
        const loss = () => dot(cpu[kind](x, w, b, c.options).data, dy.data);
        for (const [name, param, grad] of [
          ['dx', x, g.dx!],
          ['dw', w, g.dw!],
          ['db', b, g.db!],
        ] as const) {
          expect(grad.shape, name).toEqual(param.shape);
          for (let i = 0; i < param.data.length; i++) {
            const v = param.data[i];
            param.data[i] = v + step;
            const up = loss();
            param.data[i] = v - step;
            const down = loss();
            param.data[i] = v;
            const fd = (up - down) / (2 * step);
            const err = Math.abs(fd - grad.data[i]);
            if (!(err <= 1e-7 * Math.max(1, Math.abs(fd)))) {
              expect.fail(
                `${describeCase(c, seed)}: ${name}[${i}] = ${grad.data[i]}, finite difference ${fd} (|err| ${err.toExponential(2)})`,
              );
            }
          }
        }
      }
    }
  });

  /** GPU gradients vs the CPU reference, each within the float32 summation bound of its own sum. */
  async function compareGpu(e: Engine, c: Case, context: string, needs?: { dx?: boolean; dw?: boolean; db?: boolean }): Promise<void> {
    const options = needs ? { ...c.options, needs } : c.options;
    const ref = backward(c.kind)(c.x, c.w, c.dy, options);
    const abs = (t: CpuTensor) => ({ data: t.data.map(Math.abs), shape: t.shape });
    const mag = backward(c.kind)(abs(c.x), abs(c.w), abs(c.dy), options);
    const [x, w, dy] = [c.x, c.w, c.dy].map((t) => e.tensor(t.data, t.shape));
    const run = c.kind === 'conv2d' ? e.conv2dBackward.bind(e) : e.convTranspose2dBackward.bind(e);
    const g = run(x, w, dy, options);
    try {
      // Terms per element: dx sums over the weights of one group (Cout/g of dy's channels × taps);
      // dw and db sum over N·H·W pixels (of dy for conv2d's dw and db, of x for convT's dw).
      const [n, , H, W] = c.x.shape;
      const [, , kH, kW] = c.w.shape;
      const dyPerGroup = c.dy.shape[1] / c.options.groups;
      const dyPixels = n * c.dy.shape[2] * c.dy.shape[3];
      const k = {
        dx: dyPerGroup * kH * kW,
        dw: c.kind === 'conv2d' ? dyPixels : n * H * W,
        db: dyPixels,
      };
      for (const key of ['dx', 'dw', 'db'] as const) {
        const t = g[key] as Tensor | null;
        if (ref[key] === null) {
          expect(t, `${context}: ${key} not needed`).toBeNull();
          continue;
        }
        expect(t, `${context}: ${key}`).not.toBeNull();
        expect([...t!.shape], `${context}: ${key} shape`).toEqual(ref[key]!.shape);
        expectCloseSums(await t!.read(), ref[key]!.data, mag[key]!.data, k[key], `${context}: ${key}`);
      }
    } finally {
      for (const t of [x, w, dy, g.dx, g.dw, g.db]) t?.dispose();
    }
  }

  it('GPU == CPU reference on random sweeps of every option (dx, dw, db)', async () => {
    for (const kind of ['conv2d', 'convTranspose2d'] as const) {
      for (let seed = 1; seed <= 40; seed++) {
        // Up to 15 channels per group: partial and several 4×8 weight-gradient blocks.
        const c = randomCase(kind, 1000 + seed, seed % 4 === 0 ? { c: 15, hw: 6, n: 2 } : { c: 3, hw: 7, n: 2 });
        await compareGpu(h.engine, c, describeCase(c, 1000 + seed));
      }
    }
  });

  it('GPU == CPU on images larger than a workgroup (threads loop over pixels) and with needs', async () => {
    for (const kind of ['conv2d', 'convTranspose2d'] as const) {
      for (let seed = 1; seed <= 6; seed++) {
        const c = randomCase(kind, 2000 + seed, { c: 6, hw: 19, n: 3 });
        const needs = seed % 3 === 0 ? { dx: false } : seed % 3 === 1 ? { dw: false, db: false } : undefined;
        await compareGpu(h.engine, c, `${describeCase(c, 2000 + seed)} needs ${JSON.stringify(needs)}`, needs);
      }
    }
  });

  it('adjoint: <conv(x, w), y> == <x, dx> == <w, dw> and <b, db> == Σ y·b, on the GPU', async () => {
    const e = h.engine;
    for (const kind of ['conv2d', 'convTranspose2d'] as const) {
      for (let seed = 1; seed <= 8; seed++) {
        const c = randomCase(kind, 3000 + seed, { c: 5, hw: 9, n: 2 });
        const [x, w, y] = [c.x, c.w, c.dy].map((t) => e.tensor(t.data, t.shape));
        const b = randomTensor([c.dy.shape[1]], rng(seed));
        const fwd = kind === 'conv2d' ? e.conv2d(x, w, null, c.options) : e.convTranspose2d(x, w, null, c.options);
        const g = kind === 'conv2d' ? e.conv2dBackward(x, w, y, c.options) : e.convTranspose2dBackward(x, w, y, c.options);
        const convX = await fwd.read();
        const [dx, dw, db] = await Promise.all([g.dx!.read(), g.dw!.read(), g.db!.read()]);
        const lhs = dot(convX, c.dy.data);
        let mag = 0;
        for (let i = 0; i < convX.length; i++) mag += Math.abs(convX[i] * c.dy.data[i]);
        // Each side is the same triple sum Σ x·w·y in another order: equal to float32 rounding of it.
        const tol = 1e-5 * Math.max(mag, 1) * 8;
        const context = describeCase(c, 3000 + seed);
        expect(Math.abs(lhs - dot(c.x.data, dx)), `${context}: <x, dx>`).toBeLessThan(tol);
        expect(Math.abs(lhs - dot(c.w.data, dw)), `${context}: <w, dw>`).toBeLessThan(tol);
        const plane = c.dy.shape[2] * c.dy.shape[3];
        let yb = 0;
        for (let i = 0; i < c.dy.data.length; i++) yb += c.dy.data[i] * b.data[Math.floor(i / plane) % b.data.length];
        expect(Math.abs(yb - dot(b.data, db)), `${context}: <b, db>`).toBeLessThan(1e-5 * Math.max(1, Math.abs(yb)) * 8);
        for (const t of [x, w, y, fwd, g.dx, g.dw, g.db]) t?.dispose();
      }
    }
  });

  it('errors: dy of the wrong shape, an epilogue option, a bad needs key, a used-after-dispose dy', () => {
    const e = h.engine;
    const r = rng(5);
    const x = e.tensor(randomTensor([1, 2, 5, 5], r).data, [1, 2, 5, 5]);
    const w = e.tensor(randomTensor([4, 2, 3, 3], r).data, [4, 2, 3, 3]);
    const dy = e.tensor(randomTensor([1, 4, 5, 5], r).data, [1, 4, 5, 5]);
    expect(() => e.conv2dBackward(x, w, dy)).toThrow(ShapeError);
    expect(() => e.conv2dBackward(x, w, dy)).toThrow("conv2dBackward: dy [1, 4, 5, 5] must have the forward output's shape [1, 4, 3, 3]");
    expect(() => e.conv2dBackward(x, w, dy, { padding: 1, activation: 'relu' } as never)).toThrow(
      "conv2dBackward: unknown option 'activation'",
    );
    expect(() => e.conv2dBackward(x, w, dy, { padding: 1, needs: { dz: false } } as never)).toThrow(ArgumentError);
    expect(() => e.conv2dBackward(x, w, dy, { padding: 1, needs: { dz: false } } as never)).toThrow(
      "unknown option 'needs.dz' (did you mean 'needs.dx'?)",
    );
    const wt = e.tensor(new Float32Array(2 * 4 * 9), [2, 4, 3, 3]);
    expect(() => e.convTranspose2dBackward(x, wt, dy, { outputPadding: 1 })).toThrow(
      'convTranspose2dBackward: outputPadding 1 must be < max(stride 1, dilation 1) along height',
    );
    wt.dispose();
    dy.dispose();
    expect(() => e.conv2dBackward(x, w, dy, { padding: 1 })).toThrow('conv2dBackward: dy [1, 4, 5, 5] was used after dispose()');
    x.dispose();
    w.dispose();
  });

  it('32→32 k4 s2 p1 at 32²: GPU == CPU, and the times of forward and backward (logged)', async () => {
    const e = h.engine;
    const r = rng(77);
    const cases: Case[] = [
      {
        kind: 'convTranspose2d',
        x: randomTensor([1, 32, 32, 32], r),
        w: randomTensor([32, 32, 4, 4], r),
        dy: randomTensor([1, 32, 64, 64], r),
        options: { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1 },
      },
      {
        kind: 'conv2d',
        x: randomTensor([1, 32, 32, 32], r),
        w: randomTensor([32, 32, 4, 4], r),
        dy: randomTensor([1, 32, 16, 16], r),
        options: { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1 },
      },
    ];
    for (const c of cases) {
      await compareGpu(e, c, describeCase(c, 77));
      const [x, w, dy] = [c.x, c.w, c.dy].map((t) => e.tensor(t.data, t.shape));
      const fwd = () => (c.kind === 'conv2d' ? e.conv2d(x, w, null, c.options) : e.convTranspose2d(x, w, null, c.options));
      const bwd = (needs: { dx: boolean; dw: boolean; db: boolean }) => {
        const g =
          c.kind === 'conv2d'
            ? e.conv2dBackward(x, w, dy, { ...c.options, needs })
            : e.convTranspose2dBackward(x, w, dy, { ...c.options, needs });
        return [g.dx, g.dw, g.db].filter((t): t is Tensor => t !== null);
      };
      const time = async (work: () => Tensor[]) => {
        for (const t of (await e.timeGpu(work)).result) t.dispose(); // warm: compile and pack outside the timing
        const ms: number[] = [];
        for (let i = 0; i < 5; i++) {
          const { result, wallMs, gpuMs } = await e.timeGpu(work);
          ms.push(gpuMs ?? wallMs);
          for (const t of result) t.dispose();
        }
        return ms.sort((a, b) => a - b)[2];
      };
      const t = {
        forward: await time(() => [fwd()]),
        dx: await time(() => bwd({ dx: true, dw: false, db: false })),
        dw: await time(() => bwd({ dx: false, dw: true, db: false })),
        db: await time(() => bwd({ dx: false, dw: false, db: true })),
      };
      console.log(
        `${c.kind} 32→32 k4 s2 p1, x 32², median of 5 (ms, ${e.adapterInfo.description}): ` +
          Object.entries(t)
            .map(([k, v]) => `${k} ${v.toFixed(2)}`)
            .join(', '),
      );
      for (const v of Object.values(t)) expect(v).toBeGreaterThan(0);
      for (const u of [x, w, dy]) u.dispose();
    }
  });
});
