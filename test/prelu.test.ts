/** prelu (PyTorch): max(0, x) + slope_c·min(0, x), slope per channel or shared. */
import { describe, expect, it } from 'vitest';
import { prelu as cpuPrelu } from '../src/cpu/prelu.js';
import { ShapeError } from '../src/core/errors.js';
import type { KernelContext } from '../src/kernels/context.js';
import { prelu } from '../src/kernels/prelu.js';
import { useEngine } from './helpers/engine.js';
import { expectExact } from './helpers/compare.js';
import { randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();
// TODO(op table): replace with engine.prelu once the engine method is wired.
const kctx = (): KernelContext => (h.engine as unknown as { ctx: KernelContext }).ctx;

describe('prelu', () => {
  it('known answers: slope [0.25, −1] on 2 channels: negatives scale per channel, positives pass', async () => {
    const x = h.engine.tensor([-4, 2, -8, 3], [1, 2, 1, 2]);
    const y = await prelu(kctx(), x, h.engine.tensor([0.25, -1], [2])).read();
    expect(Array.from(y)).toEqual([-1, 2, 8, 3]);
    expect(
      Array.from(
        cpuPrelu({ data: Float32Array.from([-4, 2, -8, 3]), shape: [1, 2, 1, 2] }, { data: Float32Array.from([0.25, -1]), shape: [2] })
          .data,
      ),
    ).toEqual([-1, 2, 8, 3]);
    // One shared slope; slope 0 is relu, slope 1 is the identity.
    const z = h.engine.tensor([-2, 5, -3, 7], [1, 2, 2, 1]);
    expect(Array.from(await prelu(kctx(), z, h.engine.tensor([0], [1])).read())).toEqual([0, 5, 0, 7]);
    expect(Array.from(await prelu(kctx(), z, h.engine.tensor([1], [1])).read())).toEqual([-2, 5, -3, 7]);
  });

  it('GPU == CPU exactly (one correctly rounded product) on 20 random shapes, per-channel and shared slopes, ranks 1–4', async () => {
    const r = rng(31);
    for (let seed = 0; seed < 20; seed++) {
      const rank = randInt(r, 1, 4);
      const shape = Array.from({ length: rank }, () => randInt(r, 1, 6));
      const c = rank >= 2 ? shape[1] : 1;
      const slope = randomTensor([r() < 0.3 ? 1 : c], r);
      const x = randomTensor(shape, r);
      const y = await prelu(kctx(), h.engine.tensor(x.data, x.shape), h.engine.tensor(slope.data, slope.shape)).read();
      expectExact(y, cpuPrelu(x, slope).data, `seed ${seed} x ${JSON.stringify(shape)} slope [${slope.shape}]`);
    }
  });

  it('a slope that is neither 1 nor C elements, or not 1-D, is a ShapeError naming it', () => {
    const x = h.engine.tensor(new Float32Array(12), [1, 3, 2, 2]);
    const message = 'prelu: slope [2] must have 1 or 3 elements (one per input channel, axis 1 of input [1, 3, 2, 2])';
    expect(() => prelu(kctx(), x, h.engine.tensor([1, 2], [2]))).toThrow(ShapeError);
    expect(() => prelu(kctx(), x, h.engine.tensor([1, 2], [2]))).toThrow(message);
    expect(() => cpuPrelu({ data: new Float32Array(12), shape: [1, 3, 2, 2] }, { data: new Float32Array(2), shape: [2] })).toThrow(message);
    expect(() => prelu(kctx(), x, h.engine.tensor([1, 2, 3], [1, 3]))).toThrow(/^prelu: slope must have rank 1/);
  });
});
