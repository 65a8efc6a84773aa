/**
 * The pointwise GEMM (src/kernels/conv-pointwise.ts): a 1×1 conv2d (stride 1, padding 0, one group)
 * runs as a gather, the Winograd GEMM and the fused epilogue where the engine's `winograd` option runs
 * Winograd. Against the CPU reference within the float32 summation bound (compareConv: K = Cin + bias
 * + scale + residual terms), on pixel counts that are no multiple of the GEMM's tile blocks, batches
 * and epilogues; the programs that ran are checked, and so are the convs it leaves to the direct kernel.
 * (2×2 stride-2 deconvolutions reach it through their phases: test/conv-transpose-phases.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Engine } from '../src/index.js';
import type { PipelineCache } from '../src/gpu/pipeline-cache.js';
import { POINTWISE_MIN_TILES } from '../src/kernels/conv-pointwise.js';
import { useEngine } from './helpers/engine.js';
import { compareConv } from './helpers/ops.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const wino = useEngine({ winograd: 'auto' });
const off = useEngine({ winograd: 'off' });
const keys = (e: Engine): string[] => (e as unknown as { cache: PipelineCache }).cache.keys();
const ran = (e: Engine) => keys(e).filter((k) => k.startsWith('conv2d-pointwise-out[')).length;

/** The program names `f` records on `e`. */
async function programsOf(e: Engine, f: () => Promise<unknown>): Promise<string[]> {
  const names: string[] = [];
  const runner = (e as unknown as { runner: { run: (program: { name: string }, ...rest: unknown[]) => void } }).runner;
  const run = runner.run;
  runner.run = function (this: unknown, program, ...rest) {
    names.push(program.name);
    return run.call(runner, program, ...rest);
  };
  try {
    await f();
  } finally {
    runner.run = run;
  }
  return names;
}

describe('1×1 conv2d on the pointwise GEMM', () => {
  it('== the CPU reference within the summation bound (10 random shapes, batches, epilogues)', async () => {
    const e = wino.engine;
    expect(e.winograd).toBe('auto');
    for (let seed = 1; seed <= 10; seed++) {
      const r = rng(9700 + seed);
      const cIn = randInt(r, 1, 20);
      const cOut = 4 * randInt(r, 1, 6);
      const out = [randInt(r, 8, 15), randInt(r, 8, 15)];
      const x = randomTensor([randInt(r, 1, 2), cIn, out[0], out[1]], r);
      const shuffle = r() < 0.3 ? { r: 2, mode: pick(r, ['CRD', 'DCR'] as const) } : undefined;
      const outShape = shuffle ? [x.shape[0], cOut / 4, out[0] * 2, out[1] * 2] : [x.shape[0], cOut, out[0], out[1]];
      const programs = await programsOf(e, () =>
        compareConv(
          e,
          'conv2d',
          {
            x,
            w: randomTensor([cOut, cIn, 1, 1], r),
            b: r() < 0.7 ? randomTensor([cOut], r) : null,
            options: {
              activation: pick(r, ['none', 'relu', 'leakyRelu', 'sigmoid'] as const),
              outputScale: r() < 0.3 ? -0.5 : undefined,
              residual: r() < 0.4 ? randomTensor(outShape, r) : undefined,
              depthToSpace: shuffle,
            },
          },
          `seed ${seed} x [${x.shape}] Cout ${cOut}`,
        ),
      );
      expect(
        programs.filter((n) => !n.startsWith('pack-weights')),
        `seed ${seed}`,
      ).toEqual(['conv2d-pointwise-in', 'conv2d-winograd-gemm', 'conv2d-pointwise-out']);
    }
    expect(ran(e)).toBeGreaterThan(0);
    expect(keys(e).some((key) => key.startsWith('conv2d-pointwise-in['))).toBe(true);
  });

  it('leaves to the direct kernel: padding, stride, groups, 2×2 kernels (stride 1 or 2), fewer pixels than POINTWISE_MIN_TILES, and an engine with winograd off', async () => {
    const r = rng(9800);
    const cases = [
      { w: [8, 4, 1, 1], o: { padding: 1 } },
      { w: [8, 4, 1, 1], o: { stride: 2 } },
      { w: [8, 4, 2, 2], o: { stride: 2 } },
      { w: [8, 2, 1, 1], o: { groups: 2 } },
      { w: [8, 4, 2, 2], o: { stride: 1 } },
      { w: [8, 4, 1, 1], o: {}, size: Math.floor(Math.sqrt(POINTWISE_MIN_TILES - 1)) },
    ];
    for (const engine of [wino.engine, off.engine]) {
      for (const c of cases) {
        const size = c.size ?? 12;
        const programs = await programsOf(engine, () =>
          compareConv(
            engine,
            'conv2d',
            { x: randomTensor([1, 4, size, size], r), w: randomTensor(c.w, r), b: null, options: c.o },
            JSON.stringify(c),
          ),
        );
        expect(
          programs.filter((n) => !n.startsWith('pack-weights')),
          JSON.stringify(c),
        ).toEqual(['conv2d']);
      }
      expect(keys(engine).some((key) => key.startsWith('conv2d['))).toBe(true);
    }
    expect(ran(off.engine)).toBe(0);
  });
});
