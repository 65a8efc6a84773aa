/**
 * CPU reference of the checkerboard regularizer and its gradient (definition
 * and why in src/ops/checkerboard.ts). Float64 accumulation; Float64Array data
 * in gives float64 out (the finite-difference test differentiates it).
 */
import {
  planCheckerboard,
  type CheckerboardBackwardOptions,
  type CheckerboardOptions,
  type CheckerboardPlan,
} from '../ops/checkerboard.js';
import { zerosLike, type CpuTensor } from './tensor.js';

/** Phase sums S[a·sw + b] of channel pair `pair` (weights at pair·kH·kW). */
function phaseSums(w: ArrayLike<number>, pair: number, p: CheckerboardPlan): number[] {
  const s = new Array<number>(p.phases).fill(0);
  const base = pair * p.kH * p.kW;
  for (let ky = 0; ky < p.kH; ky++) {
    for (let kx = 0; kx < p.kW; kx++) s[(ky % p.sh) * p.sw + (kx % p.sw)] += w[base + ky * p.kW + kx];
  }
  return s;
}

const mean = (s: number[]): number => s.reduce((a, b) => a + b, 0) / s.length;

/** R(w) = Σ_pairs Σ_phases (S − mean S)², as a [1] tensor. */
export function checkerboardPenalty(weight: CpuTensor, options: CheckerboardOptions): CpuTensor {
  const p = planCheckerboard(weight.shape, options, false);
  let r = 0;
  for (let pair = 0; pair < p.pairs; pair++) {
    const s = phaseSums(weight.data, pair, p);
    const m = mean(s);
    for (const v of s) r += (v - m) ** 2;
  }
  const out = zerosLike(weight, [1]);
  out.data[0] = r;
  return out;
}

/** scale · ∂R/∂w = scale · 2 (S_phase(tap) − mean S), the shape of w. */
export function checkerboardPenaltyBackward(weight: CpuTensor, options: CheckerboardBackwardOptions): CpuTensor {
  const p = planCheckerboard(weight.shape, options, true);
  const g = zerosLike(weight, weight.shape);
  for (let pair = 0; pair < p.pairs; pair++) {
    const s = phaseSums(weight.data, pair, p);
    const m = mean(s);
    const base = pair * p.kH * p.kW;
    for (let ky = 0; ky < p.kH; ky++) {
      for (let kx = 0; kx < p.kW; kx++) g.data[base + ky * p.kW + kx] = p.scale * 2 * (s[(ky % p.sh) * p.sw + (kx % p.sw)] - m);
    }
  }
  return g;
}
