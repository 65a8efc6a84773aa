/**
 * Dispatch of the tiled conv2d kernel (shader: shaders/conv2d-tiled.wgsl.ts), which src/kernels/conv.ts
 * runs instead of the direct one when the engine's convKernel is 'tiled' and the conv fits it.
 *
 * Fits: conv2d with stride 1, dilation 1, one group and a kernel larger than 1×1 whose halo and
 * weights fit the workgroup memory every device has (up to 13×13), any padding and batch,
 * with every tensor it binds in one page (the direct kernel handles tensors the engine splits
 * into pages). Everything else, and every convTranspose2d, keeps the direct kernel.
 *
 * Measured on an H100 (Dawn/Vulkan), speed as % of the direct kernel's (GPU time, best of 3–7
 * interleaved rounds, three runs):
 * - 1×1 kernels: tiled 65–140%, 69–75% at 128→128 channels. A 1×1 conv has no taps to share a
 *   staged input, so it stays direct.
 * - Cout ≤ 16: t256 313–419%, c32 171–241% (c32 would compute at least half its channels as
 *   padding).
 * - 3×3 (64→64 at 256² and 512², 64→96): c32 163–206%, t256 143–176%; where c32 pads more
 *   channels than t256 (Cout 40, 48: 64 against 48) t256 wins, 169–172% against 150–153%; at
 *   32→32, 64→24, 128→128 and 3→64 the two are within 10%.
 * - 5×5 and 7×7 (64→64): t256 166% and 460%, c32 133% and 334%: c32's larger weight tile leaves
 *   room in 16 KiB for fewer input channels a step (3 at 5×5, 1 at 7×7), so more barriers.
 * Hence c32 where it stages its full 4 input channels a step and pads no more output channels than
 * t256, t256 everywhere else.
 */
import {
  TILE,
  TILED_CONFIGS,
  TILED_PARAMS,
  convTiledShader,
  tiledCiChunk,
  tiledGeometry,
  type TiledConfig,
} from '../../shaders/conv2d-tiled.wgsl.js';
import type { Params } from '../gpu/program.js';
import type { ConvPlan } from '../ops/conv2d.js';
import type { EpiloguePlan } from '../ops/epilogue.js';
import { sizeOf } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';
import { epilogueBindings, epilogueParams, epilogueVariant, type EpilogueTensors } from './conv-epilogue.js';

/** How one conv runs on the tiled kernel. */
export interface TiledPlan {
  config: TiledConfig;
  /** Input channels per step (the config's, or fewer for a large kernel). */
  ciChunk: number;
  /** vec4 output-channel blocks of the packed weights: whole channel tiles. */
  coBlocks: number;
}

/** The config for a conv's output channels and kernel size (measurements above). */
export function tiledConfigFor(cOut: number, kH: number, kW: number): TiledConfig {
  const { t256, c32 } = TILED_CONFIGS;
  const padded = (c: TiledConfig) => Math.ceil(cOut / c.coTile) * c.coTile;
  const c32Fits = padded(c32) === padded(t256) && tiledCiChunk(c32, kH, kW) === c32.ciChunk;
  return cOut > t256.coTile && c32Fits ? c32 : t256;
}

/**
 * The tiled plan of a conv2d, or null when the direct kernel must run it: not stride 1,
 * dilation 1 and one group, a 1×1 kernel or one too large for workgroup memory, more than 16
 * output channels under 'tiled-narrow', or a tensor the runner would bind in more than one page.
 */
export function planConvTiled(ctx: KernelContext, p: ConvPlan, epi: EpiloguePlan, x: Tensor, residual: Tensor | null): TiledPlan | null {
  if (p.groups !== 1 || p.stride[0] !== 1 || p.stride[1] !== 1 || p.dilation[0] !== 1 || p.dilation[1] !== 1) return null;
  if (p.kH * p.kW === 1) return null;
  // 'tiled-narrow' (what 'auto' picks on hardware): only the t256 configuration's width, see EngineOptions.convKernel.
  if (ctx.convKernel === 'tiled-narrow' && p.cOut > TILED_CONFIGS.t256.coTile) return null;
  const config = tiledConfigFor(p.cOut, p.kH, p.kW);
  const ciChunk = tiledCiChunk(config, p.kH, p.kW);
  if (ciChunk === 0) return null;
  const coBlocks = Math.ceil(p.cOut / config.coTile) * (config.coTile / 4);
  const bytes = [x.byteLength, sizeOf(epi.outShape) * 4, residual?.byteLength ?? 0, p.kH * p.kW * p.cIn * coBlocks * 16, p.cOut * 4];
  const { pageBytes } = ctx.runner.limits;
  if (bytes.some((b) => b > pageBytes)) return null;
  return { config, ciChunk, coBlocks };
}

/** Records the tiled conv2d; `packed` holds the weights as [ky][kx][ci][plan.coBlocks]·vec4 (conv.ts packs them). */
export function runConvTiled(
  ctx: KernelContext,
  op: string,
  plan: TiledPlan,
  x: Tensor,
  packed: Tensor,
  et: EpilogueTensors,
  p: ConvPlan,
  epi: EpiloguePlan,
): Tensor {
  const { config, ciChunk, coBlocks } = plan;
  const y = ctx.alloc(epi.outShape);
  const tilesX = Math.ceil(p.outW / TILE);
  const tilesY = Math.ceil(p.outH / TILE);
  const coTiles = coBlocks / (config.coTile / 4);
  const values: Record<(typeof TILED_PARAMS)[number], number> = {
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
    coTiles,
    coBlocks,
    coPerGroup: p.cOut,
    r: epi.shuffle?.r ?? 1,
    cSpace: epi.outShape[1],
  };
  const params: Params = {};
  for (const k of TILED_PARAMS) params[k] = ['u32', values[k]];
  Object.assign(params, epilogueParams(p, epi));
  const variant = { config: config.name, kH: p.kH, kW: p.kW, ciChunk, ...epilogueVariant(p, epi, et) };
  const workgroupSize = tiledGeometry(config, p.kH, p.kW, ciChunk).threads;
  const bindings = [
    { name: 'x', tensor: x },
    { name: 'w', tensor: packed, elem: 'vec4<f32>' as const },
    ...epilogueBindings(et),
    { name: 'y', tensor: y, write: true },
  ];
  // One workgroup per output tile (see the shader): the runner counts threads.
  const threads = p.n * coTiles * tilesY * tilesX * workgroupSize;
  ctx.runner.run({ name: `${op}-tiled`, variant, workgroupSize, entry: 'workgroup', body: convTiledShader }, params, bindings, threads);
  return y;
}
