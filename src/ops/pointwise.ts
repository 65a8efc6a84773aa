/**
 * clip, mish and hardSwish: element-wise activations of the model zoo (ONNX
 * Clip, ncnn Clip / Mish / HardSwish, PyTorch clamp / mish / hardswish). Their
 * options and scalar definitions in float64, which the CPU references map over
 * the tensor and the backward ops differentiate.
 *
 *   clip(x)      = min(max(x, min), max), min ≤ max, either may be ±Infinity;
 *   mish(x)      = x · tanh(softplus(x)), softplus(x) = x for x > 20 (where
 *                  tanh(x) is 1 to float64 precision), log1p(eˣ) otherwise;
 *   hardSwish(x) = x · clamp(α·x + β, 0, 1), α = 1/6, β = 1/2 by default
 *                  (PyTorch's); ncnn passes its own α, β (e.g. 0.2, 0.5).
 */
import { ArgumentError } from '../core/errors.js';
import { checkOptions, optionKeys } from '../core/params.js';

export interface ClipOptions {
  /** Lower bound; a number or −Infinity. */
  min: number;
  /** Upper bound ≥ min; a number or Infinity. */
  max: number;
}

export interface HardSwishOptions {
  /** Slope of the gate; default 1/6. */
  alpha?: number;
  /** Offset of the gate; default 0.5. */
  beta?: number;
}

const CLIP_KEYS = optionKeys<ClipOptions>({ min: true, max: true });
const HARD_SWISH_KEYS = optionKeys<HardSwishOptions>({ alpha: true, beta: true });

function describe(v: unknown): string {
  return typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
}

function bound(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new ArgumentError(`${op}: ${name} ${describe(v)} must be a number (±Infinity allowed)`);
  }
  return v;
}

function finite(op: string, name: string, v: unknown, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ArgumentError(`${op}: ${name} ${describe(v)} must be a finite number`);
  }
  return v;
}

export function resolveClip(options: ClipOptions, op = 'clip'): { min: number; max: number } {
  const o = checkOptions(op, options, CLIP_KEYS);
  const min = bound(op, 'min', o.min);
  const max = bound(op, 'max', o.max);
  if (!(min <= max)) throw new ArgumentError(`${op}: min ${min} must be <= max ${max}`);
  return { min, max };
}

export function resolveHardSwish(options: HardSwishOptions | undefined, op = 'hardSwish'): { alpha: number; beta: number } {
  const o = checkOptions(op, options, HARD_SWISH_KEYS);
  return { alpha: finite(op, 'alpha', o.alpha, 1 / 6), beta: finite(op, 'beta', o.beta, 0.5) };
}

export function clipScalar(v: number, min: number, max: number): number {
  return Math.min(Math.max(v, min), max);
}

export function softplus(v: number): number {
  return v > 20 ? v : Math.log1p(Math.exp(v));
}

export function mishScalar(v: number): number {
  return v * Math.tanh(softplus(v));
}

export function hardSwishScalar(v: number, alpha: number, beta: number): number {
  return v * clipScalar(alpha * v + beta, 0, 1);
}

// ---- derivatives (the *Backward ops read the forward's INPUT x: dx = dy · f'(x)) ----

/** d clip/dx: 1 inside [min, max] (bounds included, as PyTorch's clamp_backward), 0 outside. */
export function clipDerivative(v: number, min: number, max: number): number {
  return v >= min && v <= max ? 1 : 0;
}

/** d mish/dx = tanh(sp) + x · sigmoid(x) · (1 − tanh²(sp)), sp = softplus(x). */
export function mishDerivative(v: number): number {
  const t = Math.tanh(softplus(v));
  const s = 1 / (1 + Math.exp(-v));
  return t + v * s * (1 - t * t);
}

/**
 * d hardSwish/dx with gate g = α·x + β: 0 where g < 0, 2α·x + β where 0 ≤ g ≤ 1
 * (the gate plus x·α), 1 where g > 1. At the kinks this takes PyTorch's
 * hardswish_backward values (x = −3 → −0.5, x = 3 → 1.5 for the defaults).
 */
export function hardSwishDerivative(v: number, alpha: number, beta: number): number {
  const g = alpha * v + beta;
  if (g < 0) return 0;
  if (g > 1) return 1;
  return 2 * alpha * v + beta;
}
