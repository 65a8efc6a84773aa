/**
 * CPU references of gaussianBlur and gaussianBlurBackward, straight from the
 * definitions in src/ops/gaussian-blur.ts (zero padding; float64 when handed
 * Float64Array data, for finite-difference tests).
 */
import {
  gaussianTaps,
  planGaussianBlur,
  planGaussianBlurBackward,
  type GaussianBlurBackwardOptions,
  type GaussianBlurGradients,
  type GaussianBlurOptions,
} from '../ops/gaussian-blur.js';
import { zerosLike, type CpuTensor } from './tensor.js';

/** x[n, c, h, w], 0 outside the image (the zero padding). */
function at(x: CpuTensor, n: number, c: number, h: number, w: number): number {
  const [, C, H, W] = x.shape;
  return h < 0 || h >= H || w < 0 || w >= W ? 0 : x.data[((n * C + c) * H + h) * W + w];
}

/** y[n, c, h, w] = Σ_{i,j} g_i g_j · x[n, c, h + i, w + j], i, j = −r … r. */
export function gaussianBlur(x: CpuTensor, sigma: CpuTensor, options: GaussianBlurOptions = {}): CpuTensor {
  const p = planGaussianBlur(x.shape, sigma.shape, options);
  const y = zerosLike(x, x.shape);
  const r = p.radius;
  let o = 0;
  for (let n = 0; n < p.n; n++) {
    for (let c = 0; c < p.channels; c++) {
      const { g } = gaussianTaps(sigma.data[p.sigmas === 1 ? 0 : c], p.kernel);
      for (let h = 0; h < p.height; h++) {
        for (let w = 0; w < p.width; w++, o++) {
          let acc = 0;
          for (let i = -r; i <= r; i++) for (let j = -r; j <= r; j++) acc += g[i + r] * g[j + r] * at(x, n, c, h + i, w + j);
          y.data[o] = acc;
        }
      }
    }
  }
  return y;
}

/**
 * dx[n, c, h, w] = Σ_{i,j} g_i g_j · dy[n, c, h − i, w − j] (the forward's adjoint, written as one);
 * dσ_c = Σ_{n,h,w} dy[n, c, h, w] · Σ_{i,j} (g'_i g_j + g_i g'_j) · x[n, c, h + i, w + j], summed over c for a shared σ.
 */
export function gaussianBlurBackward(
  x: CpuTensor,
  sigma: CpuTensor,
  dy: CpuTensor,
  options: GaussianBlurBackwardOptions = {},
): GaussianBlurGradients<CpuTensor> {
  const p = planGaussianBlurBackward(x.shape, sigma.shape, dy.shape, options);
  const dx = p.needs.dx ? zerosLike(dy, x.shape) : null;
  const dsigma = p.needs.dsigma ? zerosLike(dy, sigma.shape) : null;
  const r = p.radius;
  let o = 0;
  for (let n = 0; n < p.n; n++) {
    for (let c = 0; c < p.channels; c++) {
      const k = p.sigmas === 1 ? 0 : c;
      const { g, dg } = gaussianTaps(sigma.data[k], p.kernel);
      for (let h = 0; h < p.height; h++) {
        for (let w = 0; w < p.width; w++, o++) {
          let accX = 0;
          let accS = 0;
          for (let i = -r; i <= r; i++) {
            for (let j = -r; j <= r; j++) {
              accX += g[i + r] * g[j + r] * at(dy, n, c, h - i, w - j);
              accS += (dg[i + r] * g[j + r] + g[i + r] * dg[j + r]) * at(x, n, c, h + i, w + j);
            }
          }
          if (dx) dx.data[o] = accX;
          if (dsigma) dsigma.data[k] += dy.data[o] * accS;
        }
      }
    }
  }
  return { dx, dsigma };
}
