/**
 * Analysis of learnable upsamplers, on plain numbers (no GPU, no DOM): where a
 * transposed convolution's taps overlap unevenly (the checkerboard), how
 * unequal a learned kernel's phase sums are, initialisers that avoid both, and
 * where a convT's output grid sits.
 */
export {
  overlapMap,
  overlapMap2d,
  checkerboardReport,
  phaseTapCounts,
  tapPhase,
  gcd,
  lcm,
  type OverlapGrid,
  type ConvTransposeGeometry,
  type OverlapVerdict,
  type AxisOverlap,
  type CheckerboardReport,
} from './overlap.js';
export { phaseSums, type PhaseSums } from './phase-sums.js';
export { checkerboardScore, type CheckerboardScore, type FrequencyEnergy, type ScoreImage } from './checkerboard-score.js';
export { seededRandom, uniformSource, normalSource, type Seed } from './random.js';
export {
  fans,
  gain,
  kaimingStd,
  kaimingNormal,
  kaimingUniform,
  pytorchDefaultWeights,
  type Weights,
  type WeightLayout,
  type FanMode,
  type FanConvention,
  type FanOptions,
  type Fans,
  type Nonlinearity,
  type KaimingOptions,
} from './init.js';
export {
  bilinearKernel1d,
  bilinearGeometry,
  bilinearConvTranspose,
  outer,
  depthwise,
  icnr,
  icnrInit,
  balancedConvTranspose,
} from './upsampler-init.js';
export { convTransposeGridOffset, alignSkip, type GridOffset, type Sides, type SkipAlignment } from './grid.js';
