/** Dispatch of the activation gradients (shaders: shaders/activation-backward.wgsl.ts). */
import {
  ACTIVATION_BACKWARD_WORKGROUP as WG,
  activationBackwardShader,
  creluBackwardShader,
  preluSlopeGradShader,
  type ActivationBackwardOp,
} from '../../shaders/activation-backward.wgsl.js';
import {
  planActivationBackward,
  planCreluBackward,
  planPreluBackward,
  type PreluBackwardOptions,
  type PreluGradients,
} from '../ops/activation-backward.js';
import { real } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

/** relu/leakyRelu (saved = x) and sigmoid/tanh (saved = y) gradients. */
export function activationBackward(
  ctx: KernelContext,
  op: Exclude<ActivationBackwardOp, 'prelu'>,
  dy: Tensor,
  saved: Tensor,
  alpha = 0,
): Tensor {
  const name = `${op}Backward`;
  ctx.check(name, 'dy', dy);
  ctx.check(name, op === 'sigmoid' || op === 'tanh' ? 'y' : 'x', saved);
  const a = real(name, 'negativeSlope', alpha);
  const dx = ctx.alloc(planActivationBackward(name, dy.shape, saved.shape));
  ctx.runner.run(
    { name: 'activation-backward', variant: op, workgroupSize: WG, entry: 'element', body: activationBackwardShader },
    { alpha: ['f32', a] },
    [
      { name: 'dy', tensor: dy },
      { name: 'saved', tensor: saved },
      { name: 'dx', tensor: dx, write: true },
    ],
    dx.size,
  );
  return dx;
}

/** prelu's { dx, dslope }: dx element-wise, dslope one workgroup reduction per slope element. */
export function preluBackward(
  ctx: KernelContext,
  dy: Tensor,
  x: Tensor,
  slope: Tensor,
  options?: PreluBackwardOptions,
): PreluGradients<Tensor> {
  ctx.check('preluBackward', 'dy', dy);
  ctx.check('preluBackward', 'x', x);
  ctx.check('preluBackward', 'slope', slope);
  const p = planPreluBackward(dy.shape, x.shape, slope.shape, options);
  let dx: Tensor | null = null;
  let dslope: Tensor | null = null;
  if (p.needs.dx) {
    dx = ctx.alloc(x.shape);
    ctx.runner.run(
      { name: 'activation-backward', variant: 'prelu', workgroupSize: WG, entry: 'element', body: activationBackwardShader },
      { inner: ['u32', p.inner], channels: ['u32', p.channels], slopeStride: ['u32', p.slopes === 1 ? 0 : 1] },
      [
        { name: 'dy', tensor: dy },
        { name: 'saved', tensor: x },
        { name: 'slope', tensor: slope },
        { name: 'dx', tensor: dx, write: true },
      ],
      dx.size,
    );
  }
  if (p.needs.dslope) {
    // A shared slope sees x as [N, 1, C·inner]: one channel that holds them all.
    const inner = p.slopes === 1 ? p.channels * p.inner : p.inner;
    dslope = ctx.alloc(slope.shape);
    ctx.runner.run(
      { name: 'prelu-slope-grad', variant: '', workgroupSize: WG, entry: 'workgroup', body: preluSlopeGradShader },
      { slopes: ['u32', p.slopes], inner: ['u32', inner], batches: ['u32', x.size / (p.slopes * inner)] },
      [
        { name: 'dy', tensor: dy },
        { name: 'x', tensor: x },
        { name: 'dslope', tensor: dslope, write: true },
      ],
      p.slopes * WG, // one workgroup per slope element
    );
  }
  return { dx, dslope };
}

export function creluBackward(ctx: KernelContext, dy: Tensor, x: Tensor): Tensor {
  ctx.check('creluBackward', 'dy', dy);
  ctx.check('creluBackward', 'x', x);
  const shape = planCreluBackward(dy.shape, x.shape);
  const dx = ctx.alloc(shape);
  ctx.runner.run(
    { name: 'crelu-backward', variant: '', workgroupSize: WG, entry: 'element', body: creluBackwardShader },
    { perBatch: ['u32', shape[1] * shape[2] * shape[3]] },
    [
      { name: 'dy', tensor: dy },
      { name: 'x', tensor: x },
      { name: 'dx', tensor: dx, write: true },
    ],
    dx.size,
  );
  return dx;
}
