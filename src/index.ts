// Ships the GPU* type names with the declarations; preserve="true" keeps TS 5.5+ from dropping this line from the .d.ts.
/// <reference types="@webgpu/types" preserve="true" />
/**
 * webgpu-upsample: learnable upsampling on WebGPU.
 *
 *   const engine = await createEngine();
 *   const y = engine.convTranspose2d(x, w, b, { stride: 2, padding: 1 });
 *   const out = await y.read();
 */
export {
  createEngine,
  Engine,
  type ConvKernel,
  type ConvKernelOption,
  type EngineOptions,
  type EngineStats,
  type AdapterDescription,
} from './engine.js';
export { Tensor } from './core/tensor.js';
export type { FromBufferOptions } from './gpu/borrowed-buffer.js';
export * from './core/errors.js';
export type { ConvTranspose2dOptions } from './ops/conv-transpose2d.js';
export type { Conv2dOptions } from './ops/conv2d.js';
export type { DepthToSpaceMode } from './ops/depth-to-space.js';
export type { UpsampleOptions, UpsampleMode } from './ops/upsample.js';
export type { ActivationName, ActivationOptions } from './ops/activation.js';
export type { Pair, Shape } from './core/params.js';
export { convTransposeOutSize } from './ops/conv-transpose2d.js';
export { convOutSize } from './ops/conv2d.js';
export type { CharbonnierOptions, CharbonnierBackwardOptions, LossBackwardOptions } from './ops/loss.js';
export type { CheckerboardOptions, CheckerboardBackwardOptions } from './ops/checkerboard.js';
export {
  createAdam,
  createSgd,
  adamStepReference,
  sgdStepReference,
  type Optimizer,
  type AdamOptions,
  type SgdOptions,
  type AdamState,
  type SgdState,
} from './train/index.js';
export {
  layers,
  Sequential,
  type Layer,
  type LayerKind,
  type Param,
  type SequentialOptions,
  type StateDict,
  type ToUpscaleModelOptions,
  type Conv2dLayerOptions,
  type ConvTranspose2dLayerOptions,
  type LearnableBlurOptions,
  type UpsampleLayerOptions,
} from './train/index.js';
export {
  train,
  makeTrainingPairs,
  toSafetensors,
  fromSafetensors,
  type TrainOptions,
  type TrainResult,
  type TrainStep,
  type TrainLoss,
  type TrainOptimizer,
  type TrainingImage,
  type TrainingPairOptions,
} from './train/index.js';
// Checkerboard analysis, initialisers and grid alignment (plain numbers, no GPU).
export * from './analysis/index.js';
export {
  loadModel,
  describeLayersModel,
  describeModel,
  ModelError,
  parseLayersModel,
  loadAnime4k,
  describeAnime4k,
  type Anime4kJson,
  type Anime4kOptions,
  type LayersModelSource,
  type LayersModelJson,
  type UpscaleModel,
  type UpscaleModelInfo,
  type ModelDescription,
  type ModelGraph,
  // The model zoo: ncnn (waifu2x, Real-ESRGAN, Real-CUGAN), PyTorch checkpoints, safetensors.
  parseNcnnModel,
  loadNcnnModel,
  parsePytorchModel,
  parseSafetensorsModel,
  loadPytorchModel,
  loadSafetensorsModel,
  type NcnnModelSource,
  type NcnnFamily,
  type PytorchModel,
  type PytorchArchitecture,
} from './model/index.js';
export { ZOO, findZooModel, zooIds, defaultNoise, type ZooModel, type ZooFamily } from './model/zoo.js';
export { exportOnnx, encodeModel, type ExportOnnxOptions, type OnnxExportSource, type OnnxGraph } from './onnx/index.js';
export { parseOnnxModel, loadOnnxModel, type OnnxImportOptions, type ParsedOnnxModel } from './onnx/index.js';
export {
  upscale,
  upscalePlanes,
  planUpscale,
  planTiles,
  webgpuRunner,
  createOrtRunner,
  type TileRunner,
  type OrtModule,
  type OrtRunnerModel,
  type OrtRunnerOptions,
  type OrtSessionOptions,
  type UpscaleBackend,
  type UpscaleRunOptions,
  type UpscaleOptions,
  type UpscaleProgress,
  type UpscaledImage,
  type UpscaledImage16,
  type RgbaImage,
  type Rgba16Image,
  type RgbImage,
  type ImageInput,
  type BrowserImageFile,
  loadImage,
  formatDuration,
  // backend: 'auto': WebGPU on a hardware GPU, ONNX Runtime's CPU kernels on a software adapter; says why.
  chooseBackend,
  decideBackend,
  type BackendChoice,
  type BackendDecision,
  type ChooseBackendOptions,
  type ChosenBackend,
  type TilePlan,
  type EngineCapacity,
  // Interop: images and textures ↔ tensors on the GPU (free functions: the engine does not import the image layer).
  fromImage,
  toTexture,
  toCanvas,
  upscaleTexture,
  type UpscaleTextureOptions,
  type GpuImageSource,
  type FromImageOptions,
  type ToTextureOptions,
  type CanvasMode,
  type ToCanvasOptions,
  // Video: every frame of a video element, camera track or VideoFrame stream through a model onto a canvas.
  createVideoUpscaler,
  VIDEO_MAX_TILE_BYTES,
  type VideoSource,
  type VideoUpscaler,
  type VideoUpscalerOptions,
  type VideoUpscalerStats,
  type VideoFrameInfo,
} from './upscale/index.js';
// Video files in the browser: decode, upscale every frame, encode, mux (WebCodecs + mediabunny, loaded on first use).
export * from './video/webcodecs/index.js';
