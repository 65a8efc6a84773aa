/** The image pipeline: tiled, seam-free upscaling of RGBA images with an UpscaleModel. */
export { upscale, upscalePlanes, planUpscale, type UpscaleOptions, type UpscaleProgress, type UpscaledImage, type UpscaledImage16 } from './upscale.js';
export { planTiles, expandRegion, hardTileBytes, tileByteBudget, DEFAULT_CHANNELS, DEFAULT_MAX_TILE_BYTES } from './tiling.js';
export type { TilePlan, TilePlanOptions, Tile, Region, TileLimits } from './tiling.js';
export type { RgbaImage, Rgba16Image, ImageInput, Planes, Range } from './image.js';
export type { EngineCapacity } from '../gpu/runner.js';
