/**
 * The six ways the checkerboard lab builds the same tiny ×2 decoder. Every
 * decoder is `conv 3×3 (3 → C) · relu · <upsampling head> (C → 3)`: the head is
 * the only thing that differs, and it is the last layer, so nothing after it can
 * hide (or cause) a checkerboard.
 *
 * Why these six (Odena, Dumoulin & Olah, "Deconvolution and Checkerboard
 * Artifacts", 2016; Aitken et al., "Checkerboard artifact free sub-pixel
 * convolution", 2017):
 *  (a) convT k3 s2: 3 taps over stride 2, so the output phases get 1 or 2 taps
 *      per axis (uneven overlap): the checkerboard's textbook cause.
 *  (b) convT k4 s2: k a multiple of s, even overlap (each phase 2 taps per axis).
 *  (c) resize-conv: nearest ×2, then conv 3×3 — every output sees the same taps.
 *  (d) conv to 4·3 channels + pixelShuffle(2), ICNR init: the 4 sub-pixel
 *      kernels start as copies, i.e. "conv, then nearest".
 *  (e) (a) followed by a learnable depthwise Gaussian blur, which damps the
 *      period-2 frequencies.
 *  (f) (a) trained with train()'s checkerboard regularizer (the phase-sum
 *      penalty on the convT weight), which pulls the phase sums together.
 */
import { layers, type Layer } from '../../../src/index.js';

export const METHOD_IDS = ['convT-k3s2', 'convT-k4s2', 'resize-conv', 'shuffle-icnr', 'convT-k3s2-blur', 'convT-k3s2-reg'] as const;
export type MethodId = (typeof METHOD_IDS)[number];

export interface Method {
  id: MethodId;
  /** Short name for tables and legends. */
  label: string;
  /** The decoder's layers for C hidden channels (a fresh set per call). */
  build(channels: number): Layer[];
  /** Trains with the checkerboard regularizer (only (f)). */
  regularized: boolean;
}

/** Input image channels (RGB) = output channels. */
const RGB = 3;
/** The ×2 factor of every decoder. */
export const SCALE = 2;

const features = (c: number): Layer[] => [layers.conv2d({ inChannels: RGB, outChannels: c, kernel: 3, padding: 1 }), layers.relu()];

// k3 s2 p1 op1: out = 2(n − 1) − 2 + 3 + 1 = 2n, the same size as every other head.
const convTk3 = (c: number): Layer =>
  layers.convTranspose2d({ inChannels: c, outChannels: RGB, kernel: 3, stride: 2, padding: 1, outputPadding: 1 });

export const METHODS: readonly Method[] = [
  { id: 'convT-k3s2', label: 'convT k3 s2', regularized: false, build: (c) => [...features(c), convTk3(c)] },
  {
    id: 'convT-k4s2',
    label: 'convT k4 s2',
    regularized: false,
    // k4 s2 p1: out = 2(n − 1) − 2 + 4 = 2n.
    build: (c) => [...features(c), layers.convTranspose2d({ inChannels: c, outChannels: RGB, kernel: 4, stride: 2, padding: 1 })],
  },
  {
    id: 'resize-conv',
    label: 'resize-conv (nearest ×2 + conv 3×3)',
    regularized: false,
    build: (c) => [
      ...features(c),
      layers.upsample({ scale: SCALE, mode: 'nearest' }),
      layers.conv2d({ inChannels: c, outChannels: RGB, kernel: 3, padding: 1 }),
    ],
  },
  {
    id: 'shuffle-icnr',
    label: 'conv + pixel shuffle (ICNR)',
    regularized: false,
    build: (c) => [
      ...features(c),
      layers.conv2d({ inChannels: c, outChannels: RGB * SCALE * SCALE, kernel: 3, padding: 1, init: { icnr: SCALE } }),
      layers.pixelShuffle(SCALE),
    ],
  },
  {
    id: 'convT-k3s2-blur',
    label: 'convT k3 s2 + learnable blur',
    regularized: false,
    build: (c) => [...features(c), convTk3(c), layers.learnableBlur({ channels: RGB })],
  },
  { id: 'convT-k3s2-reg', label: 'convT k3 s2 + checkerboard regularizer', regularized: true, build: (c) => [...features(c), convTk3(c)] },
];

/** The method with this id (throws on an unknown id: a typo in a flag or URL should not pass silently). */
export function methodById(id: string): Method {
  const m = METHODS.find((x) => x.id === id);
  if (!m) throw new Error(`checkerboard lab: unknown method '${id}' (known: ${METHOD_IDS.join(', ')})`);
  return m;
}
