/**
 * Winograd convolution F(m×m, 3×3) for conv2d 3×3, stride 1, dilation 1, one group (Lavin & Gray,
 * "Fast Algorithms for Convolutional Neural Networks", 2015). Each m×m output tile is
 * Y = Aᵀ [ Σ_ci (G g G ᵀ) ⊙ (Bᵀ d B) ] A over the (m+2)×(m+2) input patch d, so the multiply-adds
 * per output fall from 9·Cin to (m+2)²/m²·Cin: 16/4 = 4 (F(2,3), 2.25× fewer) or 36/16 = 2.25
 * (F(4,3), 4× fewer). Three passes, like ncnn-vulkan's:
 *
 *  1. input transform (winogradInputShader): one thread per (input channel, tile) reads its patch
 *     (zero outside the image: the conv's padding), writes the T = (m+2)² values V[p][ci][tile];
 *  2. T independent GEMMs (winogradGemmShader): M[p][co][tile] = Σ_ci U[p][ci][co]·V[p][ci][tile],
 *     register-blocked like the direct kernel's inner loop (e.g. 8 tiles × 16 output channels per
 *     thread: two vec4 loads of V and four of U per input channel for 32 vec4 multiply-adds),
 *     with no taps, bounds or index maths left in the loop;
 *  3. output transform (winogradOutputShader): one thread per (tile, 4-channel block) applies Aᵀ·A
 *     and hands each pixel's vec4 to the direct kernel's fused epilogue (bias, activation, scale,
 *     residual, depth-to-space store: shaders/conv2d.wgsl.ts convEpilogue).
 *
 * Weights are transformed once per weight tensor (winogradWeightShader: U = G g Gᵀ) into
 * [p][ci][coBlocks]·vec4, coBlocks a multiple of 4 (16 channels), zero past Cout; the engine caches them.
 * Tiles run over (n, tileY, tileX), tileX fastest, padded to a multiple of 8 (padding tiles hold zeros).
 *
 * Transform code is generated from the matrices below (zero terms dropped, ±1 without a multiply).
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { wgslUnravel } from '../src/core/indexing.js';
import { convEpilogue, type ConvEpilogueVariant } from './conv2d.wgsl.js';

export type WinogradTile = 2 | 4 | 6;

interface WinogradMatrices {
  /** Bᵀ: (m+2)×(m+2). */
  BT: number[][];
  /** G: (m+2)×3. */
  G: number[][];
  /** Aᵀ: m×(m+2). */
  AT: number[][];
}

/**
 * The transform matrices of F(2,3), F(4,3) and F(6,3) (Lavin & Gray's points 0, ±1; 0, ±1, ±2;
 * 0, ±1, ±2, ±1/2: the F(6,3) of ncnn and wincnn).
 */
export const WINOGRAD_MATRICES: Record<WinogradTile, WinogradMatrices> = {
  2: {
    BT: [
      [1, 0, -1, 0],
      [0, 1, 1, 0],
      [0, -1, 1, 0],
      [0, 1, 0, -1],
    ],
    G: [
      [1, 0, 0],
      [1 / 2, 1 / 2, 1 / 2],
      [1 / 2, -1 / 2, 1 / 2],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 0],
      [0, 1, -1, -1],
    ],
  },
  4: {
    BT: [
      [4, 0, -5, 0, 1, 0],
      [0, -4, -4, 1, 1, 0],
      [0, 4, -4, -1, 1, 0],
      [0, -2, -1, 2, 1, 0],
      [0, 2, -1, -2, 1, 0],
      [0, 4, 0, -5, 0, 1],
    ],
    G: [
      [1 / 4, 0, 0],
      [-1 / 6, -1 / 6, -1 / 6],
      [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6],
      [1 / 24, -1 / 12, 1 / 6],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 0],
      [0, 1, 1, 4, 4, 0],
      [0, 1, -1, 8, -8, 1],
    ],
  },
  6: {
    BT: [
      [1, 0, -21 / 4, 0, 21 / 4, 0, -1, 0],
      [0, 1, 1, -17 / 4, -17 / 4, 1, 1, 0],
      [0, -1, 1, 17 / 4, -17 / 4, -1, 1, 0],
      [0, 1 / 2, 1 / 4, -5 / 2, -5 / 4, 2, 1, 0],
      [0, -1 / 2, 1 / 4, 5 / 2, -5 / 4, -2, 1, 0],
      [0, 2, 4, -5 / 2, -5, 1 / 2, 1, 0],
      [0, -2, 4, 5 / 2, -5, -1 / 2, 1, 0],
      [0, -1, 0, 21 / 4, 0, -21 / 4, 0, 1],
    ],
    G: [
      [1, 0, 0],
      [-2 / 9, -2 / 9, -2 / 9],
      [-2 / 9, 2 / 9, -2 / 9],
      [1 / 90, 1 / 45, 2 / 45],
      [1 / 90, -1 / 45, 2 / 45],
      [32 / 45, 16 / 45, 8 / 45],
      [32 / 45, -16 / 45, 8 / 45],
      [0, 0, 1],
    ],
    AT: [
      [1, 1, 1, 1, 1, 1, 1, 0],
      [0, 1, -1, 2, -2, 1 / 2, -1 / 2, 0],
      [0, 1, 1, 4, 4, 1 / 4, 1 / 4, 0],
      [0, 1, -1, 8, -8, 1 / 8, -1 / 8, 0],
      [0, 1, 1, 16, 16, 1 / 16, 1 / 16, 0],
      [0, 1, -1, 32, -32, 1 / 32, -1 / 32, 1],
    ],
  },
};

