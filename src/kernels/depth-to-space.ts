/** Dispatch of the depth-to-space family (shader: shaders/depth-to-space.wgsl.ts). */
import { D2S_VEC4_MAX_R, D2S_WORKGROUP, depthToSpaceShader, depthToSpaceVec4Shader } from '../../shaders/depth-to-space.wgsl.js';
import { planDepthToSpace, planSpaceToDepth, type DepthToSpaceMode, type DepthToSpacePlan } from '../ops/depth-to-space.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

function run(ctx: KernelContext, op: string, x: Tensor, p: DepthToSpacePlan): Tensor {
  const y = ctx.alloc(p.outShape);
  const crd = p.mode === 'CRD';
  if (p.w % 4 === 0 && p.r <= D2S_VEC4_MAX_R) {
    // Depth rows of whole vec4s: 16-byte loads and stores on both sides.
    ctx.runner.run(
      {
        name: 'depth-to-space',
        variant: { toSpace: p.toSpace, crd, vec4r: p.r },
        workgroupSize: D2S_WORKGROUP,
        entry: 'element',
        body: (v) => depthToSpaceVec4Shader(v.toSpace, v.crd, v.vec4r),
      },
      { c: ['u32', p.c], h: ['u32', p.h], w: ['u32', p.w] },
      [
        { name: 'x', tensor: x, elem: 'vec4<f32>' },
        { name: 'y', tensor: y, write: true, elem: 'vec4<f32>' },
      ],
      y.size / (4 * p.r), // one thread per r vec4s
    );
    return y;
  }
  ctx.runner.run(
    {
      name: 'depth-to-space',
      variant: { toSpace: p.toSpace, crd },
      workgroupSize: D2S_WORKGROUP,
      entry: 'element',
      body: (v) => depthToSpaceShader(v.toSpace, v.crd),
    },
    { r: ['u32', p.r], c: ['u32', p.c], h: ['u32', p.h], w: ['u32', p.w] },
    [
      { name: 'x', tensor: x },
      { name: 'y', tensor: y, write: true },
    ],
    y.size / p.r, // one thread per block row of r elements
  );
  return y;
}

export function depthToSpace(ctx: KernelContext, x: Tensor, r: number, mode: DepthToSpaceMode, op = 'depthToSpace'): Tensor {
  ctx.check(op, 'input', x);
  return run(ctx, op, x, planDepthToSpace(x.shape, r, mode, op));
}

export function spaceToDepth(ctx: KernelContext, x: Tensor, r: number, mode: DepthToSpaceMode, op = 'spaceToDepth'): Tensor {
  ctx.check(op, 'input', x);
  return run(ctx, op, x, planSpaceToDepth(x.shape, r, mode, op));
}
