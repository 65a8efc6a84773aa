import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { ArgumentError } from '../src/core/errors.js';
import { useEngine } from './helpers/engine.js';
import { compareConv } from './helpers/ops.js';
import { pick, randInt, randomData, randomTensor, rng } from './helpers/random.js';

// The direct kernel's epilogue (Winograd's: test/conv2d-winograd.test.ts).
const h = useEngine({ winograd: 'off' });

const t = randomTensor;

describe('fused epilogue: activation(conv + bias) · outputScale + residual, stored at depth-to-space positions', () => {
  it('GPU == CPU composition of the plain ops, 24 random conv2d and convTranspose2d cases', async () => {
    for (let seed = 1; seed <= 24; seed++) {
      const r = rng(3000 + seed);
      const kind = pick(r, ['conv2d', 'convTranspose2d'] as const);
      const bs = pick(r, [1, 2, 3]);
      const cSpace = randInt(r, 1, 3);
      const cOut = cSpace * bs * bs;
      const cIn = randInt(r, 1, 4);
      const shuffle = r() < 0.7 ? { r: bs, mode: pick(r, ['DCR', 'CRD'] as const) } : undefined;
      const options: Record<string, unknown> = {
        padding: 1,
        stride: kind === 'convTranspose2d' ? pick(r, [1, 2]) : 1,
        activation: pick(r, ['none', 'relu', 'leakyRelu'] as const),
        outputScale: r() < 0.6 ? pick(r, [0.2, -1.5, 2]) : undefined,
        depthToSpace: shuffle,
      };
      const x = t([1, cIn, randInt(r, 2, 6), randInt(r, 2, 6)], r);
      const w = kind === 'conv2d' ? t([cOut, cIn, 3, 3], r) : t([cIn, cOut, 4, 4], r);
      const outShape = cpu[kind](x, w, null, { ...options, outputScale: undefined }).shape;
      if (r() < 0.6) options.residual = t(outShape, r);
      await compareConv(
        h.engine,
        kind,
        { x, w, b: r() < 0.5 ? t([cOut], r) : null, options },
        `seed ${seed} ${kind} ${JSON.stringify({ ...options, residual: !!options.residual })}`,
      );
    }
  });

  it('conv → fused pixel shuffle equals conv then pixelShuffle exactly', async () => {
    const e = h.engine;
    const r = rng(77);
    const x = e.tensor(randomData(3 * 25, r), [1, 3, 5, 5]);
    const w = e.tensor(randomData(12 * 3 * 9, r), [12, 3, 3, 3]);
    const fused = await e.conv2d(x, w, null, { padding: 1, depthToSpace: { r: 2, mode: 'CRD' } }).read();
    const plain = await e.pixelShuffle(e.conv2d(x, w, null, { padding: 1 }), 2).read();
    expect(Array.from(fused)).toEqual(Array.from(plain));
  });

  it('rejects a residual of the wrong shape and channels not divisible by r²', () => {
    const e = h.engine;
    const x = e.tensor(new Float32Array(9), [1, 1, 3, 3]);
    const w = e.tensor(new Float32Array(6), [6, 1, 1, 1]);
    expect(() => e.conv2d(x, w, null, { depthToSpace: { r: 2, mode: 'CRD' } })).toThrow(/output channels 6 must be divisible by r² = 4/);
    expect(() => e.conv2d(x, w, null, { residual: e.tensor(new Float32Array(9), [1, 1, 3, 3]) })).toThrow(
      /residual \[1, 1, 3, 3\] must have the output shape \[1, 6, 3, 3\]/,
    );
  });

  it('depthToSpace.mode is required: the fused store has no default to disagree with engine.depthToSpace (DCR)', () => {
    const e = h.engine;
    const x = e.tensor(new Float32Array(9), [1, 1, 3, 3]);
    const w = e.tensor(new Float32Array(4), [4, 1, 1, 1]);
    const message =
      "conv2d: depthToSpace.mode is required ('DCR' or 'CRD'); the fused store and engine.depthToSpace must not disagree silently";
    expect(() => e.conv2d(x, w, null, { depthToSpace: { r: 2 } as never })).toThrow(ArgumentError);
    expect(() => e.conv2d(x, w, null, { depthToSpace: { r: 2 } as never })).toThrow(message);
    expect(() =>
      cpu.conv2d(cpu.cpuTensor(new Float32Array(9), [1, 1, 3, 3]), cpu.cpuTensor(new Float32Array(4), [4, 1, 1, 1]), null, {
        depthToSpace: { r: 2 } as never,
      }),
    ).toThrow(message);
    expect(() => e.convTranspose2d(x, e.tensor(new Float32Array(4), [1, 4, 1, 1]), null, { depthToSpace: { r: 2 } as never })).toThrow(
      /^convTranspose2d: depthToSpace\.mode is required/,
    );
  });
});
