/**
 * Dispatch of clip, mish and hardSwish: variants of the element-wise unary
 * shader (shaders/elementwise.wgsl.ts), with their scalars as uniforms
 * `alpha` and `beta` (clip: min and max, ±Infinity passed as is).
 */
import { ACTIVATION_BACKWARD_WORKGROUP, activationBackwardShader } from '../../shaders/activation-backward.wgsl.js';
import { ELEMENTWISE_WORKGROUP, unaryShader, type UnaryOp } from '../../shaders/elementwise.wgsl.js';
import { planActivationBackward } from '../ops/activation-backward.js';
import { resolveClip, resolveHardSwish, type ClipOptions, type HardSwishOptions } from '../ops/pointwise.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

function run(ctx: KernelContext, op: UnaryOp, x: Tensor, alpha: number, beta: number): Tensor {
  const y = ctx.alloc(x.shape);
  ctx.runner.run(
    { name: 'unary', variant: op, workgroupSize: ELEMENTWISE_WORKGROUP, entry: 'element', body: unaryShader },
    { alpha: ['f32', alpha], beta: ['f32', beta] },
    [
      { name: 'x', tensor: x },
      { name: 'y', tensor: y, write: true },
    ],
    y.size,
  );
  return y;
}

export function clip(ctx: KernelContext, x: Tensor, options: ClipOptions): Tensor {
  ctx.check('clip', 'input', x);
  const { min, max } = resolveClip(options);
  return run(ctx, 'clip', x, min, max);
}

export function mish(ctx: KernelContext, x: Tensor): Tensor {
  ctx.check('mish', 'input', x);
  return run(ctx, 'mish', x, 0, 0);
}

export function hardSwish(ctx: KernelContext, x: Tensor, options?: HardSwishOptions): Tensor {
  ctx.check('hardSwish', 'input', x);
  const { alpha, beta } = resolveHardSwish(options);
  return run(ctx, 'hardSwish', x, alpha, beta);
}

/** dx = dy · f'(x) for clip, mish and hardSwish: variants of the activation-gradient shader (shaders/activation-backward.wgsl.ts). */
function runBackward(ctx: KernelContext, op: 'clip' | 'mish' | 'hardSwish', dy: Tensor, x: Tensor, alpha: number, beta: number): Tensor {
  const name = `${op}Backward`;
  const dx = ctx.alloc(planActivationBackward(name, dy.shape, x.shape));
  ctx.runner.run(
    {
      name: 'activation-backward',
      variant: op,
      workgroupSize: ACTIVATION_BACKWARD_WORKGROUP,
      entry: 'element',
      body: activationBackwardShader,
    },
    { alpha: ['f32', alpha], beta: ['f32', beta] },
    [
      { name: 'dy', tensor: dy },
      { name: 'saved', tensor: x },
      { name: 'dx', tensor: dx, write: true },
    ],
    dx.size,
  );
  return dx;
}

export function clipBackward(ctx: KernelContext, dy: Tensor, x: Tensor, options: ClipOptions): Tensor {
  ctx.check('clipBackward', 'dy', dy);
  ctx.check('clipBackward', 'x', x);
  const { min, max } = resolveClip(options, 'clipBackward');
  return runBackward(ctx, 'clip', dy, x, min, max);
}

export function mishBackward(ctx: KernelContext, dy: Tensor, x: Tensor): Tensor {
  ctx.check('mishBackward', 'dy', dy);
  ctx.check('mishBackward', 'x', x);
  return runBackward(ctx, 'mish', dy, x, 0, 0);
}

export function hardSwishBackward(ctx: KernelContext, dy: Tensor, x: Tensor, options?: HardSwishOptions): Tensor {
  ctx.check('hardSwishBackward', 'dy', dy);
  ctx.check('hardSwishBackward', 'x', x);
  const { alpha, beta } = resolveHardSwish(options, 'hardSwishBackward');
  return runBackward(ctx, 'hardSwish', dy, x, alpha, beta);
}
