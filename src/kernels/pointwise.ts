/**
 * Dispatch of clip, mish and hardSwish: variants of the element-wise unary
 * shader (shaders/elementwise.wgsl.ts), with their scalars as uniforms
 * `alpha` and `beta` (clip: min and max, ±Infinity passed as is).
 */
import { ELEMENTWISE_WORKGROUP, unaryShader, type UnaryOp } from '../../shaders/elementwise.wgsl.js';
import { resolveClip, resolveHardSwish, type ClipOptions, type HardSwishOptions } from '../ops/pointwise.js';
import type { Tensor } from '../tensor.js';
import type { KernelContext } from './context.js';

function run(ctx: KernelContext, op: UnaryOp, x: Tensor, alpha: number, beta: number): Tensor {
  const y = ctx.alloc(x.shape);
  ctx.runner.run(
    { name: 'unary', variant: op, workgroupSize: ELEMENTWISE_WORKGROUP, body: () => unaryShader(op) },
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
