/**
 * CPU reference of convTranspose2d, written as the definition: every input
 * pixel scatters its kernel, stretched by the dilation, onto the output grid
 * at stride s, shifted by -padding. (The GPU kernel gathers per output phase
 * instead; the two derivations meet only in the tests.) Float64 data in gives
 * float64 out (without an epilogue: the finite-difference tests of convTranspose2dBackward).
 */
import { applyActivation } from '../ops/activation.js';
import { crelu } from './crelu.js';
import { planConvTranspose2d, type ConvTranspose2dOptions } from '../ops/conv-transpose2d.js';
import { zerosLike, type CpuTensor } from './tensor.js';
import { applyEpilogue } from './epilogue.js';

export function convTranspose2d(
  x: CpuTensor,
  weight: CpuTensor,
  bias: CpuTensor | null,
  options: ConvTranspose2dOptions<CpuTensor> = {},
): CpuTensor {
  const p = planConvTranspose2d(x.shape, weight.shape, bias?.shape ?? null, options);
  const out = zerosLike(x, p.outShape);
  const ciPerGroup = p.cIn / p.groups;
  const coPerGroup = p.cOut / p.groups;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  for (let n = 0; n < p.n; n++) {
    for (let ci = 0; ci < p.cIn; ci++) {
      const g = Math.floor(ci / ciPerGroup);
      for (let iy = 0; iy < p.inH; iy++) {
        for (let ix = 0; ix < p.inW; ix++) {
          const v = x.data[((n * p.cIn + ci) * p.inH + iy) * p.inW + ix];
          for (let cog = 0; cog < coPerGroup; cog++) {
            const co = g * coPerGroup + cog;
            for (let ky = 0; ky < p.kH; ky++) {
              const oy = iy * sh - ph + ky * dh;
              if (oy < 0 || oy >= p.outH) continue;
              for (let kx = 0; kx < p.kW; kx++) {
                const ox = ix * sw - pw + kx * dw;
                if (ox < 0 || ox >= p.outW) continue;
                const wv = weight.data[((ci * coPerGroup + cog) * p.kH + ky) * p.kW + kx];
                out.data[((n * p.cOut + co) * p.outH + oy) * p.outW + ox] += v * wv;
              }
            }
          }
        }
      }
    }
  }
  return applyEpilogue('convTranspose2d', finishConv(out, bias, p.cOut, p.outH * p.outW, p.activation), options);
}

/** Adds the bias per channel, then applies the activation (in place, except crelu, which doubles the channels). */
export function finishConv(
  out: CpuTensor,
  bias: CpuTensor | null,
  channels: number,
  plane: number,
  activation: Parameters<typeof applyActivation>[0],
): CpuTensor {
  const perElement = activation.kind === 'crelu' ? { ...activation, kind: 'none' as const } : activation;
  for (let i = 0; i < out.data.length; i++) {
    const c = Math.floor(i / plane) % channels;
    out.data[i] = applyActivation(perElement, out.data[i] + (bias ? bias.data[c] : 0));
  }
  return activation.kind === 'crelu' ? crelu(out) : out;
}
