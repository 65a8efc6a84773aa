/** Dispatch of the depth-to-space family (shader: shaders/depth-to-space.wgsl.ts). */
import { D2S_WORKGROUP, depthToSpaceShader } from '../../shaders/depth-to-space.wgsl.js';
import { planDepthToSpace, planSpaceToDepth, type DepthToSpaceMode, type DepthToSpacePlan } from '../ops/depth-to-space.js';
import type { Tensor } from '../tensor.js';
import type { KernelContext } from './context.js';

function run(ctx: KernelContext, op: string, x: Tensor, p: DepthToSpacePlan): Tensor {
  const y = ctx.alloc(p.outShape);
  const crd = p.mode === 'CRD';
  ctx.runner.run(
    { name: 'depth-to-space', variant: `${p.toSpace ? 'd2s' : 's2d'}-${p.mode}`, workgroupSize: D2S_WORKGROUP, body: () => depthToSpaceShader(p.toSpace, crd) },
    { r: ['u32', p.r], c: ['u32', p.c], h: ['u32', p.h], w: ['u32', p.w] },
    [{ name: 'x', tensor: x }, { name: 'y', tensor: y, write: true }],
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
