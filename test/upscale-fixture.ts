/**
 * A small real network for the image-pipeline tests, built from engine ops
 * with seeded random weights. It implements UpscaleModel honestly: its
 * receptive radius is computed from its layer list, not asserted.
 *
 *   h1 = relu(conv3×3(x))                       radius 1
 *   h2 = leakyRelu(conv3×3, dilation 2 (h1))    radius 2
 *   y  = pixelShuffle(conv3×3(h2)) · gain + bilinear(x)   (fused epilogue)
 *
 * The bilinear skip keeps the output close to the image (so uint8 output is
 * meaningful); the conv branch adds a data-dependent texture. Receptive radius
 * = max(1 + 2 + 1, bilinear's 1) = 4.
 */
import type { Engine, Tensor } from '../src/index.js';
import type { UpscaleModel } from '../src/model/types.js';
import { randomData, rng } from './helpers/random.js';

interface ConvLayer {
  cIn: number;
  cOut: number;
  k: number;
  dilation: number;
}

/** Sum over a chain of convs of dilation·(k−1)/2: how far an output pixel sees, in input pixels. */
export function chainRadius(layers: readonly ConvLayer[]): number {
  return layers.reduce((r, l) => r + (l.dilation * (l.k - 1)) / 2, 0);
}

export interface FixtureOptions {
  scale?: number;
  width?: number;
  seed?: number;
  range?: readonly [number, number];
}

export function fixtureModel(engine: Engine, options: FixtureOptions = {}): UpscaleModel & { maxChannels: number; runs: number } {
  const scale = options.scale ?? 2;
  const width = options.width ?? 8;
  const range = options.range ?? [0, 1];
  const rand = rng(options.seed ?? 1);
  const layers: ConvLayer[] = [
    { cIn: 3, cOut: width, k: 3, dilation: 1 },
    { cIn: width, cOut: width, k: 3, dilation: 2 },
    { cIn: width, cOut: 3 * scale * scale, k: 3, dilation: 1 },
  ];
  // Random weights scaled by 1/sqrt(fan-in) keep activations O(1) through the layers.
  const weights = layers.map((l) => {
    const n = l.cOut * l.cIn * l.k * l.k;
    const w = randomData(n, rand).map((v) => v / Math.sqrt(l.cIn * l.k * l.k));
    return {
      w: engine.tensor(w, [l.cOut, l.cIn, l.k, l.k]),
      b: engine.tensor(
        randomData(l.cOut, rand).map((v) => v * 0.1),
        [l.cOut],
      ),
      pad: (l.dilation * (l.k - 1)) / 2,
      dilation: l.dilation,
    };
  });
  const receptiveRadius = Math.max(chainRadius(layers), 1);
  const gain = 0.1 * (range[1] - range[0]);
  let disposed = false;
  const model = {
    name: `fixture-x${scale}`,
    scale,
    receptiveRadius,
    inputRange: range,
    outputRange: range,
    maxChannels: Math.max(width, 3 * scale * scale),
    runs: 0,
    run(x: Tensor): Tensor {
      model.runs++;
      const [l1, l2, l3] = weights;
      // Rescaled so the conv branch sees O(1) values whatever the model's value range.
      const xc = engine.mul(x, 2 / (range[1] - range[0]));
      const h1 = engine.conv2d(xc, l1.w, l1.b, { padding: l1.pad, activation: 'relu' });
      xc.dispose();
      const h2 = engine.conv2d(h1, l2.w, l2.b, { padding: l2.pad, dilation: l2.dilation, activation: 'leakyRelu', negativeSlope: 0.2 });
      h1.dispose();
      const skip = engine.upsample(x, { scale, mode: 'bilinear' });
      const y = engine.conv2d(h2, l3.w, l3.b, {
        padding: l3.pad,
        outputScale: gain,
        residual: skip,
        depthToSpace: { r: scale, mode: 'CRD' },
      });
      h2.dispose();
      skip.dispose();
      return y;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const { w, b } of weights) {
        w.dispose();
        b.dispose();
      }
    },
  };
  return model;
}
