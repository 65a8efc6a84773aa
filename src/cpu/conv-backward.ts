/**
 * CPU references of the convolution gradients, written from the chain rule:
 * the forward's loop nest is walked once more and every product x·w that fed
 * an output y sends that output's gradient back to both factors,
 *   y += x·w   ⇒   dx += dy·w,  dw += dy·x,
 * and db is Σ dy over N, H, W. Float64 data in gives float64 gradients out
 * (the finite-difference tests take the float64 forward's derivatives). The
 * GPU path computes dx with the other convolution's fast kernel instead; the
 * two derivations meet only in the tests.
 */
import {
  planConv2dBackward,
  planConvTranspose2dBackward,
  type Conv2dBackwardOptions,
  type ConvBackwardPlan,
  type ConvGradients,
  type ConvTranspose2dBackwardOptions,
} from '../ops/conv-backward.js';
import type { ConvPlan } from '../ops/conv2d.js';
import { zerosLike, type CpuTensor } from './tensor.js';

/** Gradients of conv2d (PyTorch semantics, weight [Cout, Cin/groups, kH, kW]) at x, w for the output gradient dy. */
export function conv2dBackward(
  x: CpuTensor,
  weight: CpuTensor,
  dy: CpuTensor,
  options: Conv2dBackwardOptions = {},
): ConvGradients<CpuTensor> {
  const b = planConv2dBackward(x.shape, weight.shape, dy.shape, options);
  const p = b.forward;
  const g = grads(b, x, weight, dy);
  const ciPerGroup = p.cIn / p.groups;
  const coPerGroup = p.cOut / p.groups;
  for (let n = 0; n < p.n; n++) {
    for (let co = 0; co < p.cOut; co++) {
      const grp = Math.floor(co / coPerGroup);
      for (let oy = 0; oy < p.outH; oy++) {
        for (let ox = 0; ox < p.outW; ox++) {
          const d = dy.data[((n * p.cOut + co) * p.outH + oy) * p.outW + ox];
          for (let cig = 0; cig < ciPerGroup; cig++) {
            const ci = grp * ciPerGroup + cig;
            for (let ky = 0; ky < p.kH; ky++) {
              const iy = oy * p.stride[0] - p.padding[0] + ky * p.dilation[0];
              if (iy < 0 || iy >= p.inH) continue;
              for (let kx = 0; kx < p.kW; kx++) {
                const ix = ox * p.stride[1] - p.padding[1] + kx * p.dilation[1];
                if (ix < 0 || ix >= p.inW) continue;
                const xi = ((n * p.cIn + ci) * p.inH + iy) * p.inW + ix;
                const wi = ((co * ciPerGroup + cig) * p.kH + ky) * p.kW + kx;
                if (g.dx) g.dx.data[xi] += d * weight.data[wi];
                if (g.dw) g.dw.data[wi] += d * x.data[xi];
              }
            }
          }
        }
      }
    }
  }
  return g;
}

/** Gradients of convTranspose2d (PyTorch semantics, weight [Cin, Cout/groups, kH, kW]) at x, w for the output gradient dy. */
export function convTranspose2dBackward(
  x: CpuTensor,
  weight: CpuTensor,
  dy: CpuTensor,
  options: ConvTranspose2dBackwardOptions = {},
): ConvGradients<CpuTensor> {
  const b = planConvTranspose2dBackward(x.shape, weight.shape, dy.shape, options);
  const p = b.forward;
  const g = grads(b, x, weight, dy);
  const ciPerGroup = p.cIn / p.groups;
  const coPerGroup = p.cOut / p.groups;
  for (let n = 0; n < p.n; n++) {
    for (let ci = 0; ci < p.cIn; ci++) {
      const grp = Math.floor(ci / ciPerGroup);
      for (let iy = 0; iy < p.inH; iy++) {
        for (let ix = 0; ix < p.inW; ix++) {
          const xi = ((n * p.cIn + ci) * p.inH + iy) * p.inW + ix;
          for (let cog = 0; cog < coPerGroup; cog++) {
            const co = grp * coPerGroup + cog;
            for (let ky = 0; ky < p.kH; ky++) {
              const oy = iy * p.stride[0] - p.padding[0] + ky * p.dilation[0];
              if (oy < 0 || oy >= p.outH) continue;
              for (let kx = 0; kx < p.kW; kx++) {
                const ox = ix * p.stride[1] - p.padding[1] + kx * p.dilation[1];
                if (ox < 0 || ox >= p.outW) continue;
                const d = dy.data[((n * p.cOut + co) * p.outH + oy) * p.outW + ox];
                const wi = ((ci * coPerGroup + cog) * p.kH + ky) * p.kW + kx;
                if (g.dx) g.dx.data[xi] += d * weight.data[wi];
                if (g.dw) g.dw.data[wi] += d * x.data[xi];
              }
            }
          }
        }
      }
    }
  }
  return g;
}

/** Zeroed dx and dw as needed, and db = Σ_{n, h, w} dy (the same for both convolutions). */
function grads(b: ConvBackwardPlan<ConvPlan>, x: CpuTensor, weight: CpuTensor, dy: CpuTensor): ConvGradients<CpuTensor> {
  const p = b.forward;
  const db = b.needs.db ? zerosLike(dy, [p.cOut]) : null;
  if (db) {
    const plane = p.outH * p.outW;
    for (let i = 0; i < dy.data.length; i++) db.data[Math.floor(i / plane) % p.cOut] += dy.data[i];
  }
  return {
    dx: b.needs.dx ? zerosLike(x, x.shape) : null,
    dw: b.needs.dw ? zerosLike(weight, weight.shape) : null,
    db,
  };
}
