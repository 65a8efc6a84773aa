/**
 * Dispatch of the Winograd conv2d (shaders: shaders/conv2d-winograd.wgsl.ts), which src/kernels/conv.ts
 * runs instead of the direct kernel for the 3×3 convs the engine's `winograd` option selects.
 *
 * Fits: conv2d 3×3, stride 1, dilation 1, one group, any padding, batch and epilogue, with every
 * tensor it binds (input, output, residual and the transform buffers) in one binding page.
 * The transformed input V and the GEMM result M are temporaries of this call.
 */
import {
  WINOGRAD_PARAMS,
  WINOGRAD_TILE_BLOCK,
  WINOGRAD_WORKGROUP,
  winogradGemmShader,
  winogradInputShader,
  winogradOutputShader,
  winogradWeightShader,
  type WinogradGemmBlock,
  type WinogradTile,
} from '../../shaders/conv2d-winograd.wgsl.js';
import type { Params } from '../gpu/program.js';
import type { ConvPlan } from '../ops/conv2d.js';
import type { EpiloguePlan } from '../ops/epilogue.js';
import { sizeOf } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';
import { epilogueBindings, epilogueParams, epilogueVariant, type EpilogueTensors } from './conv-epilogue.js';

/** Which Winograd transform runs the 3×3 convs: none, F(2,3), F(4,3), F(6,3), or the measured rule (winogradTileFor). */
export type WinogradOption = 'off' | 'f23' | 'f43' | 'f63' | 'auto';

/**
 * How the Winograd temporaries U (transformed weights) and V (transformed input) are stored:
 * 'f32', or 'f16-packed' (two halves a u32, pack2x16float: half the loads and bytes, f32 arithmetic;
 * each stored value rounded to 11 significant bits). The engine's `storage` option, resolved.
 */
export type WinogradStorage = 'f32' | 'f16-packed';

/** How one conv runs on the Winograd kernels. */
export interface WinogradPlan {
  m: WinogradTile;
  tilesX: number;
  tilesY: number;
  tiles: number;
  tilesPad: number;
  /** vec4 output-channel blocks of U and M: whole 16-channel blocks. */
  coBlocks: number;
  /** Packed-half storage of U and V (ctx.storage). */
  f16: boolean;
}

/** The GEMM's register block (measured: docs/performance.md, "Winograd"); `sg` is the engine's. */
export const winogradGemm: Omit<WinogradGemmBlock, 'sg' | 'f16'> = { tb: 8, cv: 4 };

/**
 * 'auto' sends a 3×3 stride-1 conv to F(6,3) when it has more output channels than this. Measured on
 * SwiftShader (docs/performance.md, "Winograd"): F(6,3) is 1.4–4.8× the direct kernel from 3→16 to
 * 128→128 and 64→12, and level with it at 64→3 (U pads Cout to 16 channels: a 3-channel conv
 * computes 13 of padding).
 */
export const WINOGRAD_AUTO_MIN_COUT = 5;

/** The tile the option gives this conv (before the fit checks), or null for the direct kernel. */
export function winogradTileFor(option: WinogradOption, p: ConvPlan): WinogradTile | null {
  if (option === 'off') return null;
  if (option === 'f23') return 2;
  if (option === 'f43') return 4;
  if (option === 'f63') return 6;
  return p.cOut >= WINOGRAD_AUTO_MIN_COUT ? 6 : null;
}

/** The Winograd plan of a conv2d, or null when the direct kernel must run it. */
export function planConvWinograd(
  ctx: KernelContext,
  p: ConvPlan,
  epi: EpiloguePlan,
  x: Tensor,
  residual: Tensor | null,
): WinogradPlan | null {
  if (p.kH !== 3 || p.kW !== 3 || p.groups !== 1) return null;
  if (p.stride[0] !== 1 || p.stride[1] !== 1 || p.dilation[0] !== 1 || p.dilation[1] !== 1) return null;
  const m = winogradTileFor(ctx.winograd, p);
  if (m === null) return null;
  const tilesX = Math.ceil(p.outW / m);
  const tilesY = Math.ceil(p.outH / m);
  const tiles = p.n * tilesX * tilesY;
  const tilesPad = padTiles(ctx, tiles);
  const coBlocks = Math.ceil(p.cOut / 16) * 4;
  const T = (m + 2) * (m + 2);
  const f16 = ctx.storage === 'f16-packed';
  const bytesPerValue = f16 ? 2 : 4;
  const bytes = [
    x.byteLength,
    sizeOf(epi.outShape) * 4,
    residual?.byteLength ?? 0,
    T * p.cIn * tilesPad * bytesPerValue,
    T * coBlocks * 4 * tilesPad * 4,
    T * p.cIn * coBlocks * 4 * bytesPerValue,
  ];
  if (bytes.some((b) => b > ctx.runner.limits.pageBytes)) return null;
  return { m, tilesX, tilesY, tiles, tilesPad, coBlocks, f16 };
}

