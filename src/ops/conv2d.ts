/**
 * conv2d: options and shape rule (PyTorch semantics).
 *   out = floor((in + 2p - d·(k - 1) - 1) / s) + 1
 * weight layout [Cout, Cin/groups, kH, kW].
 */
import { ShapeError } from '../core/errors.js';
import { checkOptions, checkShape, fmt, int, optionKeys, pair, type Pair, type Shape } from '../core/params.js';
import { resolveActivation, type Activation, type ActivationOptions } from './activation.js';
import type { EpilogueOptions } from './epilogue.js';

export interface Conv2dOptions<T = unknown> extends ActivationOptions, EpilogueOptions<T> {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/** Every key conv2d accepts (the Record makes the compiler check the list against the type, epilogue included). */
const CONV2D_KEYS = optionKeys<Conv2dOptions>({
  stride: true,
  padding: true,
  dilation: true,
  groups: true,
  activation: true,
  negativeSlope: true,
  outputScale: true,
  preluSlope: true,
  residual: true,
  depthToSpace: true,
});

/** What conv2d and convTranspose2d plans share, all validated. Per-axis values are `[h, w]`. */
export interface ConvPlan {
  n: number;
  cIn: number;
  cOut: number;
  inH: number;
  inW: number;
  outH: number;
  outW: number;
  kH: number;
  kW: number;
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
  hasBias: boolean;
  activation: Activation;
  outShape: [number, number, number, number];
}

export type Conv2dPlan = ConvPlan;

export function convOutSize(inSize: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((inSize + 2 * p - d * (k - 1) - 1) / s) + 1;
}

export function planConv2d(xShape: Shape, wShape: Shape, bShape: Shape | null, options: Conv2dOptions = {}, op = 'conv2d'): Conv2dPlan {
  checkOptions(op, options, CONV2D_KEYS);
  checkShape(op, 'input', xShape, 4);
  checkShape(op, 'weight', wShape, 4);
  const stride = pair(op, 'stride', options.stride, 1, { min: 1 });
  const padding = pair(op, 'padding', options.padding, 0, { min: 0 });
  const dilation = pair(op, 'dilation', options.dilation, 1, { min: 1 });
  const groups = int(op, 'groups', options.groups ?? 1, { min: 1 });
  const [n, cIn, inH, inW] = xShape;
  const [cOut, ciPerGroup, kH, kW] = wShape;
  if (cIn % groups !== 0) throw new ShapeError(`${op}: input channels ${cIn} must be divisible by groups ${groups}`);
  if (cOut % groups !== 0) throw new ShapeError(`${op}: output channels ${cOut} must be divisible by groups ${groups}`);
  if (ciPerGroup * groups !== cIn) {
    throw new ShapeError(
      `${op}: weight ${fmt(wShape)} must have weight[1] = input channels / groups = ${cIn / groups} (layout [Cout, Cin/groups, kH, kW])`,
    );
  }
  if (bShape) {
    checkShape(op, 'bias', bShape, 1);
    if (bShape[0] !== cOut) throw new ShapeError(`${op}: bias ${fmt(bShape)} must have ${cOut} elements (output channels)`);
  }
  const outH = convOutSize(inH, kH, stride[0], padding[0], dilation[0]);
  const outW = convOutSize(inW, kW, stride[1], padding[1], dilation[1]);
  if (outH < 1 || outW < 1) {
    throw new ShapeError(
      `${op}: output would be empty (${outH}×${outW}) for input ${inH}×${inW}, kernel ${kH}×${kW}, dilation ${dilation}, padding ${padding}`,
    );
  }
  return {
    n,
    cIn,
    cOut,
    inH,
    inW,
    outH,
    outW,
    kH,
    kW,
    stride,
    padding,
    dilation,
    groups,
    hasBias: bShape !== null,
    activation: resolveActivation(op, options),
    outShape: [n, cOut, outH, outW],
  };
}
