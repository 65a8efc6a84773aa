/** The image pipeline: tiled, seam-free upscaling of RGBA images with an UpscaleModel. */
export {
  upscale,
  upscalePlanes,
  planUpscale,
  type UpscaleOptions,
  type UpscaleRunOptions,
  type UpscaleBackend,
  type UpscaleProgress,
  type UpscaledImage,
  type UpscaledImage16,
} from './upscale.js';
export { webgpuRunner, isTileRunner, type TileRunner, type PlanarShape } from './runner.js';
export {
  createOrtRunner,
  type OrtModule,
  type OrtRunnerModel,
  type OrtRunnerOptions,
  type OrtSessionOptions,
  type OrtSessionLike,
  type OrtTensorLike,
} from './ort-runner.js';
export { planTiles, expandRegion, hardTileBytes, tileByteBudget, DEFAULT_CHANNELS, DEFAULT_MAX_TILE_BYTES } from './tiling.js';
export type { TilePlan, TilePlanOptions, Tile, Region, TileLimits } from './tiling.js';
export { loadImage } from './image.js';
export { formatDuration } from './duration.js';
export type { RgbaImage, Rgba16Image, RgbImage, ImageInput, BrowserImageFile, Planes, Range } from './image.js';
export {
  chooseBackend,
  decideBackend,
  type BackendChoice,
  type BackendDecision,
  type ChooseBackendOptions,
  type ChosenBackend,
} from './auto-backend.js';
export { fromImage, toTexture, type GpuImageSource, type FromImageOptions, type ToTextureOptions } from './gpu-image.js';
export { toCanvas, type CanvasMode, type ToCanvasOptions } from './to-canvas.js';
export { upscaleTexture, type UpscaleTextureOptions } from './upscale-texture.js';
export type { EngineCapacity } from '../gpu/command-runner.js';
export {
  createVideoUpscaler,
  VIDEO_MAX_TILE_BYTES,
  type VideoSource,
  type VideoUpscaler,
  type VideoUpscalerOptions,
  type VideoUpscalerStats,
  type VideoFrameInfo,
} from './video-upscaler.js';
