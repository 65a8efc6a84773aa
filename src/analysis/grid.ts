/**
 * Where a transposed convolution puts its output grid, and how to line a
 * decoder map up with an encoder skip connection.
 *
 * Coordinates are continuous with pixel j covering [j, j + 1), centre j + ½
 * (the align_corners=false convention of PyTorch's interpolate). A ×s resize
 * maps input coordinate u to output coordinate s·u. A convT (kernel k, stride
 * s, padding p, dilation d) writes input pixel i through taps at outputs
 * i·s − p + t·d, t = 0 … k − 1, whose centre is output index
 *   i·s − p + d(k − 1)/2           (a symmetric kernel peaks there),
 * i.e. output coordinate i·s − p + d(k − 1)/2 + ½. The resize puts input
 * centre i + ½ at s·i + s/2, so the convT's grid is the resize's shifted by
 *   δ = (d(k − 1) + 1 − s)/2 − p   output pixels   (δ/s input pixels).
 * Known answers: k4 s2 p1 → δ = 0 (input pixel 0, centre 0.5, lands at output
 * 1.0, midway between outputs 0 and 1, as in bilinear ×2); k2 s2 p0 → 0;
 * k3 s2 p0 → +½ (input centres fall on output pixel centres: 0.5 ↦ 1.5, the
 * centre of output 1), k3 s2 p1 op1 (TensorFlow's 'same') → −½ output px, a
 * quarter input pixel up/left. Output padding moves nothing: it appends op
 * outputs at the end, so the output extends δ beyond the image of the input
 * [0, s·n) at the start and δ + op at the end.
 */
import { ShapeError } from '../core/errors.js';
import { checkShape, fmt, int, type Shape } from '../core/params.js';

export interface GridOffset {
  /** δ: the output grid's shift from the ×s resize grid, in output pixels. */
  offset: number;
  /** δ / s: the same shift in input pixels. */
  offsetInput: number;
  /** Output pixels before the image of the input extent (δ; negative: the output starts inside it). */
  extendBefore: number;
  /** Output pixels after it (δ + op). */
  extendAfter: number;
  /** δ = 0 and op = 0: the output grid is exactly the resize grid. */
  aligned: boolean;
  /** Output index (pixel centres at integers) where input pixel i's centre lands: i·s − p + d(k − 1)/2. */
  landsAt(i: number): number;
}

/** The grid offset of a transposed convolution along one axis (see the file comment). */
export function convTransposeGridOffset(k: number, s: number, p = 0, op = 0, d = 1): GridOffset {
  const name = 'convTransposeGridOffset';
  int(name, 'kernel', k, { min: 1 });
  int(name, 'stride', s, { min: 1 });
  int(name, 'padding', p, { min: 0 });
  int(name, 'outputPadding', op, { min: 0 });
  int(name, 'dilation', d, { min: 1 });
  const offset = (d * (k - 1) + 1 - s) / 2 - p;
  return {
    offset,
    offsetInput: offset / s,
    extendBefore: offset,
    extendAfter: offset + op,
    aligned: offset === 0 && op === 0,
    landsAt: (i: number) => i * s - p + (d * (k - 1)) / 2,
  };
}

/** Rows or columns to add on each side (negative: to remove). */
export interface Sides {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface SkipAlignment {
  /** Pad (or, negative, crop) the decoder map by this to get the skip's size (Pytorch-UNet's F.pad). */
  decoder: Sides;
  /** Pad or crop the skip by this to get the decoder's size (the original U-Net's centre crop). */
  encoder: Sides;
}

/**
 * How to make a decoder map and an encoder skip the same height and width
 * before concatenating them (U-Net). anchor 'centre' (default) splits a
 * difference Δ as ⌊Δ/2⌋ before and the rest after (an odd pixel goes to the
 * bottom/right), which is right when both maps lost the same border on each
 * side (valid convolutions). anchor 'start' puts all of it at the bottom/right,
 * which is right when both grids start at the same edge: a k = s, p = 0 pool
 * or strided conv floors n to ⌊n/s⌋·s input pixels and a k = s, p = 0 convT
 * puts its output o exactly on input pixel o, so the missing n mod s rows are
 * at the end.
 */
export function alignSkip(decoderShape: Shape, encoderShape: Shape, options: { anchor?: 'centre' | 'start' } = {}): SkipAlignment {
  const op = 'alignSkip';
  checkShape(op, 'decoderShape', decoderShape, 4);
  checkShape(op, 'encoderShape', encoderShape, 4);
  if (decoderShape[0] !== encoderShape[0]) {
    throw new ShapeError(`${op}: decoder ${fmt(decoderShape)} and encoder ${fmt(encoderShape)} must have the same batch size`);
  }
  const start = options.anchor === 'start';
  const split = (delta: number): [number, number] => {
    const half = Math.floor(Math.abs(delta) / 2);
    const before = start ? 0 : (delta < 0 ? -half : half) + 0; // + 0 turns −0 into 0
    return [before, delta - before];
  };
  const sides = (from: Shape, to: Shape): Sides => {
    const [top, bottom] = split(to[2] - from[2]);
    const [left, right] = split(to[3] - from[3]);
    return { top, bottom, left, right };
  };
  return { decoder: sides(decoderShape, encoderShape), encoder: sides(encoderShape, decoderShape) };
}
