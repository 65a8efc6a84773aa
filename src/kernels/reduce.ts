/**
 * Dispatch of the tree reduction (shaders/reduce.wgsl.ts): a first pass that
 * sums the caller's per-element terms into one partial per workgroup, then
 * passes that sum the partials until one value is left. The result is a
 * 1-element tensor, [1], that stays on the GPU.
 */
import { reduceShader, REDUCE_LEVELS_PER_PASS, REDUCE_WORKGROUP, SUM_TERM } from '../../shaders/reduce.wgsl.js';
import type { Binding } from '../gpu/command-runner.js';
import type { Params, ProgramVariant } from '../gpu/program.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

const PER_GROUP = 2 * REDUCE_WORKGROUP;

export interface ReduceFirstPass {
  /** Program name of the first pass (the pipeline key's first part). */
  name: string;
  variant: ProgramVariant;
  /** WGSL defining `fn term(i: u32) -> f32` over the bindings and params below, from the variant. */
  term(variant: ProgramVariant): string;
  params: Params;
  /** Read-only inputs of the term; the output binding `out` is added here. */
  bindings: readonly Binding[];
}

/** Passes a reduction of n terms takes: ceil(log_{2WG} n), at least 1. */
export function reducePasses(n: number): number {
  let passes = 1;
  for (let m = Math.ceil(n / PER_GROUP); m > 1; m = Math.ceil(m / PER_GROUP)) passes++;
  return passes;
}

/** Depth of the summation tree over n terms (for error bounds: γ_depth·Σ|terms|). */
export function reduceDepth(n: number): number {
  return reducePasses(n) * REDUCE_LEVELS_PER_PASS;
}

/** scale · Σ_{i<n} term(i), as a [1] tensor. */
export function reduceSum(ctx: KernelContext, first: ReduceFirstPass, n: number, scale: number): Tensor {
  let groups = Math.ceil(n / PER_GROUP);
  let out = ctx.alloc([groups]);
  ctx.runner.run(
    {
      name: first.name,
      variant: first.variant,
      workgroupSize: REDUCE_WORKGROUP,
      entry: 'workgroup',
      body: (v) => reduceShader(first.term(v)),
    },
    { ...first.params, n: ['u32', n], scale: ['f32', groups === 1 ? scale : 1] },
    [...first.bindings, { name: 'out', tensor: out, write: true }],
    groups * REDUCE_WORKGROUP,
  );
  while (groups > 1) {
    const m = groups;
    groups = Math.ceil(m / PER_GROUP);
    const x = out;
    out = ctx.alloc([groups]);
    ctx.runner.run(
      { name: 'reduce-sum', variant: '', workgroupSize: REDUCE_WORKGROUP, entry: 'workgroup', body: () => reduceShader(SUM_TERM) },
      { n: ['u32', m], scale: ['f32', groups === 1 ? scale : 1] },
      [
        { name: 'x', tensor: x },
        { name: 'out', tensor: out, write: true },
      ],
      groups * REDUCE_WORKGROUP,
    );
    // Returned to the pool only after the batch that reads it is submitted (buffer-pool.ts).
    x.dispose();
  }
  return out;
}
