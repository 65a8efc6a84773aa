/**
 * conv2d and convTranspose2d, one source (variants by wgsl-preprocessor).
 *
 * Register blocking: each thread computes CONV_PIXELS = 8 horizontally adjacent
 * outputs × 4·CV output channels (CV = 1, 2 or 4 vec4 blocks). Per input channel
 * and tap it loads 8 inputs and CV weight vec4s for 32·CV multiply-adds; loads,
 * not FLOPs, are what cost on every adapter (and most on SwiftShader, where each
 * load is bounds-checked). Weights are prepacked once as vec4 over output
 * channels, [g][ky][kx][ci/g][coBlocks] (see packWeightsShader).
 *
 * conv2d: grid over (n, channel-block, oy, ox-block), ox-block fastest.
 *
 * convTranspose2d, stride-phase form: output row oy only receives taps ky with
 * (oy + p − ky·d) ≡ 0 (mod s), and that residue depends only on the phase
 * py = oy mod s. The grid runs over (n, channel-block, py, px, qy, qx-block)
 * with oy = qy·s + py, ox = qx·s + px, so all threads of a workgroup share one
 * phase, hence one tap set and one weight stream, and no thread ever visits a
 * tap that would land on an inserted zero. Within a phase, consecutive qx read
 * consecutive input columns, which is what makes the pixel blocking work.
 * The first tap of a phase is found by a search over at most s/gcd(s, d)
 * candidates; later taps step by kStep = s/gcd(s, d), moving the input by d/gcd(s, d).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import type { ActivationName } from '../src/ops/activation.js';
import { wgslDepthChannel } from '../src/ops/depth-to-space.js';
import { ACTIVATION_WGSL } from './activation.wgsl.js';
import { wgslRavel, wgslUnravel, type IndexDim } from '../src/core/indexing.js';

export type ConvVariant = {
  transposed: boolean;
  bias: boolean;
  activation: ActivationName;
  /** PReLU (activation 'none'): negative values times pr_ld(channel · params.preluStride). */
  prelu: boolean;
  /** Multiply by params.outScale after the activation. */
  scale: boolean;
  /** Add res_ld(out index) last. */
  residual: boolean;
  /** Store into depth-to-space positions (block params.r, CRD or DCR order). */
  shuffle: 'none' | 'CRD' | 'DCR';
  /** vec4 output-channel blocks per thread: 1 (≤ 4 channels per group), 2 (≤ 8) or 4. */
  cv: 1 | 2 | 4;
};

export const CONV_WORKGROUP = 64;
/** Adjacent output pixels per thread. */
export const CONV_PIXELS = 8;

/** Uniform fields, in order; filled by src/kernels/conv.ts. */
export const CONV_PARAMS = [
  'n',
  'cIn',
  'inH',
  'inW',
  'cOut',
  'outH',
  'outW',
  'kH',
  'kW',
  'sH',
  'sW',
  'pH',
  'pW',
  'dH',
  'dW',
  'ciPerGroup',
  'coPerGroup',
  'coBlocks',
  'tBlocks',
  'groups',
  'kStepH',
  'kStepW',
  'qH',
  'qWB',
  'r',
  'cSpace',
] as const;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const P = range(CONV_PIXELS);

/** The structural flags of the fused epilogue (a part of ConvVariant; the tiled kernel shares it). */
export type ConvEpilogueVariant = Pick<ConvVariant, 'bias' | 'activation' | 'prelu' | 'scale' | 'residual' | 'shuffle'>;

/**
 * WGSL of the fused epilogue, shared by this kernel and the tiled one (shaders/conv2d-tiled.wgsl.ts):
 * `store(n, g, cb, oy, ox, acc)` applies bias, activation, outputScale and residual to the 4
 * output channels of block cb of group g at one pixel and stores them (NCHW or depth-to-space).
 * Reads params.outH, outW, cOut, coPerGroup, cSpace, r, slope, outScale (and preluStride with prelu), and
 * the b, pr, res and y bindings.
 */