/** Tiles per GEMM thread (and the multiple the tile count is padded to). */
export const WINOGRAD_TILE_BLOCK = 8;
export const WINOGRAD_WORKGROUP = 64;

/** Uniform fields of the transforms, in order; filled by src/kernels/conv-winograd.ts. */
export const WINOGRAD_PARAMS = [
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
  'tiles',
  'tilesPad',
  'coBlocks',
  'coPerGroup',
  'r',
  'cSpace',
] as const;

/** WGSL float literal of a matrix entry (exact for the entries above: small integers and 1/k written as a division). */
function lit(v: number): string {
  if (Number.isInteger(v)) return `${v}.0`;
  const inv = 1 / v;
  if (Number.isInteger(Math.round(inv * 1e9) / 1e9)) return `(1.0 / ${Math.round(inv)}.0)`;
  return `${v}`;
}

/** Σ_k row[k]·names[k] as WGSL, zeros dropped and ±1 written without a multiply. */
function lin(row: number[], names: string[]): string {
  const terms: string[] = [];
  row.forEach((c, k) => {
    if (c === 0) return;
    const sign = c < 0 ? '-' : '+';
    const a = Math.abs(c);
    terms.push(`${sign} ${a === 1 ? names[k] : `${lit(a)} * ${names[k]}`}`);
  });
  if (terms.length === 0) throw new Error('winograd: an all-zero transform row');
  const s = terms.join(' ');
  return s.startsWith('+ ') ? s.slice(2) : `-${s.slice(2)}`;
}

/**
 * Lines computing out = L · X · Rᵀ for an input named `x{i}_{j}` (rows × cols), through temporaries
 * `t{i}_{j}` = (L · X); outputs `o{i}_{j}`. `type` is the WGSL type of the values.
 */
function sandwich(L: number[][], R: number[][], rows: number, cols: number, x: string, t: string, o: string, type: string): string {
  const lines: string[] = [];
  for (let i = 0; i < L.length; i++) {
    for (let j = 0; j < cols; j++) {
      lines.push(
        `  let ${t}${i}_${j}: ${type} = ${lin(
          L[i],
          Array.from({ length: rows }, (_, k) => `${x}${k}_${j}`),
        )};`,
      );
    }
  }
  for (let i = 0; i < L.length; i++) {
    for (let j = 0; j < R.length; j++) {
      lines.push(
        `  let ${o}${i}_${j}: ${type} = ${lin(
          R[j],
          Array.from({ length: cols }, (_, k) => `${t}${i}_${k}`),
        )};`,
      );
    }
  }
  return lines.join('\n');
}

/**
 * The loop over a thread's h channels or tiles (2 with packed halves); with one, a block with h = 0, so
 * that the arrays it fills are indexed by a constant (a loop of one cost SwiftShader 35–40 ms more
 * compile time per transform pipeline).
 */
