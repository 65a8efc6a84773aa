/**
 * Work counts for benchmarks. FLOPs count only the multiply-adds that read a
 * real input element: taps that fall on zero padding, or (for a transposed
 * convolution) on the zeros a "dilate the input, then convolve" formulation
 * would insert, are not work a good kernel has to do, so counting them would
 * inflate GFLOP/s. A multiply-add is 2 FLOPs.
 */
import { planConv2d, type Conv2dOptions } from './conv2d.js';
import { planConvTranspose2d, type ConvTranspose2dOptions } from './conv-transpose2d.js';
import { sizeOf, type Shape } from '../core/params.js';

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

function ceilDiv(a: number, b: number): number {
  return -Math.floor(-a / b);
}

/**
 * Along one axis of a transposed convolution: the number of (input i, tap t)
 * pairs whose output o = i·s − p + t·d lies in [0, outSize). Each such pair is
 * exactly one (output, tap) pair that lands on a real input element.
 * Per tap, the valid inputs form the range
 *   ceil((p − t·d) / s) ≤ i ≤ floor((outSize − 1 + p − t·d) / s), clipped to [0, inSize).
 */
export function convTransposeAxisTaps(inSize: number, k: number, s: number, p: number, d: number, outSize: number): number {
  let n = 0;
  for (let t = 0; t < k; t++) {
    const lo = Math.max(0, ceilDiv(p - t * d, s));
    const hi = Math.min(inSize - 1, floorDiv(outSize - 1 + p - t * d, s));
    if (hi >= lo) n += hi - lo + 1;
  }
  return n;
}

/**
 * Along one axis of a convolution: the number of (output o, tap t) pairs whose
 * input i = o·s − p + t·d lies in [0, inSize), i.e. that do not read padding.
 */
export function convAxisTaps(inSize: number, k: number, s: number, p: number, d: number, outSize: number): number {
  let n = 0;
  for (let t = 0; t < k; t++) {
    const lo = Math.max(0, ceilDiv(p - t * d, s));
    const hi = Math.min(outSize - 1, floorDiv(inSize - 1 + p - t * d, s));
    if (hi >= lo) n += hi - lo + 1;
  }
  return n;
}

/** FLOPs and the per-channel-pair count of valid (output, tap) pairs. */
export interface ConvWork {
  /** 2 · N · Cout · (Cin/groups) · validTaps. */
  flops: number;
  /** (output pixel, kernel tap) pairs that read a real input element, for one (input, output) channel pair. */
  validTaps: number;
}

/**
 * Work of `convTranspose2d(x, w, …)`: 2·N·Cout·(Cin/g)·(valid (output, tap) pairs).
 * The 2-D count is the product of the two axes' counts, because a tap is valid
 * exactly when it is valid along both axes.
 */
export function convTranspose2dWork(xShape: Shape, wShape: Shape, options: ConvTranspose2dOptions = {}): ConvWork {
  const p = planConvTranspose2d(xShape, wShape, null, options);
  const th = convTransposeAxisTaps(p.inH, p.kH, p.stride[0], p.padding[0], p.dilation[0], p.outH);
  const tw = convTransposeAxisTaps(p.inW, p.kW, p.stride[1], p.padding[1], p.dilation[1], p.outW);
  const validTaps = th * tw;
  return { validTaps, flops: 2 * p.n * p.cOut * (p.cIn / p.groups) * validTaps };
}

/** Work of `conv2d(x, w, …)`: 2·N·Cout·(Cin/g)·(valid (output, tap) pairs), padding taps excluded. */
export function conv2dWork(xShape: Shape, wShape: Shape, options: Conv2dOptions = {}): ConvWork {
  const p = planConv2d(xShape, wShape, null, options);
  const th = convAxisTaps(p.inH, p.kH, p.stride[0], p.padding[0], p.dilation[0], p.outH);
  const tw = convAxisTaps(p.inW, p.kW, p.stride[1], p.padding[1], p.dilation[1], p.outW);
  const validTaps = th * tw;
  return { validTaps, flops: 2 * p.n * p.cOut * (p.cIn / p.groups) * validTaps };
}

/**
 * Bytes a pure data-movement op (pixelShuffle, depthToSpace, spaceToDepth)
 * must move at least: every float32 element read once and written once.
 */
export function dataMovementBytes(shape: Shape): number {
  return 2 * 4 * sizeOf(shape);
}
