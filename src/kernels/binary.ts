/** Dispatch of binary (shader: shaders/binary.wgsl.ts): one pipeline per op, shapes and broadcast strides as uniforms. */
import { BINARY_WORKGROUP, binaryShader } from '../../shaders/binary.wgsl.js';
import { planBinary, type BinaryOptions } from '../ops/binary.js';
import type { Tensor } from '../tensor.js';
import type { KernelContext } from './context.js';

export function binary(ctx: KernelContext, a: Tensor, b: Tensor, options: BinaryOptions): Tensor {
  ctx.check('binary', 'a', a);
  ctx.check('binary', 'b', b);
  const p = planBinary(a.shape, b.shape, options);
  const y = ctx.alloc(p.outShape);
  const [as, bs] = [p.aStrides, p.bStrides];
  ctx.runner.run(
    { name: 'binary', variant: p.op, workgroupSize: BINARY_WORKGROUP, body: () => binaryShader(p.op) },
    {
      d1: ['u32', p.out4[1]],
      d2: ['u32', p.out4[2]],
      d3: ['u32', p.out4[3]],
      a0: ['u32', as[0]],
      a1: ['u32', as[1]],
      a2: ['u32', as[2]],
      a3: ['u32', as[3]],
      b0: ['u32', bs[0]],
      b1: ['u32', bs[1]],
      b2: ['u32', bs[2]],
      b3: ['u32', bs[3]],
    },
    [
      { name: 'a', tensor: a },
      { name: 'b', tensor: b },
      { name: 'y', tensor: y, write: true },
    ],
    y.size,
  );
  return y;
}