export function convEpilogue(v: ConvEpilogueVariant): string {
  const relu = v.activation === 'relu';
  const leaky = v.activation === 'leakyRelu';
  const sigmoid = v.activation === 'sigmoid';
  const tanh = v.activation === 'tanh';
  const crelu = v.activation === 'crelu';
  const shuffled = v.shuffle !== 'none';
  const crd = v.shuffle === 'CRD';
  return wgsl`
#if ${shuffled}
${wgslDepthChannel(crd ? 'CRD' : 'DCR')}
#endif
// Where activated output (n, co, oy, ox) is stored: plain NCHW over the cSpace stored channels
// (cOut, or 2·cOut after crelu), or its depth-to-space position (depth channel co holds space
// channel c < cSpace at block offset (a, b): (c, oy·r + a, ox·r + b)).
fn outIndex(n: u32, co: u32, oy: u32, ox: u32) -> u32 {
#if ${shuffled}
  let r = params.r;
  let cab = depthChannelCoords(co, params.cSpace, r);
  return ${wgslRavel(
    [
      ['ox * r + cab.z', 'params.outW * r'],
      ['oy * r + cab.y', 'params.outH * r'],
      ['cab.x', 'params.cSpace'],
    ],
    'n',
  )};
#else
  return ${wgslRavel(
    [
      ['ox', 'params.outW'],
      ['oy', 'params.outH'],
      ['co', 'params.cSpace'],
    ],
    'n',
  )};
#endif
}

#if ${sigmoid || tanh}
${ACTIVATION_WGSL}
#endif
// After the activation: scale, residual, store of activated channel ca.
fn storeActivated(n: u32, ca: u32, oy: u32, ox: u32, activated: f32) {
  var v = activated;
#if ${v.scale}
  v *= params.outScale;
#endif
  let oi = outIndex(n, ca, oy, ox);
#if ${v.residual}
  v += res_ld(oi);
#endif
  y_st(oi, v);
}

// Epilogue for the 4 channels of block cb at one pixel: bias, activation, then storeActivated().
fn store(n: u32, g: u32, cb: u32, oy: u32, ox: u32, acc: vec4<f32>) {
  for (var j = 0u; j < 4u; j++) {
    let cog = cb * 4u + j;
    if (cog >= params.coPerGroup) { return; }
    let co = g * params.coPerGroup + cog;
    var v = acc[j];
#if ${v.bias}
    v += b_ld(co);
#endif
#if ${crelu}
    // concat(relu(v), relu(−v)) on channels: co and cOut + co of the 2·cOut activated channels.
    storeActivated(n, co, oy, ox, max(v, 0.0));
    storeActivated(n, params.cOut + co, oy, ox, max(-v, 0.0));
#else
#if ${relu}
    v = max(v, 0.0);
#elif ${leaky}
    v = select(v * params.slope, v, v >= 0.0);
#elif ${sigmoid}
    v = sigmoidStable(v);
#elif ${tanh}
    v = tanhStable(v);
#endif
#if ${v.prelu}
    v = select(v * pr_ld(co * params.preluStride), v, v >= 0.0);
#endif
    storeActivated(n, co, oy, ox, v);
#endif
  }
}
`;
}

