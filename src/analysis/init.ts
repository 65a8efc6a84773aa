/**
 * He/Kaiming initialisation with the fan read from what the axes mean.
 *
 * He et al. keep the variance of a layer's outputs (mode 'fan_in') or of its
 * input gradients ('fan_out') constant, with Var(w) = gain² / fan, where fan is
 * the number of terms each output sums (fan_in) or the number of outputs each
 * input feeds (fan_out).
 *
 * PyTorch (`_calculate_fan_in_and_fan_out`) reads the fans off the tensor's
 * dims as if every weight were a conv weight: fan_in = size(1)·kH·kW, fan_out =
 * size(0)·kH·kW. For conv2d [Cout, Cin/g, kH, kW] that is right (except
 * fan_out, which counts all Cout instead of the Cout/g an input feeds). For
 * conv_transpose2d [Cin, Cout/g, kH, kW] its "fan_in" is Cout/g·kH·kW, which
 * is the convT's real fan_out, so PyTorch's default kaiming on a convT keeps
 * the gradients' variance, not the outputs'.
 *
 * Here `layout` says which axis is the input and the default convention
 * 'layer' counts real terms: for a convT [Cin, Cout/g, kH, kW] fan_in =
 * Cin/g·kH·kW / (sH·sW), because an output of a stride-s convT only receives
 * the taps of its phase, k/s per axis on average over the s phases (exactly
 * k/s each when s divides k). That average is what keeps the mean output
 * variance, so for a convT pass its `stride` (1 gives the stride-free Cin/g·k²).
 * For a stride-s conv, fan_out is likewise Cout/g·k²/s². convention 'torch'
 * reproduces PyTorch's numbers (layout, groups and stride ignored).
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { checkOptions, checkShape, fmt, pair, real, type Pair, type Shape } from '../core/params.js';
import { normalSource, uniformSource, type Seed } from './random.js';

/** A 4-D weight and its shape, as the engine and the CPU references take it. */
export interface Weights {
  data: Float32Array;
  shape: [number, number, number, number];
}

export type WeightLayout = 'conv' | 'convTranspose';
export type FanMode = 'fan_in' | 'fan_out';
export type FanConvention = 'layer' | 'torch';

export interface FanOptions {
  /** 'conv': [Cout, Cin/g, kH, kW] (default); 'convTranspose': [Cin, Cout/g, kH, kW]. */
  layout?: WeightLayout;
  groups?: number;
  /** The layer's stride: divides the convT's fan_in (and the conv's fan_out) by sH·sW. Default 1. */
  stride?: Pair;
  /** 'layer' (default): real terms per output/input. 'torch': PyTorch's dims-based numbers. */
  convention?: FanConvention;
}

export interface Fans {
  fanIn: number;
  fanOut: number;
}

const FAN_KEYS = ['layout', 'groups', 'stride', 'convention'] as const;

/** fan_in and fan_out of a 4-D weight (see the file comment for the conventions). */
export function fans(shape: Shape, options: FanOptions = {}, op = 'fans'): Fans {
  checkShape(op, 'shape', shape, 4);
  const [a, b, kH, kW] = shape;
  const k2 = kH * kW;
  const convention = options.convention ?? 'layer';
  if (convention === 'torch') return { fanIn: b * k2, fanOut: a * k2 };
  if (convention !== 'layer') throw new ArgumentError(`${op}: convention '${String(convention)}' must be 'layer' or 'torch'`);
  const layout = options.layout ?? 'conv';
  if (layout !== 'conv' && layout !== 'convTranspose')
    throw new ArgumentError(`${op}: layout '${String(layout)}' must be 'conv' or 'convTranspose'`);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ArgumentError(`${op}: groups ${String(groups)} must be an integer >= 1`);
  if (a % groups !== 0)
    throw new ShapeError(
      `${op}: weight ${fmt(shape)} dim 0 (${layout === 'conv' ? 'Cout' : 'Cin'}) ${a} must be divisible by groups ${groups}`,
    );
  const [sH, sW] = pair(op, 'stride', options.stride, 1, { min: 1 });
  // The strided side: a conv's inputs each feed k²/s² outputs on average, a convT's outputs each receive k²/s² taps.
  const strided = ((a / groups) * k2) / (sH * sW);
  return layout === 'conv' ? { fanIn: b * k2, fanOut: strided } : { fanIn: strided, fanOut: b * k2 };
}

