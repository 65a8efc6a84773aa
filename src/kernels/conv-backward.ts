/**
 * Dispatch of conv2dBackward and convTranspose2dBackward.
 *
 * dx: the input gradient of each convolution is the other one run on dy with
 * the same weight tensor, so it runs on the fast forward kernel
 * (shaders/conv2d.wgsl.ts), with its pipelines and prepacked weights:
 *   conv2d:  dx = convTranspose2d(dy, w), same stride/padding/dilation/groups, and the
 *            outputPadding (in + 2p − d(k − 1) − 1) mod s that restores x's size, which the
 *            forward's floor division lost. conv2d's [Cout, Cin/g, kH, kW] is exactly
 *            convT's [C'in = Cout, C'out/g = Cin/g, kH, kW], groups included.
 *   convT:   dx = conv2d(dy, w), same stride/padding/dilation/groups; convT's [Cin, Cout/g, kH, kW]
 *            is conv2d's [C'out = Cin, C'in/g = Cout/g, kH, kW]. When outputPadding ≥ stride
 *            (allowed when dilation > stride) that conv would have more rows than x: the extra
 *            ones are gradients of input rows that do not exist, so the plan asks for x's size.
 * dw and db: reductions over N·H·W (shaders/conv-backward.wgsl.ts).
 */
import {
  biasGradShader,
  GRAD_WORKGROUP,
  sumChunksShader,
  WGRAD_A,
  WGRAD_B,
  WGRAD_PARAMS,
  weightGradShader,
} from '../../shaders/conv-backward.wgsl.js';
import type { Params } from '../gpu/program.js';
import {
  planConv2dBackward,
  planConvTranspose2dBackward,
  type Conv2dBackwardOptions,
  type ConvGradients,
  type ConvTranspose2dBackwardOptions,
} from '../ops/conv-backward.js';
import { planConv2d, type ConvPlan } from '../ops/conv2d.js';
import { convTransposeOutSize, planConvTranspose2d } from '../ops/conv-transpose2d.js';
import type { Tensor } from '../core/tensor.js';
import { runConv } from './conv.js';
import type { KernelContext } from './context.js';

function checkArgs(ctx: KernelContext, op: string, x: Tensor, w: Tensor, dy: Tensor): void {
  ctx.check(op, 'input', x);
  ctx.check(op, 'weight', w);
  ctx.check(op, 'dy', dy);
}

export function conv2dBackward(
  ctx: KernelContext,
  x: Tensor,
  w: Tensor,
  dy: Tensor,
  options: Conv2dBackwardOptions = {},
): ConvGradients<Tensor> {
  const op = 'conv2dBackward';
  checkArgs(ctx, op, x, w, dy);
  const { forward: p, needs } = planConv2dBackward(x.shape, w.shape, dy.shape, options, op);
  let dx: Tensor | null = null;
  if (needs.dx) {
    const [inSize, outSize, k] = [
      [p.inH, p.inW],
      [p.outH, p.outW],
      [p.kH, p.kW],
    ];
    const outputPadding = [0, 1].map(
      (a) => inSize[a] - convTransposeOutSize(outSize[a], k[a], p.stride[a], p.padding[a], p.dilation[a], 0),
    ) as [number, number];
    const adjoint = planConvTranspose2d(
      dy.shape,
      w.shape,
      null,
      { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups, outputPadding },
      op,
    );
    dx = runConv(ctx, 'convTranspose2d', true, dy, w, null, adjoint, {});
  }
  return {
    dx,
    dw: needs.dw ? weightGrad(ctx, dy, x, w.shape, p) : null,
    db: needs.db ? biasGrad(ctx, dy) : null,
  };
}

export function convTranspose2dBackward(
  ctx: KernelContext,
  x: Tensor,
  w: Tensor,
  dy: Tensor,
  options: ConvTranspose2dBackwardOptions = {},
): ConvGradients<Tensor> {
  const op = 'convTranspose2dBackward';
  checkArgs(ctx, op, x, w, dy);
  const { forward: p, needs } = planConvTranspose2dBackward(x.shape, w.shape, dy.shape, options, op);
  let dx: Tensor | null = null;
  if (needs.dx) {
    const adjoint = planConv2d(
      dy.shape,
      w.shape,
      null,
      { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups },
      op,
    );
    const cropped: ConvPlan = { ...adjoint, outH: p.inH, outW: p.inW, outShape: [p.n, p.cIn, p.inH, p.inW] };
    dx = runConv(ctx, 'conv2d', false, dy, w, null, cropped, {});
  }
  return {
    dx,
    dw: needs.dw ? weightGrad(ctx, x, dy, w.shape, p) : null,
    db: needs.db ? biasGrad(ctx, dy) : null,
  };
}

