/**
 * Weights of a stride-s transposed conv rearranged as a K×K stride-1 conv (K = 3 or 1) with s²·Cout output channels
 * (src/kernels/conv-transpose-phases.ts): output channel co' = co·s² + a·s + b (CRD: the depth-to-space
 * store puts it at phase (a, b) of channel co) takes, at tap (ty, tx), the convT tap
 * ky = a + pH − s·(ty + dMinH), kx = b + pW − s·(tx + dMinW), or zero where that tap is outside the kernel.
 */
import { wgslUnravel } from '../src/core/indexing.js';

/** One thread per element of the rearranged [s²·Cout, Cin, K, K] weight (the convT's is [Cin, Cout, kH, kW]). */
export function phaseWeightsShader(): string {
  return `
fn element(idx: u32) {
${wgslUnravel(
  'idx',
  [
    ['tx', 'params.taps'],
    ['ty', 'params.taps'],
    ['ci', 'params.cIn'],
  ],
  'cq',
)}
  let s = i32(params.s);
  let co = cq / (params.s * params.s);
  let a = i32((cq / params.s) % params.s);
  let b = i32(cq % params.s);
  let ky = a + i32(params.pH) - s * (i32(ty) + params.dMinH);
  let kx = b + i32(params.pW) - s * (i32(tx) + params.dMinW);
  let inside = ky >= 0 && ky < i32(params.kH) && kx >= 0 && kx < i32(params.kW);
  let src = ((ci * params.cOut + co) * params.kH + u32(max(ky, 0))) * params.kW + u32(max(kx, 0));
  y_st(idx, select(0.0, w_ld(min(src, params.wLast)), inside));
}
`;
}

/** One thread per rearranged output channel: the bias of channel co' is the convT's bias of co' / s². */
export function phaseBiasShader(): string {
  return `
fn element(idx: u32) {
  y_st(idx, b_ld(idx / (params.s * params.s)));
}
`;
}
