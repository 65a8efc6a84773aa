/**
 * The training-step benchmark's two sides (bench/train) compute the same
 * training run, checked here without timing on a tiny decoder: ours on Dawn,
 * TensorFlow.js on its CPU backend (tfjs-webgpu needs a browser; the step
 * code is backend-agnostic). Also: the benchmark's hand-assembled step is
 * exactly what `train()` does (same passes in the same order, so bitwise
 * equal losses).
 *
 * Tolerance: both sides run float32 from the same weights. A layer output
 * here sums at most K = 4·9 = 36 products, so each side's relative error per
 * layer is about γ_K = K·u ≈ 2.1e-6 (u = 2⁻²⁴, He-init keeps the
 * amplification O(1)); three layers, and the loss squares the difference:
 * ≈ 2·3·γ_K ≈ 1.3e-5 per side at step 1. After an Adam step the weights
 * differ by at most a few ulps more (the first update is ±lr·g/(|g| + eps),
 * insensitive to g's rounding unless |g| ≈ eps), so 1e-4 is a bound with
 * margin, and anything like a convention mismatch (eps placement, a sum
 * instead of a mean, a flipped filter) is orders of magnitude above it.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { train } from '../src/index.js';
import { maxRelDiff, trainData } from '../bench/train/case.js';
import { decoderNet, openOursTrain } from '../bench/train/ours.js';
import { openTfjsTrain } from '../bench/train/tfjs.js';
import { useEngine } from './helpers/engine.js';

const h = useEngine();
const CASE = { op: 'train', batch: 2, cin: 3, width: 4, h: 8 } as const;
const STEPS = 3;

async function losses(open: () => Promise<{ step(): Promise<number>; dispose(): void }>, steps: number): Promise<number[]> {
  const s = await open();
  try {
    const out: number[] = [];
    for (let i = 0; i < steps; i++) out.push(await s.step());
    return out;
  } finally {
    s.dispose();
  }
}

describe('training-step benchmark (bench/train): ours and TensorFlow.js train the same way', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it(`losses agree step by step over ${STEPS} steps (max relative difference < 1e-4), and the steps change the loss`, async () => {
    const d = trainData(CASE, 7);
    const ours = await losses(() => openOursTrain(h.engine, d), STEPS);
    const theirs = await losses(async () => openTfjsTrain(d), STEPS);
    const rel = maxRelDiff(ours, theirs);
    expect(rel, `ours ${ours.join(', ')}; tfjs ${theirs.join(', ')}`).toBeLessThan(1e-4);
    // The updates took effect (else agreement would only test the forward pass).
    expect(Math.abs(ours[STEPS - 1] - ours[0]) / ours[0]).toBeGreaterThan(100 * rel);
  });

  it('the benchmark step is train(): bitwise equal losses from the same start', async () => {
    const d = trainData(CASE, 8);
    const ours = await losses(() => openOursTrain(h.engine, d), 2);
    const net = decoderNet(h.engine, d);
    try {
      const { lr, beta1, beta2, eps } = d.adam;
      const r = await train(net, {
        pairs: () => ({ x: h.engine.tensor(d.x, d.xShape), y: h.engine.tensor(d.y, d.yShape) }),
        steps: 2,
        optimizer: { kind: 'adam', lr, betas: [beta1, beta2], eps },
      });
      expect(r.losses.map((s) => s.loss)).toEqual(ours);
    } finally {
      net.dispose();
    }
  });
});
