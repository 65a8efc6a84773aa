/**
 * A stride-s transposed conv as one 3×3 (or 1×1) stride-1 conv with s²·Cout output channels and a
 * depth-to-space store, so that it runs on the Winograd kernels (src/kernels/conv-winograd.ts) or, for
 * 1×1 phases (2×2 stride-2 deconvolutions: Real-CUGAN's, cunet's), on the patch GEMM (conv-pointwise.ts). Output row o = s·q + a
 * (phase a) sums x[i]·w[kk] over s·i + kk − p = o, that is over i = q + dy with dy = (a + p − kk)/s; when
 * the offsets dy of all phases span three consecutive values dMin … dMin + 2 on both axes, every phase
 * is a 3×3 conv of the input with padding −dMin (the taps a phase lacks are zeros), and the s² phases
 * side by side are one conv whose channel co·s² + a·s + b, stored by the fused CRD depth-to-space, lands
 * at (s·q + a, s·r + b) of channel co. waifu2x's and Real-CUGAN's 4×4 stride-2 deconvolutions (padding
 * 3, and PyTorch's padding 1) are such convs; the conv's output then covers the convT's exactly.
 *
 * Used where the engine's `winograd` option would run the rewritten conv on Winograd; the weights are
 * rearranged once per weight tensor (shaders/conv-transpose-phases.wgsl.ts).
 */
import { phaseBiasShader, phaseWeightsShader } from '../../shaders/conv-transpose-phases.wgsl.js';
import type { Tensor } from '../core/tensor.js';
import type { Params } from '../gpu/program.js';
import { planConv2d, type ConvPlan } from '../ops/conv2d.js';
import type { ConvTranspose2dOptions } from '../ops/conv-transpose2d.js';
import { planEpilogue, type EpiloguePlan } from '../ops/epilogue.js';
import type { EpilogueTensors } from './conv-epilogue.js';
import type { KernelContext } from './context.js';
import { planConvWinograd, runConvWinograd, type WinogradPlan } from './conv-winograd.js';
import { planConvPointwise, runConvPointwise, type PointwisePlan } from './conv-pointwise.js';

/**
 * The offsets dy = (a + p − kk)/s over every phase a and tap kk: their smallest and how many
 * consecutive values they span, if that is 3 (a 3×3 phase conv) or 1 (a 1×1 one); else null.
 */
export function phaseOffsets(k: number, s: number, p: number): { dMin: number; span: 1 | 3 } | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let a = 0; a < s; a++) {
    for (let kk = 0; kk < k; kk++) {
      if ((((a + p - kk) % s) + s) % s !== 0) continue;
      const dy = (a + p - kk) / s;
      lo = Math.min(lo, dy);
      hi = Math.max(hi, dy);
    }
  }
  const span = hi - lo + 1;
  return span === 3 || span === 1 ? { dMin: lo, span } : null;
}

interface PhasePlan {
  s: number;
  /** The phase conv's kernel size: 3 (Winograd) or 1 (the patch GEMM). */
  taps: 1 | 3;
  dMin: [number, number];
  conv: ConvPlan;
  epi: EpiloguePlan;
  wino: WinogradPlan | null;
  pointwise: PointwisePlan | null;
}

