/**
 * conv2d, stride 1, dilation 1, one group, as a tiled direct convolution through workgroup memory.
 *
 * One workgroup computes a TILE × TILE block of output pixels × coTile output channels of one
 * batch item. For each step of ciChunk input channels it stages the input block with its halo
 * ((TILE + kH − 1) × (TILE + kW − 1), zero outside the image) and those channels' weights for
 * its coTile outputs in workgroup memory, then each thread accumulates pixH rows × pixW adjacent
 * columns × 4·coVecs channels in registers: each input row segment is read from workgroup memory
 * once per tap row and serves kW taps, and every thread of a warp reads the same weight vec4 (a
 * broadcast). Global memory is read once per staged element instead of once per tap, which is
 * what makes this 1.5–4.6× faster than shaders/conv2d.wgsl.ts on an H100 for kernels of 3×3 and
 * up; on SwiftShader the two barriers per step serialise the workgroup and it is 3–15× slower
 * (src/kernels/conv-tiled.ts says which convs take it).
 *
 * Dispatch: one workgroup per (tile column, tile row, channel tile, n), tile column fastest,
 * folded into 2-D by the runner (threads = workgroups · WG). Threads are numbered column block
 * fastest, then row block, then channel block; each writes its pixH × pixW × 4·coVecs outputs
 * through the shared conv epilogue (convEpilogue: bias, activation, scale, residual,
 * depth-to-space store). Weights come packed as [ky][kx][ci][coBlocks]·vec4 over output channels
 * (the direct kernel's packing with one group, padded to whole channel tiles).
 * The kernel size is compiled in (the halo sizes the workgroup arrays, and the kW taps of a row
 * are unrolled so one row segment in registers serves them all); image sizes, channels and padding
 * are uniforms. Tap rows are a loop, not unrolled: the same speed on the H100 at 3×3 and 5×5, and
 * 1.4× faster at 7×7 (an unrolled body outgrows the instruction cache).
 */
import { convEpilogue, type ConvEpilogueVariant } from './conv2d.wgsl.js';
import { wgslUnravel } from '../src/core/indexing.js';

/** Output pixels per workgroup along each axis. */
export const TILE = 16;

/** The register blocking of one tiled kernel (from bench/kernel-variants.ts's TILE_CONFIGS). */
export interface TiledConfig {
  name: 't256' | 'c32';
  /** Output channels per workgroup. */
  coTile: number;
  /** Input channels staged per step, at most (fewer when a large kernel's halo and weights would not fit). */
  ciChunk: number;
  /** Per thread: pixW adjacent columns × pixH rows × 4·coVecs output channels. */
  pixW: number;
  pixH: number;
  coVecs: number;
}

/**
 * t256: 16 channels per workgroup, 4 px × 4 channels per thread, 256 threads, 8 input channels a
 * step. c32: 32 channels, 4×2 px × 8 channels per thread, 128 threads, 4 input channels a step
 * (half the staged input per multiply-add).
 */
export const TILED_CONFIGS: Readonly<Record<TiledConfig['name'], TiledConfig>> = {
  t256: { name: 't256', coTile: 16, ciChunk: 8, pixW: 4, pixH: 1, coVecs: 1 },
  c32: { name: 'c32', coTile: 32, ciChunk: 4, pixW: 4, pixH: 2, coVecs: 2 },
};

/**
 * Workgroup memory every WebGPU device has (maxComputeWorkgroupStorageSize's guaranteed
 * minimum); the tiled kernel stays within it, so its structure never depends on the device.
 */
export const TILED_SHARED_BYTES = 16384;

export type TiledVariant = ConvEpilogueVariant & {
  config: TiledConfig['name'];
  kH: number;
  kW: number;
  /** Input channels per step (see tiledCiChunk). */
  ciChunk: number;
};

/** Sizes of one tiled kernel's thread block and workgroup arrays. */
export function tiledGeometry(c: TiledConfig, kH: number, kW: number, ciChunk: number) {
  const inW = TILE + kW - 1;
  const inH = TILE + kH - 1;
  // An odd row stride puts the rows a warp reads on different banks (an even one, e.g. 18, gives 4-way conflicts).
  const rowStride = inW % 2 === 0 ? inW + 1 : inW;
  const ntx = TILE / c.pixW;
  const nty = TILE / c.pixH;
  const ncg = c.coTile / (4 * c.coVecs);
  const xsLen = ciChunk * inH * rowStride;
  const wsVecs = ciChunk * kH * kW * (c.coTile / 4);
  return { inW, inH, rowStride, ntx, nty, ncg, threads: ntx * nty * ncg, xsLen, wsVecs, sharedBytes: 4 * (xsLen + 4 * wsVecs) };
}

/** Input channels per step for a kernel size: the config's, or fewer so that the arrays fit TILED_SHARED_BYTES; 0 if none fits. */
export function tiledCiChunk(c: TiledConfig, kH: number, kW: number): number {
  for (let ci = c.ciChunk; ci > 0; ci--) if (tiledGeometry(c, kH, kW, ci).sharedBytes <= TILED_SHARED_BYTES) return ci;
  return 0;
}

