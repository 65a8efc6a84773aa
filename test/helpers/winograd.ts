/**
 * Magnitudes for the Winograd convolutions' derived error bounds (test/conv2d-winograd.test.ts,
 * test/storage-f16.test.ts): the Winograd computation run on absolute values.
 */
import type { CpuTensor } from '../../src/cpu/index.js';
import { WINOGRAD_MATRICES, type WinogradTile } from '../../shaders/conv2d-winograd.wgsl.js';

const absM = (m: number[][]) => m.map((row) => row.map(Math.abs));

/** L·X·Rᵀ for small dense matrices. */
function sandwich(L: number[][], X: number[][], R: number[][]): number[][] {
  const LX = L.map((row) => X[0].map((_, j) => row.reduce((s, l, k) => s + l * X[k][j], 0)));
  return LX.map((row) => R.map((r) => r.reduce((s, v, k) => s + v * row[k], 0)));
}

/**
 * |Aᵀ| [Σ_ci (|G||g||G|ᵀ + floor) ⊙ (|B|ᵀ|d||B| + floor)] |A| per output (NCHW), padding `pad`:
 * with floor 0 the float32 rounding's Σ|terms|, with floor 2⁻¹⁴ the storage error's magnitude.
 */
export function winogradMagnitude(x: CpuTensor, w: CpuTensor, m: WinogradTile, pad: [number, number], floor = 0): Float32Array {
  const { BT, G, AT } = WINOGRAD_MATRICES[m];
  const [aBT, aG, aAT] = [absM(BT), absM(G), absM(AT)];
  const [n, cIn, H, W] = x.shape;
  const cOut = w.shape[0];
  const outH = H + 2 * pad[0] - 2;
  const outW = W + 2 * pad[1] - 2;
  const a = m + 2;
  const out = new Float32Array(n * cOut * outH * outW);
  const Us: number[][][] = [];
  for (let co = 0; co < cOut; co++) {
    for (let ci = 0; ci < cIn; ci++) {
      const g = [0, 1, 2].map((i) => [0, 1, 2].map((j) => Math.abs(w.data[((co * cIn + ci) * 3 + i) * 3 + j])));
      Us[co * cIn + ci] = sandwich(aG, g, aG).map((row) => row.map((v) => v + floor));
    }
  }
  for (let b = 0; b < n; b++) {
    for (let ty = 0; ty < Math.ceil(outH / m); ty++) {
      for (let tx = 0; tx < Math.ceil(outW / m); tx++) {
        const Vs = Array.from({ length: cIn }, (_, ci) => {
          const d = Array.from({ length: a }, (_, i) =>
            Array.from({ length: a }, (_, j) => {
              const iy = ty * m - pad[0] + i;
              const ix = tx * m - pad[1] + j;
              return iy >= 0 && iy < H && ix >= 0 && ix < W ? Math.abs(x.data[((b * cIn + ci) * H + iy) * W + ix]) : 0;
            }),
          );
          return sandwich(aBT, d, aBT).map((row) => row.map((v) => v + floor));
        });
        for (let co = 0; co < cOut; co++) {
          const M = Array.from({ length: a }, (_, i) =>
            Array.from({ length: a }, (_, j) => Vs.reduce((s, V, ci) => s + V[i][j] * Us[co * cIn + ci][i][j], 0)),
          );
          const Y = sandwich(aAT, M, aAT);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < m; j++) {
              const oy = ty * m + i;
              const ox = tx * m + j;
              if (oy < outH && ox < outW) out[((b * cOut + co) * outH + oy) * outW + ox] = Y[i][j];
            }
          }
        }
      }
    }
  }
  return out;
}