/** The rewrite of a validated convT plan, or null where it does not apply (the direct convT kernel runs it). */
function planPhases(
  ctx: KernelContext,
  p: ConvPlan,
  epi: EpiloguePlan,
  options: ConvTranspose2dOptions<Tensor>,
  x: Tensor,
  et: EpilogueTensors,
): PhasePlan | null {
  const [s, sW] = p.stride;
  if (ctx.winograd === 'off' || s !== sW || s < 2 || p.groups !== 1 || p.dilation[0] !== 1 || p.dilation[1] !== 1) return null;
  // The rewritten conv's channels are phases, so per-channel PReLU slopes, crelu and a second shuffle do not carry over.
  if (et.prelu || epi.shuffle || p.activation.kind === 'crelu') return null;
  const oH = phaseOffsets(p.kH, s, p.padding[0]);
  const oW = phaseOffsets(p.kW, s, p.padding[1]);
  if (oH === null || oW === null || oH.span !== oW.span || oH.dMin > 0 || oW.dMin > 0) return null;
  const taps = oH.span;
  const [dH, dW] = [oH.dMin, oW.dMin];
  // A K×K conv with padding −dMin on both sides gives in − 2·dMin − (K − 1) phase rows: s of each must be the convT's rows exactly.
  if (s * (p.inH - 2 * dH - (taps - 1)) !== p.outH || s * (p.inW - 2 * dW - (taps - 1)) !== p.outW) return null;
  const convOptions = {
    padding: [-dH, -dW] as [number, number],
    activation: p.activation.kind,
    negativeSlope: p.activation.slope,
    outputScale: options.outputScale,
    residual: options.residual,
    depthToSpace: { r: s, mode: 'CRD' as const },
  };
  const wShape = [s * s * p.cOut, p.cIn, taps, taps];
  const conv = planConv2d(x.shape, wShape, p.hasBias ? [s * s * p.cOut] : null, convOptions, 'convTranspose2d');
  const cepi = planEpilogue('convTranspose2d', conv.outShape, convOptions);
  const wino = taps === 3 ? planConvWinograd(ctx, conv, cepi, x, et.residual) : null;
  const pointwise = taps === 1 ? planConvPointwise(ctx, conv, cepi, x, et.residual) : null;
  return wino || pointwise ? { s, taps, dMin: [dH, dW], conv, epi: cepi, wino, pointwise } : null;
}

/** Runs the convT as its phase conv on Winograd, or returns null (not recorded) where the rewrite does not apply. */
export function runConvTransposePhases(
  ctx: KernelContext,
  x: Tensor,
  w: Tensor,
  et: EpilogueTensors,
  p: ConvPlan,
  epi: EpiloguePlan,
  options: ConvTranspose2dOptions<Tensor>,
): Tensor | null {
  const plan = planPhases(ctx, p, epi, options, x, et);
  if (!plan) return null;
  const { s, dMin } = plan;
  const params: Params = {
    cIn: ['u32', p.cIn],
    cOut: ['u32', p.cOut],
    kH: ['u32', p.kH],
    kW: ['u32', p.kW],
    s: ['u32', s],
    pH: ['u32', p.padding[0]],
    pW: ['u32', p.padding[1]],
    dMinH: ['i32', dMin[0]],
    dMinW: ['i32', dMin[1]],
    wLast: ['u32', w.size - 1],
    taps: ['u32', plan.taps],
  };
  const wp = ctx.derived(w, `convT-phases:${s}:${p.padding}:${dMin}:${plan.taps}`, () => {
    const y = ctx.alloc([s * s * p.cOut, p.cIn, plan.taps, plan.taps]);
    ctx.runner.run(
      { name: 'convT-phase-weights', variant: '', workgroupSize: 64, entry: 'element', body: phaseWeightsShader },
      params,
      [
        { name: 'w', tensor: w },
        { name: 'y', tensor: y, write: true },
      ],
      y.size,
    );
    return y;
  });
  const bias = et.bias
    ? ctx.derived(et.bias, `convT-phases:${s}`, () => {
        const y = ctx.alloc([s * s * p.cOut]);
        ctx.runner.run(
          { name: 'convT-phase-bias', variant: '', workgroupSize: 64, entry: 'element', body: phaseBiasShader },
          { s: ['u32', s] },
          [
            { name: 'b', tensor: et.bias! },
            { name: 'y', tensor: y, write: true },
          ],
          y.size,
        );
        return y;
      })
    : null;
  const pet = { ...et, bias };
  const y = plan.wino
    ? runConvWinograd(ctx, 'conv2d', plan.wino, x, wp, pet, plan.conv, plan.epi)
    : runConvPointwise(ctx, 'conv2d', plan.pointwise!, x, wp, pet, plan.conv, plan.epi);
  if (y.shape.join() !== epi.outShape.join()) throw new Error(`convTranspose2d phases: [${y.shape}] is not [${epi.outShape}]`);
  return y;
}
