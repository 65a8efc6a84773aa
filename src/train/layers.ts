/**
 * The layer constructors, as `layers.conv2d({...})` etc. A layer holds no GPU
 * memory until a Sequential builds it on its engine (see ./layer.ts).
 */
import { LearnableBlurLayer, type LearnableBlurOptions } from './blur-layer.js';
import { Conv2dLayer, ConvTranspose2dLayer, type Conv2dLayerOptions, type ConvTranspose2dLayerOptions } from './conv-layers.js';
import type { Layer } from './layer.js';
import { ActivationLayer, PixelShuffleLayer, UpsampleLayer, type UpsampleLayerOptions } from './simple-layers.js';

export type { Conv2dLayerOptions, ConvTranspose2dLayerOptions, LearnableBlurOptions, UpsampleLayerOptions };

export const layers = {
  /** PyTorch nn.ConvTranspose2d; weight [Cin, Cout/groups, kH, kW]; init 'he' (default), 'balanced' or 'bilinear'. */
  convTranspose2d: (options: ConvTranspose2dLayerOptions): Layer => new ConvTranspose2dLayer(options),
  /** PyTorch nn.Conv2d; weight [Cout, Cin/groups, kH, kW]; init 'he' (default) or { icnr: r } before a pixelShuffle(r). */
  conv2d: (options: Conv2dLayerOptions): Layer => new Conv2dLayer(options),
  /** PyTorch nn.PixelShuffle(r) (CRD order). */
  pixelShuffle: (r: number): Layer => new PixelShuffleLayer(r),
  /** PyTorch nn.Upsample(scale_factor, mode), align_corners=False; 'nearest' or 'bilinear'. */
  upsample: (options: UpsampleLayerOptions): Layer => new UpsampleLayer(options),
  relu: (): Layer => new ActivationLayer('relu'),
  /** PyTorch nn.LeakyReLU(slope), default 0.01. */
  leakyRelu: (slope = 0.01): Layer => new ActivationLayer('leakyRelu', slope),
  sigmoid: (): Layer => new ActivationLayer('sigmoid'),
  tanh: (): Layer => new ActivationLayer('tanh'),
  /** Depthwise Gaussian blur with a trained σ per channel (parameter '<i>.sigma', [channels]); sigma 0.8, kernel 5 by default. */
  learnableBlur: (options: LearnableBlurOptions): Layer => new LearnableBlurLayer(options),
};
