/** Dispatch of relu, leakyRelu, sigmoid, tanh, mul, add and concat (shader: shaders/elementwise.wgsl.ts). */
import { addShader, copyChannelsShader, ELEMENTWISE_WORKGROUP, unaryShader, type UnaryOp } from '../../shaders/elementwise.wgsl.js';
import { planConcat, planSameShape } from '../ops/elementwise.js';
import { real } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

export function unary(ctx: KernelContext, op: UnaryOp, x: Tensor, alpha = 0): Tensor {
  const name = op;
  ctx.check(name, 'input', x);
  const a = real(name, op === 'mul' ? 'scalar' : 'negativeSlope', alpha);
  const y = ctx.alloc(x.shape);
  ctx.runner.run(
    { name: 'unary', variant: op, workgroupSize: ELEMENTWISE_WORKGROUP, entry: 'element', body: unaryShader },
    { alpha: ['f32', a] },
    [
      { name: 'x', tensor: x },
      { name: 'y', tensor: y, write: true },
    ],
    y.size,
  );
  return y;
}

/** Logistic sigmoid 1/(1 + e^−x), overflow-free for any |x| (shaders/activation.wgsl.ts). */
export function sigmoid(ctx: KernelContext, x: Tensor): Tensor {
  return unary(ctx, 'sigmoid', x);
}

/** tanh, overflow-free for any |x| and accurate near 0 (shaders/activation.wgsl.ts). */
export function tanh(ctx: KernelContext, x: Tensor): Tensor {
  return unary(ctx, 'tanh', x);
}

export function add(ctx: KernelContext, a: Tensor, b: Tensor): Tensor {
  ctx.check('add', 'a', a);
  ctx.check('add', 'b', b);
  planSameShape('add', a.shape, b.shape);
  const y = ctx.alloc(a.shape);
  ctx.runner.run(
    { name: 'add', variant: '', workgroupSize: ELEMENTWISE_WORKGROUP, entry: 'element', body: addShader },
    {},
    [
      { name: 'a', tensor: a },
      { name: 'b', tensor: b },
      { name: 'y', tensor: y, write: true },
    ],
    y.size,
  );
  return y;
}

export function concat(ctx: KernelContext, xs: readonly Tensor[]): Tensor {
  if (!Array.isArray(xs)) ctx.check('concat', 'inputs', xs);
  xs.forEach((x, i) => ctx.check('concat', `input ${i}`, x));
  const shape = planConcat(xs.map((x) => x.shape));
  const y = ctx.alloc(shape);
  const hw = shape[2] * shape[3];
  let offset = 0;
  for (const x of xs) {
    ctx.runner.run(
      { name: 'copy-channels', variant: '', workgroupSize: ELEMENTWISE_WORKGROUP, entry: 'element', body: copyChannelsShader },
      { c: ['u32', x.shape[1]], cOut: ['u32', shape[1]], hw: ['u32', hw], offset: ['u32', offset] },
      [
        { name: 'x', tensor: x },
        { name: 'y', tensor: y, write: true },
      ],
      x.size,
    );
    offset += x.shape[1];
  }
  return y;
}