function channelLoop(h: number): string {
  return h === 1 ? '{\n    let h = 0u;' : `for (var h = 0u; h < ${h}u; h++) {`;
}

/**
 * Weight transform: one thread per (ci, co) of the padded output channels writes U[p][ci][co] =
 * (G g Gᵀ)[p] for the PyTorch weight g = w[co][ci] (3×3), zero past Cout. With `f16` (packed-half
 * storage) one thread per (ci, even co) writes channels co and co+1 as one u32 (pack2x16float).
 */
export function winogradWeightShader(m: WinogradTile, f16 = false): string {
  const { G } = WINOGRAD_MATRICES[m];
  const a = m + 2;
  const loads = Array.from({ length: 9 }, (_, k) => `    let g${Math.floor(k / 3)}_${k % 3} = select(0.0, w_ld(wBase + ${k}u), inside);`);
  const values = Array.from({ length: a * a }, (_, k) => `u${Math.floor(k / a)}_${k % a}`).join(', ');
  const h = f16 ? 2 : 1;
  return wgsl`
fn element(idx: u32) {
  let coPad = params.coBlocks * 4u;
${wgslUnravel('idx', [['cq', `params.coBlocks * ${4 / h}u`]], 'ci')}
  // The transform is written once and runs in a loop over this thread's ${h} channel(s) (compile time).
  var us: array<array<f32, ${a * a}>, ${h}>;
  ${channelLoop(h)}
    let co = cq * ${h}u + h;
    let inside = co < params.cOut;
    let wBase = (min(co, params.cOut - 1u) * params.cIn + ci) * 9u;
${loads.join('\n')}
${sandwich(G, G, 3, 3, 'g', 't', 'u', 'f32')}
    us[h] = array<f32, ${a * a}>(${values});
  }
  for (var k = 0u; k < ${a * a}u; k++) {
#if ${f16}
    u_st((k * params.cIn + ci) * (coPad / 2u) + cq, pack2x16float(vec2<f32>(us[0][k], us[1][k])));
#else
    u_st((k * params.cIn + ci) * coPad + cq, us[0][k]);
#endif
  }
}
`;
}

/**
 * Input transform: one thread per (ci, padded tile) writes V[p][ci][tile] = (Bᵀ d B)[p]. With `f16`
 * (packed-half storage) one thread per (ci, even tile) writes tiles t and t+1 as one u32.
 */
export function winogradInputShader(m: WinogradTile, f16 = false): string {
  const { BT } = WINOGRAD_MATRICES[m];
  const a = m + 2;
  const h = f16 ? 2 : 1;
  // The patch is read in a loop (one bounds check and load in the compiled code, not (m+2)²), then
  // the transform reads it at constant indices.
  const patch = Array.from({ length: a * a }, (_, k) => `    let d${Math.floor(k / a)}_${k % a} = d[${k}];`);
  const values = Array.from({ length: a * a }, (_, k) => `v${Math.floor(k / a)}_${k % a}`).join(', ');
  return wgsl`
fn element(idx: u32) {
${wgslUnravel('idx', [['tq', `params.tilesPad / ${h}u`]], 'ci')}
  let ih1 = i32(params.inH) - 1;
  let iw1 = i32(params.inW) - 1;
  var vs: array<array<f32, ${a * a}>, ${h}>;
  ${channelLoop(h)}
    let t = tq * ${h}u + h;
    // Padding tiles (t ≥ tiles) read nothing and store zeros.
    let live = t < params.tiles;
    let tt = min(t, params.tiles - 1u);
${wgslUnravel(
  'tt',
  [
    ['tx', 'params.tilesX'],
    ['ty', 'params.tilesY'],
  ],
  'n',
)}
    let oy0 = i32(ty * ${m}u) - i32(params.pH);
    let ox0 = i32(tx * ${m}u) - i32(params.pW);
    let plane = (n * params.cIn + ci) * params.inH * params.inW;
    var d: array<f32, ${a * a}>;
    for (var i = 0; i < ${a}; i++) {
      let iy = oy0 + i;
      let ry = live && iy >= 0 && iy < i32(params.inH);
      let row = plane + u32(clamp(iy, 0, ih1)) * params.inW;
      for (var j = 0; j < ${a}; j++) {
        let ix = ox0 + j;
        d[i * ${a} + j] = select(0.0, x_ld(row + u32(clamp(ix, 0, iw1))), ry && ix >= 0 && ix < i32(params.inW));
      }
    }
${patch.join('\n')}
${sandwich(BT, BT, a, a, 'd', 's', 'v', 'f32')}
    vs[h] = array<f32, ${a * a}>(${values});
  }
  for (var k = 0u; k < ${a * a}u; k++) {
#if ${f16}
    v_st((k * params.cIn + ci) * (params.tilesPad / 2u) + tq, pack2x16float(vec2<f32>(vs[0][k], vs[1][k])));
#else
    v_st((k * params.cIn + ci) * params.tilesPad + tq, vs[0][k]);
#endif
  }
}
`;
}

