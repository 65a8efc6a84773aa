/**
 * Dispatch of gaussianBlur and gaussianBlurBackward (maths in src/ops/gaussian-blur.ts,
 * shaders in shaders/gaussian-blur.wgsl.ts).
 *
 * The blur is a depthwise conv2d (groups = C, weight [C, 1, k, k] = g ⊗ g, zero
 * padding r) on conv2d's kernel, with its pipelines; the weights are made on the
 * GPU from σ by a tiny kernel each call, so a training step never reads σ back.
 * Backward: dx is the same blur of dy (G is symmetric, so the conv is its own adjoint);
 * dσ contracts conv2dBackward's weight gradient D with ∂G/∂σ (one thread per σ).
 * The weight tensor (and the prepacked copy conv2d derives from it) is freed
 * when the op returns; the pool reuses it only after the batch is submitted.
 */
import { GAUSSIAN_WORKGROUP, gaussianSigmaGradShader, gaussianWeightsShader } from '../../shaders/gaussian-blur.wgsl.js';
import { planConv2d } from '../ops/conv2d.js';
import {
  GAUSSIAN_MIN_SIGMA2,
  planGaussianBlur,
  planGaussianBlurBackward,
  type GaussianBlurBackwardOptions,
  type GaussianBlurGradients,
  type GaussianBlurOptions,
  type GaussianBlurPlan,
} from '../ops/gaussian-blur.js';
import type { Tensor } from '../core/tensor.js';
import { conv2dBackward } from './conv-backward.js';
import { runConv } from './conv.js';
import type { KernelContext } from './context.js';

/** G[c, 0, i, j] = g_i(σ_c) · g_j(σ_c): the depthwise conv weight. */
function blurWeights(ctx: KernelContext, sigma: Tensor, p: GaussianBlurPlan): Tensor {
  const w = ctx.alloc([p.channels, 1, p.kernel, p.kernel]);
  ctx.runner.run(
    { name: 'gaussian-weights', variant: '', workgroupSize: GAUSSIAN_WORKGROUP, entry: 'element', body: gaussianWeightsShader },
    {
      taps: ['u32', p.kernel],
      radius: ['u32', p.radius],
      sigmaStride: ['u32', p.sigmas === 1 ? 0 : 1],
      minSigma2: ['f32', GAUSSIAN_MIN_SIGMA2],
    },
    [
      { name: 'sigma', tensor: sigma },
      { name: 'w', tensor: w, write: true },
    ],
    w.size,
  );
  return w;
}

/** The depthwise conv2d that applies G to `t` ([N, C, H, W] → same). */
function depthwise(ctx: KernelContext, op: string, t: Tensor, w: Tensor, p: GaussianBlurPlan): Tensor {
  const plan = planConv2d(t.shape, w.shape, null, { padding: p.radius, groups: p.channels }, op);
  return runConv(ctx, 'conv2d', false, t, w, null, plan, {});
}

export function gaussianBlur(ctx: KernelContext, x: Tensor, sigma: Tensor, options?: GaussianBlurOptions): Tensor {
  const op = 'gaussianBlur';
  ctx.check(op, 'input', x);
  ctx.check(op, 'sigma', sigma);
  const p = planGaussianBlur(x.shape, sigma.shape, options, op);
  const w = blurWeights(ctx, sigma, p);
  const y = depthwise(ctx, op, x, w, p);
  w.dispose();
  return y;
}

export function gaussianBlurBackward(
  ctx: KernelContext,
  x: Tensor,
  sigma: Tensor,
  dy: Tensor,
  options?: GaussianBlurBackwardOptions,
): GaussianBlurGradients<Tensor> {
  const op = 'gaussianBlurBackward';
  ctx.check(op, 'input', x);
  ctx.check(op, 'sigma', sigma);
  ctx.check(op, 'dy', dy);
  const p = planGaussianBlurBackward(x.shape, sigma.shape, dy.shape, options, op);
  const w = blurWeights(ctx, sigma, p);
  const dx = p.needs.dx ? depthwise(ctx, op, dy, w, p) : null;
  let dsigma: Tensor | null = null;
  if (p.needs.dsigma) {
    // D[c, 0, i, j] = Σ_{n,h,w} dy[n, c, h, w] · x[n, c, h + i − r, w + j − r]
    const d = conv2dBackward(ctx, x, w, dy, { padding: p.radius, groups: p.channels, needs: { dx: false, dw: true, db: false } })
      .dw as Tensor;
    dsigma = ctx.alloc(sigma.shape);
    ctx.runner.run(
      { name: 'gaussian-sigma-grad', variant: '', workgroupSize: GAUSSIAN_WORKGROUP, entry: 'element', body: gaussianSigmaGradShader },
      {
        taps: ['u32', p.kernel],
        radius: ['u32', p.radius],
        channels: ['u32', p.channels],
        sharedSigma: ['u32', p.sigmas === 1 ? 1 : 0],
        minSigma2: ['f32', GAUSSIAN_MIN_SIGMA2],
      },
      [
        { name: 'sigma', tensor: sigma },
        { name: 'd', tensor: d },
        { name: 'dsigma', tensor: dsigma, write: true },
      ],
      dsigma.size,
    );
    d.dispose();
  }
  w.dispose();
  return { dx, dsigma };
}