/** Uniform fields (all u32), in order; then slope and outScale (f32). Filled by src/kernels/conv-tiled.ts. */
export const TILED_PARAMS = [
  'cIn',
  'inH',
  'inW',
  'cOut',
  'outH',
  'outW',
  'pH',
  'pW',
  'tilesX',
  'tilesY',
  'coTiles',
  'coBlocks',
  // Read by the shared epilogue: coPerGroup = cOut (one group), r and cSpace for its store.
  'coPerGroup',
  'r',
  'cSpace',
] as const;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function convTiledShader(v: TiledVariant): string {
  const c = TILED_CONFIGS[v.config];
  const { kH, kW, ciChunk: CI } = v;
  const g = tiledGeometry(c, kH, kW, CI);
  const { pixW: PW, pixH: PH, coVecs: CV } = c;
  const CB = c.coTile / 4;
  const KK = kH * kW;
  const plane = g.inH * g.inW;
  const blocks = range(PH).flatMap((r) => range(PW).flatMap((p) => range(CV).map((q) => [r, p, q] as const)));
  // One tap row ky (a loop in the shader): its kW·CV weights, then per output row the PW + kW − 1
  // inputs it spans and the FMAs.
  const weights = range(kW).flatMap((kx) => range(CV).map((q) => `        let w${kx}_${q} = ws[wk + ${kx * CB + q}u];`));
  const rows = range(PH).map((r) => {
    const xs = range(PW + kW - 1).map((j) => `          let x${j} = xs[xk + ${r * g.rowStride + j}u];`);
    const fmas = range(PW).flatMap((p) =>
      range(kW).flatMap((kx) => range(CV).map((q) => `          acc${r}_${p}_${q} += w${kx}_${q} * x${p + kx};`)),
    );
    return `        {\n${[...xs, ...fmas].join('\n')}\n        }`;
  });
  const taps = `      for (var ky = 0u; ky < ${kH}u; ky++) {
        let wk = wo + ky * ${kW * CB}u;
        let xk = xo + ky * ${g.rowStride}u;
${weights.join('\n')}
${rows.join('\n')}
      }`;
  // As in the direct kernel, the epilogue is one loop over the accumulators, not inlined copies of store().
  const nAcc = blocks.length;
  const stores = `  var accs = array<vec4<f32>, ${nAcc}>(${blocks.map(([r, p, q]) => `acc${r}_${p}_${q}`).join(', ')});
  for (var k = 0u; k < ${nAcc}u; k++) {
    let oy = oy0 + k / ${PW * CV}u;
    let ox = ox0 + (k / ${CV}u) % ${PW}u;
    if (oy < params.outH && ox < params.outW) { store(n, 0u, cb0 + k % ${CV}u, oy, ox, accs[k]); }
  }`;
  return `${convEpilogue(v)}
var<workgroup> xs: array<f32, ${g.xsLen}>;
var<workgroup> ws: array<vec4<f32>, ${g.wsVecs}>;

// One workgroup per output tile (the 'workgroup' entry point: tile is uniform, lid < WG).
fn item(tile: u32, lid: u32) {
  // Every thread of a workgroup takes the same branch here, so no barrier below is left waiting for threads that returned.
  if (tile >= params.total / WG) { return; }
${wgslUnravel(
  'tile',
  [
    ['tileX', 'params.tilesX'],
    ['tileY', 'params.tilesY'],
    ['ct', 'params.coTiles'],
  ],
  'n',
)}
${wgslUnravel(
  'lid',
  [
    ['px', `${g.ntx}u`],
    ['py', `${g.nty}u`],
  ],
  'cg',
  'thr',
)}
  let oy0 = tileY * ${TILE}u + py * ${PH}u;
  let ox0 = tileX * ${TILE}u + px * ${PW}u;
  let cb0 = ct * ${CB}u + cg * ${CV}u;
  let inPlane = params.inH * params.inW;
  let xBase = n * params.cIn * inPlane;
  let iy0 = i32(tileY * ${TILE}u) - i32(params.pH);
  let ix0 = i32(tileX * ${TILE}u) - i32(params.pW);
${blocks.map(([r, p, q]) => `  var acc${r}_${p}_${q} = vec4<f32>(0.0);`).join('\n')}
  for (var c0 = 0u; c0 < params.cIn; c0 += ${CI}u) {
    workgroupBarrier(); // everyone is done reading the previous step
    // Input block + halo of channels c0..c0+${CI}, zero outside the image and past cIn.
    for (var i = lid; i < ${CI * plane}u; i += WG) {
      let cil = i / ${plane}u;
      let rem = i - cil * ${plane}u;
      let r = rem / ${g.inW}u;
      let col = rem - r * ${g.inW}u;
      let ci = c0 + cil;
      let iy = iy0 + i32(r);
      let ix = ix0 + i32(col);
      var v = 0.0;
      if (ci < params.cIn && iy >= 0 && iy < i32(params.inH) && ix >= 0 && ix < i32(params.inW)) {
        v = x_ld(xBase + ci * inPlane + u32(iy) * params.inW + u32(ix));
      }
      xs[(cil * ${g.inH}u + r) * ${g.rowStride}u + col] = v;
    }
    // Their weights for this channel tile, as [ci][ky][kx][${CB} vec4s].
    for (var i = lid; i < ${g.wsVecs}u; i += WG) {
      let cil = i / ${KK * CB}u;
      let rem = i - cil * ${KK * CB}u;
      let t = rem / ${CB}u;
      let j = rem - t * ${CB}u;
      let ci = c0 + cil;
      var v = vec4<f32>(0.0);
      if (ci < params.cIn) { v = w_ld((t * params.cIn + ci) * params.coBlocks + ct * ${CB}u + j); }
      ws[i] = v;
    }
    workgroupBarrier();
    for (var cil = 0u; cil < ${CI}u; cil++) {
      let xo = cil * ${g.inH * g.rowStride}u + py * ${PH * g.rowStride}u + px * ${PW}u;
      let wo = cil * ${KK * CB}u + cg * ${CV}u;
${taps}
    }
  }
${stores}
}
`;
}