export function convShader(v: ConvVariant): string {
  const C = range(v.cv);
  const accDecl = P.flatMap((j) => C.map((c) => `  var acc${j}_${c} = vec4<f32>(0.0);`)).join('\n');
  const colSetup = P.map(
    (j) => `      let ix${j} = ixA + ${j} * ixStep;
      let in${j} = ix${j} >= 0 && ix${j} < i32(params.inW);
      let c${j} = u32(clamp(ix${j}, 0, i32(params.inW) - 1));`,
  ).join('\n');
  const inner = [
    ...C.map((c) => `        let w${c} = w_ld(wi + ${c}u);`),
    ...P.map((j) => `        let x${j} = select(0.0, x_ld(xi + c${j}), in${j});`),
    ...P.flatMap((j) => C.map((c) => `        acc${j}_${c} += x${j} * w${c};`)),
  ].join('\n');
  // The epilogue is one loop over the accumulators, not CONV_PIXELS·cv inlined
  // copies of store(): the same work, a fraction of the code to compile (cold start).
  const nAcc = CONV_PIXELS * v.cv;
  const stores = `  var accs = array<vec4<f32>, ${nAcc}>(${P.flatMap((j) => C.map((c) => `acc${j}_${c}`)).join(', ')});
  for (var k = 0u; k < ${nAcc}u; k++) {
    let ox = ox0 + (k / ${v.cv}u) * oxStep;
    if (ox < params.outW) { store(n, g, cb + k % ${v.cv}u, oy, ox, accs[k]); }
  }`;
  // Grid of the main kernel, innermost first (see the file comment).
  const grid: IndexDim[] = v.transposed
    ? [
        ['qb', 'params.qWB'],
        ['qy', 'params.qH'],
        ['px', 'params.sW'],
        ['py', 'params.sH'],
        ['cbAll', 'blocksAll'],
      ]
    : [
        ['qb', 'params.qWB'],
        ['qy', 'params.qH'],
        ['cbAll', 'blocksAll'],
      ];
  return wgsl`${convEpilogue(v)}
// First tap k0 of the phase of t = o + p (or -1): the smallest k < kStep with k·d ≡ t (mod s).
fn firstTap(t: i32, s: i32, d: i32, kStep: i32) -> i32 {
  let rho = t % s;
  for (var c = 0; c < kStep; c++) {
    if ((c * d) % s == rho) { return c; }
  }
  return -1;
}

fn element(idx: u32) {
  let blocksAll = params.groups * params.tBlocks;
${wgslUnravel('idx', grid, 'n')}
#if ${v.transposed}
  let oy = qy * params.sH + py;
  let ox0 = qb * ${CONV_PIXELS}u * params.sW + px;
  let oxStep = params.sW;
#else
  let oy = qy;
  let ox0 = qb * ${CONV_PIXELS}u;
  let oxStep = 1u;
#endif
  if (oy >= params.outH || ox0 >= params.outW) { return; }
${wgslUnravel('cbAll', [['cbg', 'params.tBlocks']], 'g')}
  let cb = cbg * ${v.cv}u;
  let plane = params.inH * params.inW;
  let xBase = (n * params.cIn + g * params.ciPerGroup) * plane;
${accDecl}
#if ${v.transposed}
  // Rows: the taps of this phase that land inside the input.
  let ty = i32(oy + params.pH);
  let ky0 = firstTap(ty, i32(params.sH), i32(params.dH), i32(params.kStepH));
  let kx0 = firstTap(i32(ox0 + params.pW), i32(params.sW), i32(params.dW), i32(params.kStepW));
  if (ky0 >= 0 && kx0 >= 0) {
  for (var ky = ky0; ky < i32(params.kH); ky += i32(params.kStepH)) {
    let iy = (ty - ky * i32(params.dH)) / i32(params.sH);
    if (iy < 0) { break; }
    if (iy >= i32(params.inH)) { continue; }
    for (var kx = kx0; kx < i32(params.kW); kx += i32(params.kStepW)) {
      // Exact division: ox0 + p − kx·d is a multiple of s by the choice of kx0.
      let ixA = (i32(ox0 + params.pW) - kx * i32(params.dW)) / i32(params.sW);
      let ixStep = 1;
#else
  {
  for (var ky = 0; ky < i32(params.kH); ky++) {
    let iy = i32(oy * params.sH) - i32(params.pH) + ky * i32(params.dH);
    if (iy < 0 || iy >= i32(params.inH)) { continue; }
    for (var kx = 0; kx < i32(params.kW); kx++) {
      let ixA = i32(ox0 * params.sW) - i32(params.pW) + kx * i32(params.dW);
      let ixStep = i32(params.sW);
#endif
${colSetup}
      var xi = xBase + u32(iy) * params.inW;
      var wi = ((g * params.kH + u32(ky)) * params.kW + u32(kx)) * params.ciPerGroup * params.coBlocks + cb;
      for (var ci = 0u; ci < params.ciPerGroup; ci++) {
${inner}
        xi += plane;
        wi += params.coBlocks;
      }
    }
  }
  }
${stores}
}
`;
}

/**
 * Repacks PyTorch weights into [g][ky][kx][ci/g][coBlocks] vec4 blocks over
 * output channels, zero-padded. Runs once per weight tensor; the engine caches it.
 * One thread per packed scalar.
 */
export function packWeightsShader(transposed: boolean): string {
  return wgsl`
fn element(idx: u32) {
  let coPad = params.coBlocks * 4u;
${wgslUnravel(
  'idx',
  [
    ['cog', 'coPad'],
    ['cig', 'params.ciPerGroup'],
    ['kx', 'params.kW'],
    ['ky', 'params.kH'],
  ],
  'g',
)}
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
