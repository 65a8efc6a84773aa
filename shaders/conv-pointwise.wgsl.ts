/**
 * A 1×1 conv (stride 1, no padding, one group) as one GEMM: V[ci][tile] = x[n][ci][oy][ox] (tile =
 * (n, oy, ox), padded with zeros to the GEMM's tile blocks), M = Uᵀ V on the Winograd GEMM
 * (shaders/conv2d-winograd.wgsl.ts, one "transform point"), then the fused epilogue. Dispatch:
 * src/kernels/conv-pointwise.ts.
 */
import { wgslUnravel } from '../src/core/indexing.js';
import { convEpilogue, type ConvEpilogueVariant } from './conv2d.wgsl.js';

/** Gather: one thread per (ci, padded tile); tiles past the real ones store zeros. */
export function pointwiseInputShader(): string {
  return `
fn element(idx: u32) {
${wgslUnravel('idx', [['t', 'params.tilesPad']], 'ci')}
  let live = t < params.tiles;
  let tt = min(t, params.tiles - 1u);
${wgslUnravel(
  'tt',
  [
    ['ox', 'params.outW'],
    ['oy', 'params.outH'],
  ],
  'n',
)}
  let src = ((n * params.inC + ci) * params.outH + oy) * params.outW + ox;
  v_st(idx, select(0.0, x_ld(src), live));
}
`;
}

/** Epilogue: one thread per (tile, 4-channel block) hands M's vec4 to store(). */
export function pointwiseOutputShader(v: ConvEpilogueVariant): string {
  return `${convEpilogue(v)}
fn element(idx: u32) {
${wgslUnravel('idx', [['t', 'params.tiles']], 'cb')}
${wgslUnravel(
  't',
  [
    ['ox', 'params.outW'],
    ['oy', 'params.outH'],
  ],
  'n',
)}
  store(n, 0u, cb, oy, ox, m_ld(cb * params.tilesPad + t));
}
`;
}
