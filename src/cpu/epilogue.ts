/** CPU reference of the fused epilogue: written as the composition of the plain ops it replaces. */
import type { EpilogueOptions } from '../ops/epilogue.js';
import { planEpilogue } from '../ops/epilogue.js';
import { depthToSpace } from './depth-to-space.js';
import { add, mul } from './elementwise.js';
import { prelu } from './prelu.js';
import type { CpuTensor } from './tensor.js';

export function applyEpilogue(op: string, out: CpuTensor, options: EpilogueOptions<CpuTensor>): CpuTensor {
  const e = planEpilogue(op, out.shape as [number, number, number, number], options);
  let y = out;
  if (options.preluSlope) y = prelu(y, options.preluSlope);
  if (e.scale !== null) y = mul(y, e.scale);
  if (e.shuffle) y = depthToSpace(y, e.shuffle.r, { mode: e.shuffle.mode });
  if (options.residual) y = add(y, options.residual);
  return y;
}