export type Nonlinearity = 'relu' | 'leaky_relu' | 'linear';

export interface KaimingOptions extends FanOptions {
  /** Default 'fan_in' (forward variance). */
  mode?: FanMode;
  /** The activation after the layer: gain √2 (relu, default), √(2 / (1 + a²)) (leaky_relu), 1 (linear). */
  nonlinearity?: Nonlinearity;
  /** leaky_relu's negative slope a (PyTorch's `a`), default 0. */
  negativeSlope?: number;
  /** Default 0. */
  seed?: Seed;
}

const KAIMING_KEYS = [...FAN_KEYS, 'mode', 'nonlinearity', 'negativeSlope', 'seed'];

/** PyTorch's calculate_gain for the nonlinearities He initialisation is used with. */
export function gain(nonlinearity: Nonlinearity = 'relu', negativeSlope = 0): number {
  if (nonlinearity === 'relu') return Math.SQRT2;
  if (nonlinearity === 'linear') return 1;
  if (nonlinearity === 'leaky_relu') return Math.sqrt(2 / (1 + negativeSlope * negativeSlope));
  throw new ArgumentError(`gain: nonlinearity '${String(nonlinearity)}' must be 'relu', 'leaky_relu' or 'linear'`);
}

/** The standard deviation He initialisation gives a weight: gain / √fan. */
export function kaimingStd(shape: Shape, options: KaimingOptions = {}, op = 'kaimingStd'): number {
  checkOptions(op, options, KAIMING_KEYS);
  const f = fans(shape, options, op);
  const mode = options.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new ArgumentError(`${op}: mode '${String(mode)}' must be 'fan_in' or 'fan_out'`);
  const slope = real(op, 'negativeSlope', options.negativeSlope ?? 0);
  return gain(options.nonlinearity ?? 'relu', slope) / Math.sqrt(mode === 'fan_in' ? f.fanIn : f.fanOut);
}

function tuple(shape: Shape): [number, number, number, number] {
  return [shape[0], shape[1], shape[2], shape[3]];
}

/** He normal: w ~ N(0, std²), std = gain / √fan. */
export function kaimingNormal(shape: Shape, options: KaimingOptions = {}): Weights {
  const std = kaimingStd(shape, options, 'kaimingNormal');
  const normal = normalSource(options.seed ?? 0);
  const data = new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]);
  for (let i = 0; i < data.length; i++) data[i] = std * normal();
  return { data, shape: tuple(shape) };
}

/** He uniform: w ~ U[−bound, bound), bound = √3 · std (the same variance as kaimingNormal). */
export function kaimingUniform(shape: Shape, options: KaimingOptions = {}): Weights {
  const bound = Math.sqrt(3) * kaimingStd(shape, options, 'kaimingUniform');
  const u = uniformSource(options.seed ?? 0);
  const data = new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]);
  for (let i = 0; i < data.length; i++) data[i] = (2 * u() - 1) * bound;
  return { data, shape: tuple(shape) };
}

/**
 * PyTorch's default conv and convT weight init (`reset_parameters`:
 * kaiming_uniform with a = √5): U[−1/√fan, 1/√fan) with PyTorch's
 * dims-based fan_in = size(1)·kH·kW, for either layout.
 */
export function pytorchDefaultWeights(shape: Shape, seed: Seed = 0): Weights {
  checkShape('pytorchDefaultWeights', 'shape', shape, 4);
  const fanIn = shape[1] * shape[2] * shape[3];
  const bound = 1 / Math.sqrt(fanIn);
  const u = uniformSource(seed);
  const data = new Float32Array(shape[0] * fanIn);
  for (let i = 0; i < data.length; i++) data[i] = (u() * 2 - 1) * bound;
  return { data, shape: tuple(shape) };
}
