/**
 * Optimizer steps, PyTorch semantics (torch.optim.SGD / Adam, foreach=False),
 * one thread per parameter element, one pass per parameter: each thread reads
 * p[i], grad[i] and its state, and writes the new p[i] and state in place.
 * Scalars that depend on the step count (Adam's bias corrections, SGD's
 * first-step flag) arrive as uniforms computed on the host in float64, so no
 * step needs a read-back. Definitions: src/train/optim-reference.ts.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';

export const OPTIM_WORKGROUP = 256;

export interface SgdVariant {
  momentum: boolean;
  nesterov: boolean;
  decay: boolean;
}

/**
 * g = grad (+ wd·p);  with momentum: buf = first ? g : μ·buf + (1 − dampening)·g,
 * g = nesterov ? g + μ·buf : buf;  p ← p − lr·g.
 */
export function sgdShader(v: SgdVariant): string {
  return wgsl`
fn element(i: u32) {
  let p = p_ld(i);
  var g = grad_ld(i);
#if ${v.decay}
  g = g + params.weightDecay * p;
#endif
#if ${v.momentum}
  var b = g;
  if (params.first == 0u) { b = params.momentum * buf_ld(i) + params.dampenedBy * g; }
  buf_st(i, b);
#if ${v.nesterov}
  g = g + params.momentum * b;
#else
  g = b;
#endif
#endif
  p_st(i, p - params.lr * g);
}
`;
}

/**
 * g = grad (+ wd·p);  m ← m + (1 − β1)(g − m)  (torch's lerp);  v ← β2·v + (1 − β2)·g²;
 * p ← p − stepSize · m / (√v / √(1 − β2ᵗ) + eps),  stepSize = lr / (1 − β1ᵗ).
 */
export function adamShader(decay: boolean): string {
  return wgsl`
fn element(i: u32) {
  let p = p_ld(i);
  var g = grad_ld(i);
#if ${decay}
  g = g + params.weightDecay * p;
#endif
  let m0 = m_ld(i);
  let m = m0 + params.oneMinusBeta1 * (g - m0);
  let v = params.beta2 * v_ld(i) + params.oneMinusBeta2 * (g * g);
  m_st(i, m);
  v_st(i, v);
  let denom = sqrt(v) / params.bc2Sqrt + params.eps;
  p_st(i, p - params.stepSize * (m / denom));
}
`;
}

/** y[i] = 0: fresh optimizer state (a pass, so it is ordered with the recorded steps). */
export const fillZeroShader = (): string => `
fn element(i: u32) {
  y_st(i, 0.0);
}
`;
