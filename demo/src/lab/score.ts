/**
 * Scoring a trained decoder for checkerboard artifacts: run it on an input that
 * has no high frequencies of its own (flat, or a smooth ramp) and measure how
 * much of the output's variation sits at the stride's frequencies.
 *
 * Why whole outputs, borders included: a decoder without a checkerboard maps
 * a flat input to an output that is flat in the interior, so its only non-DC
 * energy is the border's (zero padding), spread over all frequencies. Cropping
 * the border would leave 0/0 (rounding noise over rounding noise) for exactly
 * the good decoders.
 */
import { checkerboardScore, type Engine, type Sequential } from '../../../src/index.js';

/** C planes of H×W, row-major ([C, H, W]). */
export interface Planes {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** A constant image: every pixel of every channel `value`. */
export function flatInput(channels: number, size: number, value = 0.5): Planes {
  return { data: new Float32Array(channels * size * size).fill(value), channels, height: size, width: size };
}

/**
 * A smooth image: a diagonal ramp from `lo` to `hi` (the same in every channel).
 * Its own energy is at the lowest frequencies, so a period-s pattern in the
 * output can only come from the decoder.
 */
export function smoothInput(channels: number, size: number, lo = 0.2, hi = 0.8): Planes {
  const data = new Float32Array(channels * size * size);
  const span = Math.max(1, 2 * (size - 1));
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[(c * size + y) * size + x] = lo + ((hi - lo) * (x + y)) / span;
  }
  return { data, channels, height: size, width: size };
}

/**
 * The score of a decoder's output (src/analysis's checkerboardScore): energy at
 * the stride's frequencies / non-DC energy, channels pooled by energy; in
 * [0, 1], 0 for an image with no non-DC energy.
 */
export function score(output: Planes, stride: number): number {
  return checkerboardScore(output, stride).score;
}

/** The decoder's output for `input`, read back as planes (inference: training = false). */
export async function decode(net: Sequential, input: Planes): Promise<Planes> {
  const engine: Engine = net.engine;
  const x = engine.tensor(input.data, [1, input.channels, input.height, input.width]);
  try {
    const y = net.forward(x, { training: false });
    try {
      const [, channels, height, width] = y.shape;
      return { data: await y.read(), channels, height, width };
    } finally {
      y.dispose();
    }
  } finally {
    x.dispose();
  }
}

/** Mean over channels: one plane to draw. */
export function meanPlane(p: Planes): { data: Float32Array; height: number; width: number } {
  const n = p.height * p.width;
  const out = new Float32Array(n);
  for (let c = 0; c < p.channels; c++) for (let i = 0; i < n; i++) out[i] += p.data[c * n + i] / p.channels;
  return { data: out, height: p.height, width: p.width };
}
