/**
 * convTranspose2d: options and the shape rule shared by the CPU reference and
 * the GPU kernel. PyTorch semantics:
 *   out = (in - 1)·s - 2p + d·(k - 1) + op + 1,   op < max(s, d)
 * weight layout [Cin, Cout/groups, kH, kW].
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkOptions, checkShape, fmt, int, optionKeys, pair, type Pair, type Shape } from '../core/params.js';
import { resolveActivation, type ActivationOptions } from './activation.js';
import type { ConvPlan } from './conv2d.js';
import type { EpilogueOptions } from './epilogue.js';

export interface ConvTranspose2dOptions<T = unknown> extends ActivationOptions, EpilogueOptions<T> {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/** Every key convTranspose2d accepts (the Record makes the compiler check the list against the type, epilogue included). */
const CONV_TRANSPOSE2D_KEYS = optionKeys<ConvTranspose2dOptions>({
  stride: true,
  padding: true,
  outputPadding: true,
  dilation: true,
  groups: true,
  activation: true,
  negativeSlope: true,
  outputScale: true,
  preluSlope: true,
  residual: true,
  depthToSpace: true,
});

/** Everything a kernel needs, all validated: the conv plan plus the output padding. */
export interface ConvTranspose2dPlan extends ConvPlan {
  outputPadding: [number, number];
}

/** The output-size formula of a transposed convolution along one axis. */
export function convTransposeOutSize(inSize: number, k: number, s: number, p: number, d: number, op: number): number {
  return (inSize - 1) * s - 2 * p + d * (k - 1) + op + 1;
}

export function planConvTranspose2d(
  xShape: Shape,
  wShape: Shape,
  bShape: Shape | null,
  options: ConvTranspose2dOptions = {},
  op = 'convTranspose2d',
): ConvTranspose2dPlan {
  checkOptions(op, options, CONV_TRANSPOSE2D_KEYS);
  checkShape(op, 'input', xShape, 4);
  checkShape(op, 'weight', wShape, 4);
  const stride = pair(op, 'stride', options.stride, 1, { min: 1 });
  const padding = pair(op, 'padding', options.padding, 0, { min: 0 });
  const outputPadding = pair(op, 'outputPadding', options.outputPadding, 0, { min: 0 });
  const dilation = pair(op, 'dilation', options.dilation, 1, { min: 1 });
  const groups = int(op, 'groups', options.groups ?? 1, { min: 1 });
  const [n, cIn, inH, inW] = xShape;
  const [wIn, coPerGroup, kH, kW] = wShape;
  for (const a of [0, 1]) {
    const limit = Math.max(stride[a], dilation[a]);
    if (outputPadding[a] >= limit) {
      throw new ArgumentError(
        `${op}: outputPadding ${outputPadding[a]} must be < max(stride ${stride[a]}, dilation ${dilation[a]})` +
          (a === 0 ? ' along height' : ' along width'),
      );
    }
  }
  if (wIn !== cIn) {
    throw new ShapeError(`${op}: weight ${fmt(wShape)} must have weight[0] = input channels ${cIn} (layout [Cin, Cout/groups, kH, kW])`);
  }
  if (cIn % groups !== 0) throw new ShapeError(`${op}: input channels ${cIn} must be divisible by groups ${groups}`);
  const cOut = coPerGroup * groups;
  if (bShape) {
    checkShape(op, 'bias', bShape, 1);
    if (bShape[0] !== cOut) throw new ShapeError(`${op}: bias ${fmt(bShape)} must have ${cOut} elements (output channels)`);
  }
  const outH = convTransposeOutSize(inH, kH, stride[0], padding[0], dilation[0], outputPadding[0]);
  const outW = convTransposeOutSize(inW, kW, stride[1], padding[1], dilation[1], outputPadding[1]);
  if (outH < 1 || outW < 1) {
    throw new ShapeError(`${op}: output would be empty (${outH}×${outW}) for input ${inH}×${inW}, kernel ${kH}×${kW}, padding ${padding}`);
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
    outputPadding,
    dilation,
    groups,
    hasBias: bShape !== null,
    activation: resolveActivation(op, options),
    outShape: [n, cOut, outH, outW],
  };
}
