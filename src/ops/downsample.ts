/**
 * downsample: the low-resolution side of a training pair, [N, C, H, W] →
 * [N, C, ⌊H / fh⌋, ⌊W / fw⌋] for factors f ≥ 1 (a number or [fh, fw]).
 *
 *   'area':       PyTorch interpolate(mode='area') = adaptive_avg_pool2d to the
 *                 output size: output o averages inputs [⌊o·in/out⌋, ⌈(o+1)·in/out⌉)
 *                 on each axis (a box filter; for in = f·out the f×f blocks' means).
 *   'bicubic-aa': PyTorch interpolate(mode='bicubic', antialias=True,
 *                 align_corners=False) with scale_factor = 1/f, which is PIL's
 *                 BICUBIC resize: along each axis the cubic kernel with a = −0.5
 *                 stretched by f (support 2·f input pixels either side of the
 *                 output centre f·(o + ½)), its weights normalised to sum to 1 per
 *                 output, taps outside the image dropped (not clamped). The kernel
 *                 scale is f itself, as PyTorch's with a scale_factor; PyTorch given
 *                 only a size uses in/out instead, which differs when f does not divide in.
 * Window and weight formulas: src/core/resample.ts (areaWindow, aaCubicWindow).
 * Separable: the 2-D weight is the product of the two axes' weights.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkOptions, checkShape, optionKeys, type Shape } from '../core/params.js';

export type DownsampleMode = 'area' | 'bicubic-aa';

export interface DownsampleOptions {
  /** Downscale factor ≥ 1 per axis (a number or [h, w]); out = ⌊in / factor⌋. */
  factor: number | readonly [number, number];
  /** Required: 'area' (box filter) or 'bicubic-aa' (antialiased bicubic, a = −0.5). */
  mode: DownsampleMode;
}

const DOWNSAMPLE_KEYS = optionKeys<DownsampleOptions>({ factor: true, mode: true });

export interface DownsamplePlan {
  mode: DownsampleMode;
  n: number;
  c: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  factor: [number, number];
  outShape: [number, number, number, number];
}

function factorOf(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 1) {
    throw new ArgumentError(`${op}: ${name} ${String(v)} must be a finite number ≥ 1 (use upsample to enlarge)`);
  }
  return v;
}

export function planDownsample(xShape: Shape, options: DownsampleOptions, op = 'downsample'): DownsamplePlan {
  checkShape(op, 'input', xShape, 4);
  if (!options || typeof options !== 'object') throw new ArgumentError(`${op}: options { factor, mode } are required`);
  checkOptions(op, options, DOWNSAMPLE_KEYS);
  const f = options.factor;
  let factor: [number, number];
  if (Array.isArray(f)) {
    if (f.length !== 2) throw new ArgumentError(`${op}: factor ${JSON.stringify(f)} must be a number or an [h, w] pair`);
    factor = [factorOf(op, 'factor[0]', f[0]), factorOf(op, 'factor[1]', f[1])];
  } else {
    const v = factorOf(op, 'factor', f);
    factor = [v, v];
  }
  const mode = options.mode;
  if (mode !== 'area' && mode !== 'bicubic-aa') {
    throw new ArgumentError(`${op}: mode ${mode === undefined ? '(missing)' : `'${String(mode)}'`} must be 'area' or 'bicubic-aa'`);
  }
  const [n, c, inH, inW] = xShape;
  const outH = Math.floor(inH / factor[0]);
  const outW = Math.floor(inW / factor[1]);
  if (outH < 1 || outW < 1)
    throw new ShapeError(`${op}: output would be empty (${outH}×${outW}) for input ${inH}×${inW} and factor ${factor}`);
  return { mode, n, c, inH, inW, outH, outW, factor, outShape: [n, c, outH, outW] };
}
