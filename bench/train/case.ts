/**
 * The training-step benchmark's network and data, in PyTorch terms, shared by
 * both sides (./ours.ts on our Sequential, ./tfjs.ts on TensorFlow.js) so they
 * start from the same weights and see the same batch:
 *
 *   convT k4 s2 p1 cin→width, relu, conv3×3 p1 width→width, relu, conv3×3 p1 width→cin
 *
 * on x [batch, cin, h, h] with target y [batch, cin, 2h, 2h]; MSE loss (mean
 * over every element), Adam. One step = forward, loss, backward, Adam update,
 * and the loss read back to the CPU (the completion signal both sides share).
 */
import { seededData, type TrainCase } from '../cases.js';

/** One conv layer of the decoder, each but the last followed by a relu. */
export interface TrainConv {
  kind: 'convTranspose2d' | 'conv2d';
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  /** PyTorch layouts: convT [in, out, k, k], conv [out, in, k, k]. */
  weight: Float32Array;
  bias: Float32Array;
}

export interface AdamConfig {
  lr: number;
  beta1: number;
  beta2: number;
  /** Added to √v̂ (PyTorch and tfjs put it in the same place; tfjs's default is 1e-7, ours and PyTorch's 1e-8, so it is always passed). */
  eps: number;
}

export interface TrainData {
  convs: TrainConv[];
  /** NCHW. */
  x: Float32Array;
  xShape: [number, number, number, number];
  y: Float32Array;
  yShape: [number, number, number, number];
  adam: AdamConfig;
}

/** A step taker: `step()` runs one training step and resolves to its loss (before the update), read back. */
export interface TrainSession {
  step(): Promise<number>;
  /** Building the network, uploading weights and data: untimed, ms. */
  setupMs: number;
  /** How the side was driven, for the report. */
  note: string;
  dispose(): void;
}

export const ADAM: AdamConfig = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/**
 * The case's weights and batch, seeded. Weights are uniform with variance
 * 2/fan-in (He), fan-in counting the taps that reach one output (a k4 s2
 * convT output reads (k/s)² taps per input channel), so activations stay O(1)
 * through the relus. The target is x upsampled ×2 (nearest) plus a seeded
 * ripple, something the decoder can learn.
 */
export function trainData(c: TrainCase, seed: number): TrainData {
  const specs = [
    { kind: 'convTranspose2d', inChannels: c.cin, outChannels: c.width, kernel: 4, stride: 2, padding: 1 },
    { kind: 'conv2d', inChannels: c.width, outChannels: c.width, kernel: 3, stride: 1, padding: 1 },
    { kind: 'conv2d', inChannels: c.width, outChannels: c.cin, kernel: 3, stride: 1, padding: 1 },
  ] as const;
  const convs = specs.map((s, i): TrainConv => {
    const n = s.inChannels * s.outChannels * s.kernel * s.kernel;
    const fanIn = (s.inChannels * s.kernel * s.kernel) / (s.stride * s.stride);
    const bound = Math.sqrt(6 / fanIn); // uniform(−b, b) has variance b²/3 = 2/fan-in
    return {
      ...s,
      weight: seededData(n, seed + 10 * i + 1).map((v) => v * bound),
      bias: seededData(s.outChannels, seed + 10 * i + 2).map((v) => 0.1 * v),
    };
  });
  const [n, ch, h] = [c.batch, c.cin, c.h];
  const x = seededData(n * ch * h * h, seed).map((v) => (v + 1) / 2);
  const ripple = seededData(n * ch * 4 * h * h, seed + 100);
  const y = new Float32Array(ripple.length);
  const H = 2 * h;
  for (let p = 0; p < n * ch; p++) {
    for (let yy = 0; yy < H; yy++) {
      for (let xx = 0; xx < H; xx++) {
        const o = (p * H + yy) * H + xx;
        y[o] = x[(p * h + (yy >> 1)) * h + (xx >> 1)] + 0.05 * ripple[o];
      }
    }
  }
  return { convs, x, xShape: [n, ch, h, h], y, yShape: [n, ch, H, H], adam: ADAM };
}

/** Largest |a − b| / |b| over the steps both sides completed (NaN when none). */
export function maxRelDiff(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return Number.NaN;
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return m;
}
