/**
 * Dispatch of the pointwise GEMM (shaders/conv-pointwise.wgsl.ts): a 1×1 conv2d (stride 1, padding 0,
 * one group) runs as a gather, the Winograd GEMM with one transform point, and the fused epilogue,
 * where the engine's `winograd` option runs Winograd (the GEMM is the same kernel). Its main user is
 * a 2×2 stride-2 deconvolution (Real-CUGAN's, cunet's), whose phases are 1×1 convs
 * (conv-transpose-phases.ts): 1.24–1.27× the direct convT kernel on SwiftShader. A plain 1×1 conv is
 * level with the direct kernel there (0.91–1.08×), and a 2×2 stride-2 conv as a patch GEMM lost
 * (0.68–0.93×), so that one keeps the direct kernel (docs/performance.md).
 */
import { pointwiseInputShader, pointwiseOutputShader } from '../../shaders/conv-pointwise.wgsl.js';
import { WINOGRAD_PARAMS, WINOGRAD_WORKGROUP } from '../../shaders/conv2d-winograd.wgsl.js';
import { sizeOf } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';
import type { Params } from '../gpu/program.js';
import type { ConvPlan } from '../ops/conv2d.js';
import type { EpiloguePlan } from '../ops/epilogue.js';
import { epilogueBindings, epilogueParams, epilogueVariant, type EpilogueTensors } from './conv-epilogue.js';
import type { KernelContext } from './context.js';
import { padTiles, runWinogradGemm } from './conv-winograd.js';
import { packedWeights } from './conv-pack.js';

/** Below this many output pixels (tiles) the direct kernel runs the conv (e.g. squeeze-excitation's 1×1 convs on pooled vectors). */
export const POINTWISE_MIN_TILES = 64;

export interface PointwisePlan {
  tiles: number;
  tilesPad: number;
  /** vec4 output-channel blocks: whole 16-channel blocks. */
  coBlocks: number;
}

/** The pointwise-GEMM plan of a conv2d, or null when another kernel runs it. */
export function planConvPointwise(
  ctx: KernelContext,
  p: ConvPlan,
  epi: EpiloguePlan,
  x: Tensor,
  residual: Tensor | null,
): PointwisePlan | null {
  if (ctx.winograd === 'off' || p.groups !== 1 || p.kH !== 1 || p.kW !== 1 || p.stride[0] !== 1 || p.stride[1] !== 1) return null;
  if (p.padding[0] !== 0 || p.padding[1] !== 0 || p.dilation[0] !== 1 || p.dilation[1] !== 1) return null;
  if (p.activation.kind === 'crelu') return null;
  const tiles = p.n * p.outH * p.outW;
  if (tiles < POINTWISE_MIN_TILES) return null;
  const tilesPad = padTiles(ctx, tiles);
  const coBlocks = Math.ceil(p.cOut / 16) * 4;
  const bytes = [
    x.byteLength,
    sizeOf(epi.outShape) * 4,
    residual?.byteLength ?? 0,
    p.cIn * tilesPad * 4,
    coBlocks * 16 * tilesPad,
    p.cIn * coBlocks * 16,
  ];
  if (bytes.some((b) => b > ctx.runner.limits.pageBytes)) return null;
  return { tiles, tilesPad, coBlocks };
}

/** Records the gather, the GEMM and the epilogue of a planned 1×1 conv. */
export function runConvPointwise(
  ctx: KernelContext,
  op: string,
  plan: PointwisePlan,
  x: Tensor,
  w: Tensor,
  et: EpilogueTensors,
  p: ConvPlan,
  epi: EpiloguePlan,
): Tensor {
  const { tiles, tilesPad, coBlocks } = plan;
  const cIn = p.cIn;
  // U: the weight [Cout, Cin] as [ci][coBlocks]·vec4, zero past Cout: the direct kernel's packing of a 1×1 kernel.
  const u = packedWeights(ctx, w, { transposed: false, groups: 1, cIn, cOut: p.cOut, kH: 1, kW: 1 }, coBlocks);
  const wg = WINOGRAD_WORKGROUP;
  const shape: Params = {
    tiles: ['u32', tiles],
    tilesPad: ['u32', tilesPad],
    outH: ['u32', p.outH],
    outW: ['u32', p.outW],
  };
  const v = ctx.alloc([cIn * tilesPad]);
  ctx.runner.run(
    { name: `${op}-pointwise-in`, variant: '', workgroupSize: wg, entry: 'element', body: pointwiseInputShader },
    { ...shape, inC: ['u32', p.cIn] },
    [
      { name: 'x', tensor: x },
      { name: 'v', tensor: v, write: true },
    ],
    cIn * tilesPad,
  );

  // The Winograd GEMM with one transform point, with the uniforms it reads (the same pipeline as the 3×3 convs').
  const values: Record<(typeof WINOGRAD_PARAMS)[number], number> = {
    cIn,
    inH: p.inH,
    inW: p.inW,
    cOut: p.cOut,
    outH: p.outH,
    outW: p.outW,
    pH: 0,
    pW: 0,
    tilesX: p.outW,
    tilesY: p.outH,
    tiles,
    tilesPad,
    coBlocks,
    coPerGroup: p.cOut,
    r: 1,
    cSpace: epi.outShape[1],
  };
  const params: Params = {};
  for (const key of WINOGRAD_PARAMS) params[key] = ['u32', values[key]];
  const mt = runWinogradGemm(ctx, op, params, { points: 1, coBlocks, tilesPad, f16: false }, v, u);
  v.dispose();

  const y = ctx.alloc(epi.outShape);
  const outParams: Params = {
    ...shape,
    cOut: ['u32', p.cOut],
    coPerGroup: ['u32', p.cOut],
    r: ['u32', epi.shuffle?.r ?? 1],
    cSpace: ['u32', epi.outShape[1]],
    ...epilogueParams(p, epi),
  };
  ctx.runner.run(
    { name: `${op}-pointwise-out`, variant: epilogueVariant(p, epi, et), workgroupSize: wg, entry: 'element', body: pointwiseOutputShader },
    outParams,
    [{ name: 'm', tensor: mt, elem: 'vec4<f32>' }, ...epilogueBindings(et), { name: 'y', tensor: y, write: true }],
    tiles * Math.ceil(p.cOut / 4),
  );
  mt.dispose();
  return y;
}
