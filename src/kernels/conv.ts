/**
 * Dispatch of conv2d and convTranspose2d (shader: shaders/conv2d.wgsl.ts). With the engine's
 * convKernel 'tiled', a conv2d the tiled kernel fits runs there instead (src/kernels/conv-tiled.ts); a 3×3
 * stride-1 conv2d the engine's `winograd` option selects runs on the Winograd kernels (src/kernels/conv-winograd.ts).
 */
import { CONV_PARAMS, CONV_PIXELS, CONV_WORKGROUP, convShader } from '../../shaders/conv2d.wgsl.js';
import type { Params } from '../gpu/program.js';
import { planConv2d, type Conv2dOptions, type ConvPlan } from '../ops/conv2d.js';
import { planConvTranspose2d, type ConvTranspose2dOptions } from '../ops/conv-transpose2d.js';
import { activationChannels } from '../ops/activation.js';
import { planEpilogue } from '../ops/epilogue.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';
import { planConvTiled, runConvTiled } from './conv-tiled.js';
import { planConvWinograd, runConvWinograd } from './conv-winograd.js';
import { runConvTransposePhases } from './conv-transpose-phases.js';
import { planConvPointwise, runConvPointwise } from './conv-pointwise.js';
import { epilogueBindings, epilogueParams, epilogueTensors, epilogueVariant } from './conv-epilogue.js';
import { channelBlocks, channelVecs, packedWeights } from './conv-pack.js';

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Records one conv or convT pass for a validated plan. Exported for the
 * backward ops, whose dx is the other convolution run on dy (src/kernels/conv-backward.ts);
 * `op` names the program, so pass the forward op's name to share its pipelines.
 */
export function runConv(
  ctx: KernelContext,
  op: string,
  transposed: boolean,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  p: ConvPlan,
  options: Conv2dOptions<Tensor>,
): Tensor {
  // The epilogue sees the activated tensor: crelu doubles its channels.
  const epi = planEpilogue(op, [p.n, p.cOut * activationChannels(p.activation), p.outH, p.outW], options);
  const et = epilogueTensors(ctx, op, b, options);
  const residual = et.residual;
  const geo = { transposed, groups: p.groups, cIn: p.cIn, cOut: p.cOut, kH: p.kH, kW: p.kW };
  // A 1×1 conv runs as a GEMM where Winograd runs (the phase convs of 2×2 stride-2 deconvolutions are such).
  const pointwise = transposed ? null : planConvPointwise(ctx, p, epi, x, residual);
  if (pointwise) return runConvPointwise(ctx, op, pointwise, x, w, et, p, epi);
  const tiled = !transposed && ctx.convKernel !== 'direct' ? planConvTiled(ctx, p, epi, x, residual) : null;
  // winograd 'auto' leaves to the tiled kernel what the convKernel option gives it; 'f23'/'f43' take every 3×3 they fit.
  const wino = transposed || (tiled && ctx.winograd === 'auto') ? null : planConvWinograd(ctx, p, epi, x, residual);
  if (wino) return runConvWinograd(ctx, op, wino, x, w, et, p, epi);
  if (tiled) return runConvTiled(ctx, op, tiled, x, packedWeights(ctx, w, geo, tiled.coBlocks), et, p, epi);
  const packed = packedWeights(ctx, w, geo);
  const y = ctx.alloc(epi.outShape);
  const ciPerGroup = p.cIn / p.groups;
  const coPerGroup = p.cOut / p.groups;
  const cv = channelVecs(coPerGroup);
  const coBlocks = channelBlocks(coPerGroup);
  const tBlocks = coBlocks / cv;
  const [sH, sW] = p.stride;
  const [dH, dW] = p.dilation;
  // Transposed: phase-major grid of ceil(out / s) rows and columns per phase (threads past the edge idle).
  const qH = transposed ? Math.ceil(p.outH / sH) : p.outH;
  const qW = transposed ? Math.ceil(p.outW / sW) : p.outW;
  const qWB = Math.ceil(qW / CONV_PIXELS);
  const values: Record<(typeof CONV_PARAMS)[number], number> = {
    n: p.n,
    cIn: p.cIn,
    inH: p.inH,
    inW: p.inW,
    cOut: p.cOut,
    outH: p.outH,
    outW: p.outW,
    kH: p.kH,
    kW: p.kW,
    sH,
    sW,
    pH: p.padding[0],
    pW: p.padding[1],
    dH,
    dW,
    ciPerGroup,
    coPerGroup,
    coBlocks,
    tBlocks,
    groups: p.groups,
    kStepH: sH / gcd(sH, dH),
    kStepW: sW / gcd(sW, dW),
    qH,
    qWB,
    r: epi.shuffle?.r ?? 1,
    cSpace: epi.outShape[1],
  };
  const params: Params = {};
  for (const k of CONV_PARAMS) params[k] = ['u32', values[k]];
  Object.assign(params, epilogueParams(p, epi));
  const threads = p.n * p.groups * tBlocks * (transposed ? sH * sW : 1) * qH * qWB;
  const variant = { transposed, ...epilogueVariant(p, epi, et), cv };
  const bindings = [
    { name: 'x', tensor: x },
    { name: 'w', tensor: packed, elem: 'vec4<f32>' as const },
    ...epilogueBindings(et),
    { name: 'y', tensor: y, write: true },
  ];
  ctx.runner.run({ name: op, variant, workgroupSize: CONV_WORKGROUP, entry: 'element', body: convShader }, params, bindings, threads);
  return y;
}

export function conv2d(ctx: KernelContext, x: Tensor, w: Tensor, b: Tensor | null, options: Conv2dOptions<Tensor> = {}): Tensor {
  const op = 'conv2d';
  ctx.check(op, 'input', x);
  ctx.check(op, 'weight', w);
  if (b !== null) ctx.check(op, 'bias', b);
  const p = planConv2d(x.shape, w.shape, b?.shape ?? null, options, op);
  return runConv(ctx, op, false, x, w, b, p, options);
}

export function convTranspose2d(
  ctx: KernelContext,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  options: ConvTranspose2dOptions<Tensor> = {},
): Tensor {
  const op = 'convTranspose2d';
  ctx.check(op, 'input', x);
  ctx.check(op, 'weight', w);
  if (b !== null) ctx.check(op, 'bias', b);
  const p = planConvTranspose2d(x.shape, w.shape, b?.shape ?? null, options, op);
  // A stride-s convT whose phases are 3×3 convs runs as one on Winograd when the engine's option asks for
  // Winograd (the op itself only: the backward ops, which also run runConv, keep the direct kernel).
  const epi = planEpilogue(op, [p.n, p.cOut * activationChannels(p.activation), p.outH, p.outW], options);
  const phases = runConvTransposePhases(ctx, x, w, epilogueTensors(ctx, op, b, options), p, epi, options);
  return phases ?? runConv(ctx, op, true, x, w, b, p, options);
}