/**
 * How a reduction over `length` terms per output is split for `outputs`
 * threads' worth of independent sums: into chunks of at least MIN_CHUNK terms,
 * and into enough of them that pass 1 runs about TARGET_THREADS threads (a GPU
 * needs thousands in flight; a chunk of ≥ 64 terms amortises a thread's setup).
 */
const MIN_CHUNK = 64;
const TARGET_THREADS = 4096;
function splitReduction(length: number, outputs: number): { chunks: number; chunk: number } {
  const wanted = Math.max(1, Math.min(Math.ceil(length / MIN_CHUNK), Math.ceil(TARGET_THREADS / outputs)));
  const chunk = Math.ceil(length / wanted);
  return { chunks: Math.ceil(length / chunk), chunk };
}

/**
 * Pass 2: out[i] = Σ_c part[c][i] over `chunks` partial sums of `out.size` elements each,
 * then frees `part`. With one chunk pass 1 wrote `out` directly and there is nothing to do.
 */
function sumChunks(ctx: KernelContext, part: Tensor, out: Tensor, chunks: number): void {
  if (part === out) return;
  ctx.runner.run(
    { name: 'conv-grad-sum-chunks', variant: '', workgroupSize: GRAD_WORKGROUP, entry: 'element', body: sumChunksShader },
    { chunks: ['u32', chunks] },
    [
      { name: 'part', tensor: part },
      { name: 'out', tensor: out, write: true },
    ],
    out.size,
  );
  part.dispose();
}

/**
 * dw[a, b, ky, kx] = Σ A[n, a, u, v] · B[n, g·B/g + b, u·s − p + ky·d, v·s − p + kx·d]
 * (conv2d: A = dy, B = x; convT: A = x, B = dy); the weight's layout is [A channels, B channels / g, kH, kW].
 */
function weightGrad(ctx: KernelContext, a: Tensor, b: Tensor, wShape: readonly number[], p: ConvPlan): Tensor {
  const dw = ctx.alloc(wShape);
  const aPerGroup = a.shape[1] / p.groups;
  const bPerGroup = b.shape[1] / p.groups;
  const aBlocks = Math.ceil(aPerGroup / WGRAD_A);
  const bBlocks = Math.ceil(bPerGroup / WGRAD_B);
  const blocks = p.groups * aBlocks * bBlocks * p.kH * p.kW;
  const { chunks, chunk } = splitReduction(p.n * a.shape[2] * a.shape[3], blocks);
  const part = chunks === 1 ? dw : ctx.alloc([chunks, dw.size]);
  const values: Record<(typeof WGRAD_PARAMS)[number], number> = {
    n: p.n,
    aC: a.shape[1],
    bC: b.shape[1],
    uH: a.shape[2],
    uW: a.shape[3],
    bH: b.shape[2],
    bW: b.shape[3],
    kH: p.kH,
    kW: p.kW,
    sH: p.stride[0],
    sW: p.stride[1],
    pH: p.padding[0],
    pW: p.padding[1],
    dH: p.dilation[0],
    dW: p.dilation[1],
    aPerGroup,
    bPerGroup,
    aBlocks,
    bBlocks,
    groups: p.groups,
    chunk,
    dwSize: dw.size,
  };
  const params: Params = {};
  for (const k of WGRAD_PARAMS) params[k] = ['u32', values[k]];
  ctx.runner.run(
    { name: 'conv-weight-grad', variant: '', workgroupSize: GRAD_WORKGROUP, entry: 'element', body: weightGradShader },
    params,
    [
      { name: 'ga', tensor: a },
      { name: 'gb', tensor: b },
      { name: 'part', tensor: part, write: true },
    ],
    chunks * blocks,
  );
  sumChunks(ctx, part, dw, chunks);
  return dw;
}

/** db[c] = Σ_{n, h, w} dy[n, c, h, w]. */
function biasGrad(ctx: KernelContext, dy: Tensor): Tensor {
  const [n, c, h, w] = dy.shape;
  const db = ctx.alloc([c]);
  const { chunks, chunk } = splitReduction(n * h * w, c);
  const part = chunks === 1 ? db : ctx.alloc([chunks, c]);
  ctx.runner.run(
    { name: 'conv-bias-grad', variant: '', workgroupSize: GRAD_WORKGROUP, entry: 'element', body: biasGradShader },
    { n: ['u32', n], c: ['u32', c], plane: ['u32', h * w], chunk: ['u32', chunk] },
    [
      { name: 'dy', tensor: dy },
      { name: 'part', tensor: part, write: true },
    ],
    chunks * c,
  );
  sumChunks(ctx, part, db, chunks);
  return db;
}