/** U = G g Gᵀ as [p][ci][coBlocks]·vec4, once per weight tensor and tile size. */
function transformedWeights(ctx: KernelContext, w: Tensor, p: ConvPlan, plan: WinogradPlan): Tensor {
  const { m, coBlocks, f16 } = plan;
  return ctx.derived(w, `winograd:${m}:${coBlocks}:${f16 ? 'f16' : 'f32'}`, () => {
    const T = (m + 2) * (m + 2);
    // f16: two halves a 4-byte element.
    const u = ctx.alloc([(T * p.cIn * coBlocks * 4) / (f16 ? 2 : 1)]);
    const params: Params = { cIn: ['u32', p.cIn], cOut: ['u32', p.cOut], coBlocks: ['u32', coBlocks] };
    ctx.runner.run(
      {
        name: 'winograd-weights',
        variant: { m, f16 },
        workgroupSize: WINOGRAD_WORKGROUP,
        entry: 'element',
        body: (v) => winogradWeightShader(v.m, v.f16),
      },
      params,
      [
        { name: 'w', tensor: w },
        { name: 'u', tensor: u, write: true, elem: f16 ? 'u32' : 'f32' },
      ],
      (p.cIn * coBlocks * 4) / (f16 ? 2 : 1),
    );
    return u;
  });
}

/** Tiles padded to the GEMM's blocks: 8, or with subgroups whole lane groups of cv blocks (WinogradGemmBlock.sg). */
export function padTiles(ctx: KernelContext, tiles: number): number {
  const multiple = ctx.subgroups ? WINOGRAD_TILE_BLOCK * winogradGemm.cv : WINOGRAD_TILE_BLOCK;
  return Math.ceil(tiles / multiple) * multiple;
}

/**
 * Records the GEMMs M[p] = U[p]ᵀ V[p] over `points` transform points (the uniforms `params` are
 * WINOGRAD_PARAMS, of which the GEMM reads cIn, coBlocks and tilesPad) and returns M, which the caller
 * owns. Also the 1×1 convs' GEMM, with one point (src/kernels/conv-pointwise.ts).
 */
export function runWinogradGemm(
  ctx: KernelContext,
  op: string,
  params: Params,
  shape: { points: number; coBlocks: number; tilesPad: number; f16: boolean },
  v: Tensor,
  u: Tensor,
): Tensor {
  const { points, coBlocks, tilesPad, f16 } = shape;
  const mt = ctx.alloc([points * coBlocks * 4 * tilesPad]);
  const gemm: WinogradGemmBlock = { ...winogradGemm, sg: ctx.subgroups, f16 };
  ctx.runner.run(
    {
      name: `${op}-winograd-gemm`,
      variant: gemm,
      workgroupSize: WINOGRAD_WORKGROUP,
      entry: 'element',
      subgroups: gemm.sg,
      body: winogradGemmShader,
    },
    params,
    [
      { name: 'v', tensor: v, elem: f16 ? 'vec4<u32>' : 'vec4<f32>' },
      { name: 'u', tensor: u, elem: f16 ? 'vec4<u32>' : 'vec4<f32>' },
      { name: 'm', tensor: mt, write: true, elem: 'vec4<f32>' },
    ],
    points * (coBlocks / gemm.cv) * (tilesPad / gemm.tb),
  );
  return mt;
}

/** Records the three passes of a Winograd conv2d with its fused epilogue. */
export function runConvWinograd(
  ctx: KernelContext,
  op: string,
  plan: WinogradPlan,
  x: Tensor,
  w: Tensor,
  et: EpilogueTensors,
  p: ConvPlan,
  epi: EpiloguePlan,
): Tensor {
  const { m, tilesX, tilesY, tiles, tilesPad, coBlocks, f16 } = plan;
  const T = (m + 2) * (m + 2);
  const u = transformedWeights(ctx, w, p, plan);
  const values: Record<(typeof WINOGRAD_PARAMS)[number], number> = {
    cIn: p.cIn,
    inH: p.inH,
    inW: p.inW,
    cOut: p.cOut,
    outH: p.outH,
    outW: p.outW,
    pH: p.padding[0],
    pW: p.padding[1],
    tilesX,
    tilesY,
    tiles,
    tilesPad,
    coBlocks,
    coPerGroup: p.cOut,
    r: epi.shuffle?.r ?? 1,
    cSpace: epi.outShape[1],
  };
  const params: Params = {};
  for (const k of WINOGRAD_PARAMS) params[k] = ['u32', values[k]];
  const wg = WINOGRAD_WORKGROUP;

  const h = f16 ? 2 : 1;
  const v = ctx.alloc([(T * p.cIn * tilesPad) / h]);
  ctx.runner.run(
    { name: `${op}-winograd-in`, variant: { m, f16 }, workgroupSize: wg, entry: 'element', body: (v) => winogradInputShader(v.m, v.f16) },
    params,
    [
      { name: 'x', tensor: x },
      { name: 'v', tensor: v, write: true, elem: f16 ? 'u32' : 'f32' },
    ],
    (p.cIn * tilesPad) / h,
  );

  const mt = runWinogradGemm(ctx, op, params, { points: T, coBlocks, tilesPad, f16 }, v, u);
  v.dispose();

  const y = ctx.alloc(epi.outShape);
  const outParams: Params = { ...params, ...epilogueParams(p, epi) };
  const variant = { m, ...epilogueVariant(p, epi, et) };
  ctx.runner.run(
    { name: `${op}-winograd-out`, variant, workgroupSize: wg, entry: 'element', body: (v) => winogradOutputShader(v.m, v) },
    outParams,
    [{ name: 'm', tensor: mt, elem: 'vec4<f32>' }, ...epilogueBindings(et), { name: 'y', tensor: y, write: true }],
    tiles * Math.ceil(p.cOut / 4),
  );
  mt.dispose();
  return y;
}
