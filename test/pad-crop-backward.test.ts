/**
 * pad2dBackward and crop2dBackward, the adjoints of pad2d and crop2d.
 *   adjoint: <pad(x), y> == <x, pad2dBackward(y)> and <crop(x), y> == <x, crop2dBackward(y)>
 *     in float64 (both sides sum the same products; γ bound on Σ|terms|);
 *   finite differences: pad2d and crop2d are linear, so central differences of the
 *     float64 forward have no truncation error (helpers/finite-diff.ts);
 *   GPU vs CPU: crop2dBackward only moves data (exact); pad2dBackward sums at most
 *     K = (top + bottom + 1)·(left + right + 1) dy pixels per dx pixel (a replicate
 *     corner), in another order than the CPU's scatter: ≤ 2γ_K·Σ|dy| over them.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ArgumentError, ShapeError } from '../src/core/errors.js';
import type { PadMode } from '../src/ops/pad2d.js';
import { expectCloseSums, expectExact } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { centralDiff, d64, expectGradClose, f64 } from './helpers/finite-diff.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  let abs = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i] * b[i];
    abs += Math.abs(a[i] * b[i]);
  }
  return { s, abs };
};

function randomPad(r: () => number): { shape: number[]; pads: [number, number, number, number]; mode: PadMode } {
  const mode = pick(r, ['constant', 'replicate', 'reflect'] as const);
  const shape = [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 1, 6), randInt(r, 1, 6)];
  const pad = (size: number) => randInt(r, 0, mode === 'reflect' ? size - 1 : 4);
  return { shape, pads: [pad(shape[2]), pad(shape[2]), pad(shape[3]), pad(shape[3])], mode };
}

async function onGpu(
  t: CpuTensor,
  f: (x: ReturnType<typeof h.engine.tensor>) => ReturnType<typeof h.engine.tensor>,
): Promise<Float32Array> {
  const g = h.engine.tensor(Float32Array.from(t.data), t.shape);
  const y = f(g);
  try {
    return await y.read();
  } finally {
    g.dispose();
    y.dispose();
  }
}

describe('pad2dBackward', () => {
  it('by hand: reflect of [a, b, c] by 2 on the left sends the mirrored pixels back to b and c', () => {
    // pad2d([1, 2, 3], left 2, reflect) = [3, 2, 1, 2, 3]: output 0 reads c, output 1 reads b.
    const dy = cpu.cpuTensor(Float32Array.from([10, 20, 1, 2, 3]), [1, 1, 1, 5]);
    expect(Array.from(cpu.pad2dBackward(dy, { pads: [0, 0, 2, 0], mode: 'reflect' }).data)).toEqual([1, 22, 13]);
    expect(Array.from(cpu.pad2dBackward(dy, { pads: [0, 0, 2, 0], mode: 'replicate' }).data)).toEqual([31, 2, 3]);
    expect(Array.from(cpu.pad2dBackward(dy, { pads: [0, 0, 2, 0] }).data)).toEqual([1, 2, 3]);
  });

  it('adjoint: <pad2d(x), y> == <x, pad2dBackward(y)> in float64 and == central differences, 12 random cases', () => {
    const r = rng(71);
    for (let seed = 0; seed < 12; seed++) {
      const { shape, pads, mode } = randomPad(r);
      const o = { pads, mode };
      const x = f64(randomTensor(shape, r));
      const px = cpu.pad2d(x, o);
      const y = f64(randomTensor(px.shape, r));
      const dx = cpu.pad2dBackward(y, o);
      const lhs = dot(d64(px), d64(y));
      const rhs = dot(d64(x), d64(dx));
      const n = d64(y).length;
      expect(Math.abs(lhs.s - rhs.s), `seed ${seed} ${JSON.stringify({ shape, ...o })}`).toBeLessThanOrEqual(
        2 * n * 2 ** -53 * (lhs.abs + rhs.abs),
      );
      expectGradClose(
        d64(dx),
        centralDiff((v) => cpu.pad2d(v, o), x, d64(y), 2 ** -10),
        `seed ${seed} ${JSON.stringify({ shape, ...o })}`,
        {
          k: (pads[0] + pads[1] + 1) * (pads[2] + pads[3] + 1),
        },
      );
    }
  });

  it('GPU == CPU within the summation bound on 16 random cases', async () => {
    const r = rng(73);
    for (let seed = 0; seed < 16; seed++) {
      const { shape, pads, mode } = randomPad(r);
      const o = { pads, mode };
      const outShape = cpu.pad2d(cpu.zeros(shape), o).shape;
      const dy = randomTensor(outShape, r);
      const ref = cpu.pad2dBackward(dy, o);
      const mag = cpu.pad2dBackward({ data: dy.data.map(Math.abs), shape: dy.shape }, o).data;
      const k = (pads[0] + pads[1] + 1) * (pads[2] + pads[3] + 1);
      expectCloseSums(
        await onGpu(dy, (g) => h.engine.pad2dBackward(g, o)),
        ref.data,
        mag,
        k,
        `seed ${seed} ${JSON.stringify({ shape, ...o })}`,
      );
    }
  });

  it('refuses a dy smaller than the pads, and the forward rule (reflect pad ≥ size) on the derived input', () => {
    expect(() => cpu.pad2dBackward(cpu.zeros([1, 1, 3, 3]), { pads: [2, 1, 0, 0] })).toThrow(ShapeError);
    expect(() => cpu.pad2dBackward(cpu.zeros([1, 1, 3, 3]), { pads: [2, 1, 0, 0] })).toThrow(
      'pad2dBackward: dy [1, 1, 3, 3] is too small for pads [2, 1, 0, 0]: the input would be 0×3',
    );
    expect(() => cpu.pad2dBackward(cpu.zeros([1, 1, 4, 3]), { pads: [2, 0, 0, 0], mode: 'reflect' })).toThrow(ArgumentError);
    expect(() => cpu.pad2dBackward(cpu.zeros([1, 1, 4, 3]), { pads: [2, 0, 0, 0], mode: 'reflect' })).toThrow(
      /^pad2dBackward: reflect pad top 2 must be < the input height 2/,
    );
  });
});

describe('crop2dBackward', () => {
  it('adjoint of crop2d (float64, and central differences); GPU == CPU exactly; 12 random windows', async () => {
    const r = rng(79);
    for (let seed = 0; seed < 12; seed++) {
      const shape = [randInt(r, 1, 2), randInt(r, 1, 3), randInt(r, 1, 7), randInt(r, 1, 7)];
      const height = randInt(r, 1, shape[2]);
      const width = randInt(r, 1, shape[3]);
      const win = { top: randInt(r, 0, shape[2] - height), left: randInt(r, 0, shape[3] - width), height, width };
      const o = { ...win, inputShape: shape };
      const x = f64(randomTensor(shape, r));
      const y = f64(randomTensor([shape[0], shape[1], height, width], r));
      const dx = cpu.crop2dBackward(y, o);
      expect(dot(d64(cpu.crop2d(x, win)), d64(y)).s).toBeCloseTo(dot(d64(x), d64(dx)).s, 12);
      expectGradClose(
        d64(dx),
        centralDiff((v) => cpu.crop2d(v, win), x, d64(y), 2 ** -10),
        `seed ${seed} ${JSON.stringify(o)}`,
      );
      const y32 = randomTensor(y.shape, r);
      expectExact(
        await onGpu(y32, (g) => h.engine.crop2dBackward(g, o)),
        cpu.crop2dBackward(y32, o).data,
        `seed ${seed} ${JSON.stringify(o)}`,
      );
    }
  });

  it('refuses a dy that is not the window, and a window outside inputShape', () => {
    const dy = cpu.zeros([1, 1, 2, 2]);
    expect(() => cpu.crop2dBackward(dy, { top: 0, left: 0, height: 2, width: 3, inputShape: [1, 1, 4, 4] })).toThrow(
      "crop2dBackward: dy [1, 1, 2, 2] must be the crop's output shape [1, 1, 2, 3] (input [1, 1, 4, 4])",
    );
    expect(() => cpu.crop2dBackward(dy, { top: 3, left: 0, height: 2, width: 2, inputShape: [1, 1, 4, 4] })).toThrow(
      'crop2dBackward: top 3 + height 2 must be <= 4',
    );
    expect(() => cpu.crop2dBackward(dy, { top: 0, left: 0, height: 2, width: 2 } as never)).toThrow(/^crop2dBackward: inputShape/);
  });
});
