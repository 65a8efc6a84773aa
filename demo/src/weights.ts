/**
 * Weight initialisations for the pages. The initialisers live in the library
 * (src/analysis: seeded PRNG, bilinear, ICNR, He, balanced); this module
 * re-exports the ones the pages use under their page names and keeps the
 * page-only smoothing kernel.
 */
import { outer } from '../../src/index.js';

export {
  seededRandom,
  bilinearKernel1d,
  bilinearGeometry,
  outer,
  depthwise,
  bilinearConvTranspose,
  icnr,
  pytorchDefaultWeights as randomWeights,
  type Weights,
} from '../../src/index.js';

/** The 3×3 binomial smoothing kernel [1 2 1]ᵀ[1 2 1] / 16 (sums to 1, so flat images stay flat). */
export function smoothingKernel(): Float32Array {
  const b = Float32Array.from([0.25, 0.5, 0.25]);
  return outer(b, b);
}
