/**
 * CPU references of the optimizer steps (the specification the GPU passes in
 * shaders/optim.wgsl.ts are tested against): PyTorch's torch.optim.SGD and
 * torch.optim.Adam (single-tensor, foreach=False, maximize=False, amsgrad=False),
 * written from their documented update rules, in float64, in place.
 */

export interface SgdOptions {
  /** Learning rate, ≥ 0; default 1e-3 (PyTorch's). */
  lr?: number;
  /** Momentum factor μ ≥ 0; default 0 (plain SGD, no state). */
  momentum?: number;
  /** Dampening of the momentum's gradient term; default 0. */
  dampening?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0, as PyTorch); default false. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (wd·p), ≥ 0; default 0. */
  weightDecay?: number;
}

export interface AdamOptions {
  /** Learning rate, ≥ 0; default 1e-3. */
  lr?: number;
  /** [β1, β2], each in [0, 1); default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator, ≥ 0; default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient (Adam's, not AdamW's decoupled decay), ≥ 0; default 0. */
  weightDecay?: number;
}

export interface SgdState {
  param: Float64Array;
  /** Momentum buffer (unused without momentum). */
  buf: Float64Array;
}

export interface AdamState {
  param: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/** One SGD step; `step` counts from 1 (on step 1 the momentum buffer is set to the gradient, as PyTorch). */
export function sgdStepReference(s: SgdState, grad: ArrayLike<number>, o: Required<SgdOptions>, step: number): void {
  for (let i = 0; i < s.param.length; i++) {
    let g = grad[i];
    if (o.weightDecay !== 0) g += o.weightDecay * s.param[i];
    if (o.momentum !== 0) {
      s.buf[i] = step === 1 ? g : o.momentum * s.buf[i] + (1 - o.dampening) * g;
      g = o.nesterov ? g + o.momentum * s.buf[i] : s.buf[i];
    }
    s.param[i] -= o.lr * g;
  }
}

/** One Adam step; `step` (t) counts from 1. */
export function adamStepReference(s: AdamState, grad: ArrayLike<number>, o: Required<AdamOptions>, step: number): void {
  const [b1, b2] = o.betas;
  const stepSize = o.lr / (1 - b1 ** step);
  const bc2Sqrt = Math.sqrt(1 - b2 ** step);
  for (let i = 0; i < s.param.length; i++) {
    let g = grad[i];
    if (o.weightDecay !== 0) g += o.weightDecay * s.param[i];
    s.m[i] = b1 * s.m[i] + (1 - b1) * g;
    s.v[i] = b2 * s.v[i] + (1 - b2) * g * g;
    s.param[i] -= (stepSize * s.m[i]) / (Math.sqrt(s.v[i]) / bc2Sqrt + o.eps);
  }
}
