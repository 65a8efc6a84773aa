/**
 * conv2d and convTranspose2d, one source.
 *
 * Each thread writes 4 consecutive output channels of one output pixel
 * (weights are prepacked as vec4 over output channels, see pack-weights).
 *
 * conv2d: grid over (n, group·channel-block, oy, ox), ox fastest.
 *
 * convTranspose2d, stride-phase form: output row oy only receives taps ky with
 * (oy + p - ky·d) ≡ 0 (mod s), and that residue depends only on the phase
 * py = oy mod s. So the grid runs over (n, channel-block, py, px, qy, qx) with
 * oy = qy·s + py: all threads of a workgroup share one phase, hence one tap
 * set and one weight stream, and no thread ever looks at a tap that would hit
 * an inserted zero. The first tap of a phase is found by a search over at most
 * s/gcd(s, d) candidates; later taps step by kStep = s/gcd(s, d), which moves
 * the input row by d/gcd(s, d).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import type { ActivationName } from '../src/ops/activation.js';

export interface ConvVariant {
  transposed: boolean;
  bias: boolean;
  activation: ActivationName;
  /** Multiply by params.outScale after the activation. */
  scale: boolean;
  /** Add r_ld(out index) last. */
  residual: boolean;
  /** Store into depth-to-space positions (block params.r, CRD or DCR order). */
  shuffle: 'none' | 'CRD' | 'DCR';
}

export const CONV_WORKGROUP = 64;

/** Uniform fields, in order; filled by src/kernels/conv.ts. */
export const CONV_PARAMS = [
  'n', 'cIn', 'inH', 'inW', 'cOut', 'outH', 'outW', 'kH', 'kW',
  'sH', 'sW', 'pH', 'pW', 'dH', 'dW', 'ciPerGroup', 'coPerGroup', 'coBlocks', 'groups',
  'kStepH', 'kStepW', 'qH', 'qW', 'r', 'cSpace',
] as const;

