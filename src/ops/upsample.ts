/**
 * upsample: PyTorch `interpolate(scale_factor=…, align_corners=False)`.
 * out = floor(in · scale). As in PyTorch with a given scale_factor, the source
 * coordinate uses 1/scale (not in/out):
 *   nearest:  src = min(floor(dst / scale), in - 1)
 *   bilinear: src = max((dst + 0.5) / scale - 0.5, 0)
 *   bicubic:  ONNX Resize `cubic` (= PyTorch `bicubic` for a = −0.75): src =
 *             (dst + 0.5) / scale − 0.5 (half_pixel, not clamped), or
 *             dst·(in − 1)/(out − 1) with `alignCorners: true`; four taps per
 *             axis ⌊src⌋ − 1 … ⌊src⌋ + 2, clamped to the edge (exclude_outside
 *             = 0), weighted by the cubic kernel with `cubicCoeffA` (default
 *             −0.75, PyTorch/OpenCV; −0.5 is Keys/TensorFlow/PIL). See ./resample.ts.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkOptions, checkShape, optionKeys, real, type Shape } from '../core/params.js';

export type UpsampleMode = 'nearest' | 'bilinear' | 'bicubic';

/** What every mode takes (upsampleBackward's options extend it). */
export interface UpsampleOptions {
  scale: number | readonly [number, number];
  mode?: UpsampleMode;
}

/** Mode 'bicubic' only; refused with the other modes. */
export interface BicubicOptions {
  /** The cubic kernel's a (ONNX `cubic_coeff_a`); default −0.75 (PyTorch, OpenCV). */
  cubicCoeffA?: number;
  /** ONNX `align_corners` / PyTorch align_corners=True; default false (ONNX half_pixel). */
  alignCorners?: boolean;
}

const UPSAMPLE_KEYS = optionKeys<UpsampleOptions & BicubicOptions>({ scale: true, mode: true, cubicCoeffA: true, alignCorners: true });

export interface UpsamplePlan {
  mode: UpsampleMode;
  n: number;
  c: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  scale: [number, number];
  /** Bicubic: the kernel's a; −0.75 otherwise (unused). */
  cubicCoeffA: number;
  alignCorners: boolean;
  outShape: [number, number, number, number];
}

function positive(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ArgumentError(`${op}: ${name} ${String(v)} must be a finite number > 0`);
  }
  return v;
}

export function planUpsample(xShape: Shape, options: UpsampleOptions & BicubicOptions, op = 'upsample'): UpsamplePlan {
  checkShape(op, 'input', xShape, 4);
  if (!options || typeof options !== 'object') throw new ArgumentError(`${op}: options { scale, mode } are required`);
  checkOptions(op, options, UPSAMPLE_KEYS);
  const s = options.scale;
  let scale: [number, number];
  if (Array.isArray(s)) {
    if (s.length !== 2) throw new ArgumentError(`${op}: scale ${JSON.stringify(s)} must be a number or an [h, w] pair`);
    scale = [positive(op, 'scale[0]', s[0]), positive(op, 'scale[1]', s[1])];
  } else {
    const v = positive(op, 'scale', s);
    scale = [v, v];
  }
  const mode = options.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear' && mode !== 'bicubic') {
    throw new ArgumentError(`${op}: mode '${String(mode)}' must be 'nearest', 'bilinear' or 'bicubic'`);
  }
  if (mode !== 'bicubic') {
    for (const k of ['cubicCoeffA', 'alignCorners'] as const) {
      if (options[k] !== undefined) throw new ArgumentError(`${op}: ${k} applies to mode 'bicubic' only, not '${mode}'`);
    }
  }
  const cubicCoeffA = real(op, 'cubicCoeffA', options.cubicCoeffA ?? -0.75);
  const alignCorners = options.alignCorners ?? false;
  if (typeof alignCorners !== 'boolean') throw new ArgumentError(`${op}: alignCorners ${String(alignCorners)} must be a boolean`);
  const [n, c, inH, inW] = xShape;
  const outH = Math.floor(inH * scale[0]);
  const outW = Math.floor(inW * scale[1]);
  if (outH < 1 || outW < 1) throw new ShapeError(`${op}: output would be empty (${outH}×${outW}) for scale ${scale}`);
  return { mode, n, c, inH, inW, outH, outW, scale, cubicCoeffA, alignCorners, outShape: [n, c, outH, outW] };
}

/** Source coordinate and weight along one axis, shared by CPU and documented for the GPU kernel. */
export function bilinearSource(dst: number, scale: number, inSize: number): { i0: number; i1: number; t: number } {
  const src = Math.max((dst + 0.5) / scale - 0.5, 0);
  const i0 = Math.min(Math.floor(src), inSize - 1);
  const i1 = Math.min(i0 + 1, inSize - 1);
  return { i0, i1, t: src - i0 };
}

export function nearestSource(dst: number, scale: number, inSize: number): number {
  return Math.min(Math.floor(dst / scale), inSize - 1);
}
