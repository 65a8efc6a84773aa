/** Dispatch of binary (shader: shaders/binary.wgsl.ts): one pipeline per op, shapes and broadcast strides as uniforms. */
import { BINARY_BACKWARD_WORKGROUP, binaryBackwardShader } from '../../shaders/binary-backward.wgsl.js';
import { BINARY_WORKGROUP, binaryShader } from '../../shaders/binary.wgsl.js';
import { planBinaryBackward, type BinaryBackwardOptions, type BinaryGradients } from '../ops/binary-backward.js';
import { planBinary, type BinaryOptions } from '../ops/binary.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

export function binary(ctx: KernelContext, a: Tensor, b: Tensor, options: BinaryOptions): Tensor {
  ctx.check('binary', 'a', a);
  ctx.check('binary', 'b', b);
  const p = planBinary(a.shape, b.shape, options);
  const y = ctx.alloc(p.outShape);
  const [as, bs] = [p.aStrides, p.bStrides];
  ctx.runner.run(
    { name: 'binary', variant: p.op, workgroupSize: BINARY_WORKGROUP, entry: 'element', body: binaryShader },
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

/** Above this many summed output elements per gradient element, a workgroup sums each one (a tree); below, one thread does. */
const REDUCE_THRESHOLD = 32;

/** Strides of the contiguous 4-D output. */
function contiguous(out4: readonly number[]): [number, number, number, number] {
  return [out4[1] * out4[2] * out4[3], out4[2] * out4[3], out4[3], 1];
}

/** { da, db } of binary, each gathered over the axes its operand was broadcast along (shaders/binary-backward.wgsl.ts). */
export function binaryBackward(
  ctx: KernelContext,
  a: Tensor,
  b: Tensor,
  dy: Tensor,
  options: BinaryBackwardOptions,
): BinaryGradients<Tensor> {
  ctx.check('binaryBackward', 'a', a);
  ctx.check('binaryBackward', 'b', b);
  ctx.check('binaryBackward', 'dy', dy);
  const p = planBinaryBackward(a.shape, b.shape, dy.shape, options);
  const o = contiguous(p.out4);
  const side = (which: 'a' | 'b'): Tensor => {
    const [self, other] = which === 'a' ? [a, b] : [b, a];
    const r = p[which];
    const t = which === 'a' ? p.bStrides : p.aStrides;
    const reduce = r.m >= REDUCE_THRESHOLD;
    const variant = { op: p.op, side: which, reduce };
    const d = ctx.alloc(self.shape);
    ctx.runner.run(
      {
        name: 'binary-backward',
        variant,
        workgroupSize: BINARY_BACKWARD_WORKGROUP,
        entry: reduce ? 'workgroup' : 'element',
        body: binaryBackwardShader,
      },
      {
        count: ['u32', self.size],
        m: ['u32', r.m],
        s1: ['u32', r.own4[1]],
        s2: ['u32', r.own4[2]],
        s3: ['u32', r.own4[3]],
        r1: ['u32', r.reduced4[1]],
        r2: ['u32', r.reduced4[2]],
        r3: ['u32', r.reduced4[3]],
        o0: ['u32', o[0]],
        o1: ['u32', o[1]],
        o2: ['u32', o[2]],
        o3: ['u32', o[3]],
        t0: ['u32', t[0]],
        t1: ['u32', t[1]],
        t2: ['u32', t[2]],
        t3: ['u32', t[3]],
      },
      [
        { name: 'dy', tensor: dy },
        { name: 'self', tensor: self },
        { name: 'other', tensor: other },
        { name: 'd', tensor: d, write: true },
      ],
      reduce ? self.size * BINARY_BACKWARD_WORKGROUP : self.size, // reduce: one workgroup per element
    );
    return d;
  };
  return { da: p.needs.da ? side('a') : null, db: p.needs.db ? side('b') : null };
}