export function convShader(v: ConvVariant): string {
  const relu = v.activation === 'relu';
  const leaky = v.activation === 'leakyRelu';
  const shuffled = v.shuffle !== 'none';
  const crd = v.shuffle === 'CRD';
  return wgsl`
// Where output (n, co, oy, ox) is stored: plain NCHW, or its depth-to-space position
// (channel co = c·r² + a·r + b for CRD, (a·r + b)·C + c for DCR goes to (c, oy·r + a, ox·r + b)).
fn outIndex(n: u32, co: u32, oy: u32, ox: u32) -> u32 {
#if ${shuffled}
  let r = params.r;
#if ${crd}
  let c = co / (r * r); let a = (co / r) % r; let b = co % r;
#else
  let c = co % params.cSpace; let a = (co / params.cSpace) / r; let b = (co / params.cSpace) % r;
#endif
  return ((n * params.cSpace + c) * params.outH * r + oy * r + a) * params.outW * r + ox * r + b;
#else
  return ((n * params.cOut + co) * params.outH + oy) * params.outW + ox;
#endif
}

// Taps of one axis for output coordinate o: the range [jLo, jHi] of tap steps j,
// kernel index k = k0 + j·kStep, input index i = i0 - j·di.
struct Taps { k0: i32, i0: i32, di: i32, jLo: i32, jHi: i32, kStep: i32 }

fn transposedTaps(o: i32, s: i32, p: i32, d: i32, k: i32, kStep: i32, inSize: i32) -> Taps {
  let t = o + p;
  let rho = t % s;
  var taps = Taps(0, 0, 1, 0, -1, kStep);
  var k0 = -1;
  for (var c = 0; c < kStep; c++) {
    if ((c * d) % s == rho) { k0 = c; break; }
  }
  if (k0 < 0 || k0 >= k) { return taps; }
  let i0 = (t - k0 * d) / s;
  if (i0 < 0) { return taps; }
  let di = (kStep * d) / s;
  let count = (k - k0 + kStep - 1) / kStep;
  var jLo = 0;
  if (i0 >= inSize) { jLo = (i0 - inSize + 1 + di - 1) / di; }
  let jHi = min(count - 1, i0 / di);
  return Taps(k0, i0, di, jLo, jHi, kStep);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let idx = threadIndex(wid, lid);
  if (idx >= params.total) { return; }
  let blocksAll = params.groups * params.coBlocks;
#if ${v.transposed}
  var t = idx;
  let qx = t % params.qW; t = t / params.qW;
  let qy = t % params.qH; t = t / params.qH;
  let px = t % params.sW; t = t / params.sW;
  let py = t % params.sH; t = t / params.sH;
  let cbAll = t % blocksAll;
  let n = t / blocksAll;
  let oy = qy * params.sH + py;
  let ox = qx * params.sW + px;
  if (oy >= params.outH || ox >= params.outW) { return; }
#else
  var t = idx;
  let ox = t % params.outW; t = t / params.outW;
  let oy = t % params.outH; t = t / params.outH;
  let cbAll = t % blocksAll;
  let n = t / blocksAll;
#endif
  let g = cbAll / params.coBlocks;
  let cb = cbAll % params.coBlocks;
  let xBase = (n * params.cIn + g * params.ciPerGroup) * params.inH * params.inW;
  let plane = params.inH * params.inW;
  var acc = vec4<f32>(0.0);
#if ${v.transposed}
  let ty = transposedTaps(i32(oy), i32(params.sH), i32(params.pH), i32(params.dH), i32(params.kH), i32(params.kStepH), i32(params.inH));
  let tx = transposedTaps(i32(ox), i32(params.sW), i32(params.pW), i32(params.dW), i32(params.kW), i32(params.kStepW), i32(params.inW));
  for (var jy = ty.jLo; jy <= ty.jHi; jy++) {
    let ky = u32(ty.k0 + jy * ty.kStep);
    let iy = u32(ty.i0 - jy * ty.di);
    for (var jx = tx.jLo; jx <= tx.jHi; jx++) {
      let kx = u32(tx.k0 + jx * tx.kStep);
      let ix = u32(tx.i0 - jx * tx.di);
#else
  for (var ky = 0u; ky < params.kH; ky++) {
    let iyS = i32(oy * params.sH + ky * params.dH) - i32(params.pH);
    if (iyS < 0 || iyS >= i32(params.inH)) { continue; }
    let iy = u32(iyS);
    for (var kx = 0u; kx < params.kW; kx++) {
      let ixS = i32(ox * params.sW + kx * params.dW) - i32(params.pW);
      if (ixS < 0 || ixS >= i32(params.inW)) { continue; }
      let ix = u32(ixS);
#endif
      var xi = xBase + iy * params.inW + ix;
      var wi = (((g * params.kH + ky) * params.kW + kx) * params.ciPerGroup) * params.coBlocks + cb;
      for (var ci = 0u; ci < params.ciPerGroup; ci++) {
        acc += x_ld(xi) * w_ld(wi);
        xi += plane;
        wi += params.coBlocks;
      }
    }
  }
  for (var j = 0u; j < 4u; j++) {
    let cog = cb * 4u + j;
    if (cog >= params.coPerGroup) { break; }
    let co = g * params.coPerGroup + cog;
    var v = acc[j];
#if ${v.bias}
    v += b_ld(co);
#endif
#if ${relu}
    v = max(v, 0.0);
#elif ${leaky}
    v = select(v * params.slope, v, v >= 0.0);
#endif
#if ${v.scale}
    v *= params.outScale;
#endif
    let oi = outIndex(n, co, oy, ox);
#if ${v.residual}
    v += res_ld(oi);
#endif
    y_st(oi, v);
  }
}
`;
}

/**
 * Repacks PyTorch weights into [g][ky][kx][ci/g][ceil(co/g / 4)] vec4 blocks over
 * output channels, zero-padded. Runs once per weight tensor; the engine caches it.
 * One thread per packed scalar.
 */
export function packWeightsShader(transposed: boolean): string {
  return wgsl`
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let idx = threadIndex(wid, lid);
  if (idx >= params.total) { return; }
  let coPad = params.coBlocks * 4u;
  var t = idx;
  let cog = t % coPad; t = t / coPad;
  let cig = t % params.ciPerGroup; t = t / params.ciPerGroup;
  let kx = t % params.kW; t = t / params.kW;
  let ky = t % params.kH;
  let g = t / params.kH;
  var v = 0.0;
  if (cog < params.coPerGroup) {
#if ${transposed}
    // PyTorch convTranspose2d weight [Cin, Cout/g, kH, kW]
    v = w_ld((((g * params.ciPerGroup + cig) * params.coPerGroup + cog) * params.kH + ky) * params.kW + kx);
#else
    // PyTorch conv2d weight [Cout, Cin/g, kH, kW]
    v = w_ld((((g * params.coPerGroup + cog) * params.ciPerGroup + cig) * params.kH + ky) * params.kW + kx);
#endif
  }
  p_st(idx, v);
}
`;
}
