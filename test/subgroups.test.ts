/**
 * Subgroups (EngineOptions.subgroups): the Winograd GEMM loads each weight vector once per group of
 * lanes and shares it by subgroupShuffle. The arithmetic is the same, so an engine with subgroups
 * must give bit-identical results to one without, on every shape: tile counts that are not a multiple
 * of the lane groups' 32 tiles, channel counts that are not a multiple of 16, batches, lanes past
 * the end of the dispatch.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../src/core/errors.js';
import { createEngine, type Engine } from '../src/index.js';
import type { PipelineCache } from '../src/gpu/pipeline-cache.js';
import { expectExact } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { randInt, randomData, rng } from './helpers/random.js';

const on = useEngine({ winograd: 'f63' });
const off = useEngine({ winograd: 'f63', subgroups: 'off' });
const f23 = useEngine({ winograd: 'f23' });
const keys = (e: Engine): string[] => (e as unknown as { cache: PipelineCache }).cache.keys();

describe('subgroups', () => {
  it("are used where the device has them ('auto'), never with 'off'; a bad value is refused", async () => {
    expect(on.engine.subgroups).toBe(on.engine.device.features.has('subgroups'));
    expect(off.engine.subgroups).toBe(false);
    // This machine's adapter (SwiftShader) offers them, so the subgroup GEMM is what the tests below run.
    expect(on.engine.subgroups).toBe(true);
    await expect(createEngine({ subgroups: 'on' as 'auto' })).rejects.toThrow(ArgumentError);
    await expect(createEngine({ subgroups: 'on' as 'auto' })).rejects.toThrow(/subgroups 'on' must be 'auto' or 'off'/);
  });

  it('the Winograd GEMM with subgroups == without, bit for bit (F(6,3) and F(2,3), 8 random shapes each)', async () => {
    for (const [name, e] of [
      ['F(6,3)', on.engine],
      ['F(2,3)', f23.engine],
    ] as const) {
      for (let seed = 1; seed <= 8; seed++) {
        const r = rng(9600 + seed);
        const cIn = randInt(r, 1, 24);
        const cOut = randInt(r, 5, 40);
        const shape = [randInt(r, 1, 2), cIn, randInt(r, 3, 30), randInt(r, 3, 30)];
        const xd = randomData(
          shape.reduce((a, b) => a * b, 1),
          r,
        );
        const wd = randomData(cOut * cIn * 9, r);
        const bd = randomData(cOut, r);
        const run = async (engine: Engine) => {
          const x = engine.tensor(xd, shape);
          const w = engine.tensor(wd, [cOut, cIn, 3, 3]);
          const b = engine.tensor(bd, [cOut]);
          const y = engine.conv2d(x, w, b, { padding: 1, activation: 'leakyRelu', negativeSlope: 0.1 });
          const out = await y.read();
          for (const t of [x, w, b, y]) t.dispose();
          return out;
        };
        // The reference is the F(6,3) engine without subgroups: F(2,3) differs from it by rounding, so compare like with like.
        const reference = name === 'F(6,3)' ? off.engine : await createEngine({ winograd: 'f23', subgroups: 'off' });
        try {
          expectExact(await run(e), await run(reference), `${name} seed ${seed} x [${shape}] Cout ${cOut}`);
        } finally {
          if (reference !== off.engine) reference.destroy();
        }
      }
      expect(
        keys(e).some((k) => k.startsWith('conv2d-winograd-gemm[') && k.includes('sg=true')),
        name,
      ).toBe(true);
    }
    expect(keys(off.engine).some((k) => k.includes('sg=true'))).toBe(false);
  });
});
