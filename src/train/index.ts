/** Training building blocks above the op table: the optimizers (losses and the checkerboard regularizer are ops), layers, Sequential, train(), training pairs and safetensors. */
export { createAdam, createSgd, type Optimizer, type AdamOptions, type SgdOptions } from './optim.js';
export { adamStepReference, sgdStepReference, type AdamState, type SgdState } from './optim-reference.js';
export type { Layer, LayerKind, Param } from './layer.js';
export {
  layers,
  type Conv2dLayerOptions,
  type ConvTranspose2dLayerOptions,
  type LearnableBlurOptions,
  type UpsampleLayerOptions,
} from './layers.js';
export { Sequential, type SequentialOptions, type StateDict } from './sequential.js';
export type { ToUpscaleModelOptions } from './upscale-model.js';
export { train, type TrainOptions, type TrainResult, type TrainStep, type TrainLoss, type TrainOptimizer } from './train.js';
export { makeTrainingPairs, type TrainingImage, type TrainingPairOptions } from './pairs.js';
export { toSafetensors, fromSafetensors } from './safetensors.js';