/**
 * The T GEMMs: one thread per (8-tile block, 16-channel block, p). U and V are read as vec4
 * (channels and tiles), M written as [p][coBlock][tilesPad]·vec4 (4 channels per vec4).
 */
export type WinogradGemmBlock = {
  /** Tiles per thread: 4 or 8 (one or two vec4 loads of V). */
  tb: 4 | 8;
  /** vec4 output-channel blocks per thread: 2 or 4. */
  cv: 2 | 4;
  /**
   * Subgroups (Program.subgroups): the cv lanes of an aligned group (consecutive subgroup_invocation_ids,
   * hence consecutive tile blocks of the same output channels: tilesPad is a multiple of tb·cv) each
   * load one of the cv weight vectors and take the others by subgroupShuffle, so a weight vector is
   * loaded once per group instead of once per lane. A lane whose group-mates turn out to need other
   * weights (a driver that numbers lanes otherwise) loads its own: checked, not assumed.
   */
  sg: boolean;
  /**
   * Packed-half storage of U and V (the engine's `storage: 'f16-packed'`): each u32 holds two halves
   * (pack2x16float), U as [p][ci][coBlocks/2]·vec4<u32> (8 channels a word), V as
   * [p][ci][tilesPad/8]·vec4<u32> (8 tiles a word); the arithmetic stays f32. Needs tb = 8.
   */
  f16: boolean;
};

