/**
 * upsample: PyTorch `interpolate(scale_factor=…, align_corners=False)`.
 * out = floor(in · scale). As in PyTorch with a given scale_factor, the source
 * coordinate uses 1/scale (not in/out):
 *   nearest:  src = min(floor(dst / scale), in - 1)
 *   bilinear: src = max((dst + 0.5) / scale - 0.5, 0)
 */
import { ArgumentError, ShapeError } from '../errors.js';
import { checkOptions, checkShape, optionKeys, type Shape } from './params.js';

export type UpsampleMode = 'nearest' | 'bilinear';

export interface UpsampleOptions {
  scale: number | readonly [number, number];
  mode?: UpsampleMode;
}

const UPSAMPLE_KEYS = optionKeys<UpsampleOptions>({ scale: true, mode: true });

export interface UpsamplePlan {
  mode: UpsampleMode;
  n: number;
  c: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  scale: [number, number];
  outShape: [number, number, number, number];
}

function positive(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ArgumentError(`${op}: ${name} ${String(v)} must be a finite number > 0`);
  }
  return v;
}

export function planUpsample(xShape: Shape, options: UpsampleOptions, op = 'upsample'): UpsamplePlan {
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
  if (mode !== 'nearest' && mode !== 'bilinear') {
    throw new ArgumentError(`${op}: mode '${String(mode)}' must be 'nearest' or 'bilinear'`);
  }
  const [n, c, inH, inW] = xShape;
  const outH = Math.floor(inH * scale[0]);
  const outW = Math.floor(inW * scale[1]);
  if (outH < 1 || outW < 1) throw new ShapeError(`${op}: output would be empty (${outH}×${outW}) for scale ${scale}`);
  return { mode, n, c, inH, inW, outH, outW, scale, outShape: [n, c, outH, outW] };
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
