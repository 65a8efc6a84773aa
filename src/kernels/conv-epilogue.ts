/**
 * What the fused conv epilogue (shaders/conv2d.wgsl.ts `convEpilogue`) is given, in one place for the
 * three conv kernels (direct: conv.ts, tiled: conv-tiled.ts, Winograd: conv-winograd.ts): its tensors,
 * its structural flags (part of each pipeline's variant), its uniforms and its bindings.
 */
import type { ConvEpilogueVariant } from '../../shaders/conv2d.wgsl.js';
import type { Binding } from '../gpu/command-runner.js';
import type { Params } from '../gpu/program.js';
import type { ConvPlan } from '../ops/conv2d.js';
import type { EpilogueOptions, EpiloguePlan } from '../ops/epilogue.js';
import type { Tensor } from '../core/tensor.js';
import type { KernelContext } from './context.js';

/** The epilogue's tensors, checked (live, on this engine). */
export interface EpilogueTensors {
  bias: Tensor | null;
  /** PReLU slopes, [1] or [Cout] (planEpilogue checked the shape). */
  prelu: Tensor | null;
  residual: Tensor | null;
}

export function epilogueTensors(ctx: KernelContext, op: string, bias: Tensor | null, options: EpilogueOptions<Tensor>): EpilogueTensors {
  return {
    bias,
    prelu: options.preluSlope ? ctx.check(op, 'preluSlope', options.preluSlope) : null,
    residual: options.residual ? ctx.check(op, 'residual', options.residual) : null,
  };
}

export function epilogueVariant(p: ConvPlan, epi: EpiloguePlan, t: EpilogueTensors): ConvEpilogueVariant {
  return {
    bias: t.bias !== null,
    activation: p.activation.kind,
    prelu: t.prelu !== null,
    scale: epi.scale !== null,
    residual: t.residual !== null,
    shuffle: epi.shuffle?.mode ?? 'none',
  };
}

/** The epilogue's uniforms, appended to the kernel's own. */
export function epilogueParams(p: ConvPlan, epi: EpiloguePlan): Params {
  return {
    slope: ['f32', p.activation.slope],
    outScale: ['f32', epi.scale ?? 1],
    // Slope index = channel · preluStride: 0 for one shared slope.
    ...(epi.prelu ? { preluStride: ['u32', epi.prelu === 1 ? 0 : 1] } : {}),
  };
}

/** The epilogue's read bindings (b, pr, res), between the kernel's inputs and its output y. */
export function epilogueBindings(t: EpilogueTensors): Binding[] {
  return [
    ...(t.bias ? [{ name: 'b', tensor: t.bias }] : []),
    ...(t.prelu ? [{ name: 'pr', tensor: t.prelu }] : []),
    ...(t.residual ? [{ name: 'res', tensor: t.residual }] : []),
  ];
}