export function winogradGemmShader(g: WinogradGemmBlock): string {
  const J = Array.from({ length: g.tb }, (_, j) => j);
  const C = Array.from({ length: g.cv }, (_, c) => c);
  const X = Array.from({ length: g.tb / 4 }, (_, k) => k);
  const accDecl = J.flatMap((j) => C.map((c) => `  var acc${j}_${c} = vec4<f32>(0.0);`)).join('\n');
  if (g.f16 && g.tb !== 8) throw new Error('winograd: packed-half storage needs 8 tiles per GEMM thread');
  // Words loaded per input channel: vec4 (f32) or vec4<u32> of 8 halves (f16), of U and of V.
  const uw = g.f16 ? g.cv / 2 : g.cv;
  const UW = Array.from({ length: uw }, (_, k) => k);
  const unpack = (v: string, hi: boolean) => `vec4<f32>(unpack2x16float(${v}.${hi ? 'z' : 'x'}), unpack2x16float(${v}.${hi ? 'w' : 'y'}))`;
  const words = (name: string, n: number) =>
    g.f16 ? Array.from({ length: 2 * n }, (_, c) => `    let ${name}${c} = ${unpack(`${name}w${c >> 1}`, (c & 1) === 1)};`) : [];
  const wName = g.f16 ? 'ww' : 'w';
  const loads = [...UW.map((k) => `    let ${wName}${k} = u_ld(ui + ${k}u);`), ...words('w', uw)];
  const shuffled = [
    `    let mine = u_ld(ui + (subgroupLane & ${uw - 1}u));`,
    ...UW.map((k) => `    let ${wName}${k} = subgroupShuffle(mine, group + ${k}u);`),
    ...words('w', uw),
  ];
  const xLoads = g.f16 ? ['    let xw0 = v_ld(vi);', ...words('x', 1)] : X.map((k) => `    let x${k} = v_ld(vi + ${k}u);`);
  const loop = (weights: string[]) =>
    [
      '  for (var ci = 0u; ci < params.cIn; ci++) {',
      ...xLoads,
      ...weights,
      ...J.flatMap((j) => C.map((c) => `    acc${j}_${c} += x${j >> 2}[${j % 4}] * w${c};`)),
      `    vi += params.tilesPad / ${g.f16 ? 8 : 4}u;`,
      `    ui += params.coBlocks${g.f16 ? ' / 2u' : ''};`,
      '  }',
    ].join('\n');
  const stores = C.flatMap((c) => J.map((j) => `  m_st(mBase + ${c}u * params.tilesPad + ${j}u, acc${j}_${c});`)).join('\n');
  const shareCheck = C.map((c) => `(subgroupShuffle(ui, group + ${c}u) == ui)`).join(' & ');
  return wgsl`
fn element(i: u32) {
#if ${g.sg}
  // Every lane runs (Program.subgroups); those past the end compute on the last thread's data and store nothing.
  let live = i < params.total;
  let idx = min(i, params.total - 1u);
#else
  let idx = i;
#endif
  let tileBlocks = params.tilesPad / ${g.tb}u;
${wgslUnravel(
  'idx',
  [
    ['tb', 'tileBlocks'],
    ['cq', `params.coBlocks / ${g.cv}u`],
  ],
  'p',
)}
  let cb = cq * ${g.cv}u;
${accDecl}
#if ${g.f16}
  var vi = p * params.cIn * (params.tilesPad / 8u) + tb;
  var ui = p * params.cIn * (params.coBlocks / 2u) + cb / 2u;
#else
  var vi = p * params.cIn * (params.tilesPad / 4u) + tb * ${g.tb / 4}u;
  var ui = p * params.cIn * params.coBlocks + cb;
#endif
#if ${g.sg}
  let group = subgroupLane & ~${g.cv - 1}u;
  // The shuffling loop only where every lane's group-mates need its weights (always, where the driver
  // numbers lanes in invocation order); the branch is uniform over the subgroup.
  if (subgroupAll(${shareCheck})) {
${loop(shuffled)}
  } else {
${loop(loads)}
  }
#else
${loop(loads)}
#endif
#if ${g.sg}
  if (!live) { return; }
#endif
  let mBase = (p * params.coBlocks + cb) * params.tilesPad + tb * ${g.tb}u;
${stores}
}
`;
}

/** Output transform + the fused epilogue: one thread per (tile, 4-channel block). */
export function winogradOutputShader(m: WinogradTile, v: ConvEpilogueVariant): string {
  const { AT } = WINOGRAD_MATRICES[m];
  const a = m + 2;
  const patch = Array.from({ length: a * a }, (_, k) => `  let q${Math.floor(k / a)}_${k % a} = q[${k}];`);
  // The m² results go through one loop, so the epilogue (store(), inlined by shader compilers) is
  // compiled once rather than m² times: with the epilogue unrolled, SwiftShader took 0.8 s to compile
  // this pipeline for F(6,3).
  const results = Array.from({ length: m * m }, (_, k) => `y${Math.floor(k / m)}_${k % m}`).join(', ');
  return wgsl`${convEpilogue(v)}
fn element(idx: u32) {
${wgslUnravel('idx', [['t', 'params.tiles']], 'cb')}
${wgslUnravel(
  't',
  [
    ['tx', 'params.tilesX'],
    ['ty', 'params.tilesY'],
  ],
  'n',
)}
  let stride = params.coBlocks * params.tilesPad;
  let base = cb * params.tilesPad + t;
  var q: array<vec4<f32>, ${a * a}>;
  for (var k = 0u; k < ${a * a}u; k++) {
    q[k] = m_ld(k * stride + base);
  }
${patch.join('\n')}
${sandwich(AT, AT, a, a, 'q', 's', 'y', 'vec4<f32>')}
  let ys = array<vec4<f32>, ${m * m}>(${results});
  let rows = min(${m}u, params.outH - ty * ${m}u);
  let cols = min(${m}u, params.outW - tx * ${m}u);
  for (var i = 0u; i < rows; i++) {
    for (var j = 0u; j < cols; j++) {
      store(n, 0u, cb, ty * ${m}u + i, tx * ${m}u + j, ys[i * ${m}u + j]);
    }
  }
}
`;
}
