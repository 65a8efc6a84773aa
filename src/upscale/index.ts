/** The image pipeline: tiled, seam-free upscaling of RGBA images with an UpscaleModel. */
export { upscale, upscalePlanes, type UpscaleOptions, type UpscaleProgress, type UpscaledImage } from './upscale.js';
export { planTiles, expandRegion, tileByteBudget, DEFAULT_CHANNELS, DEFAULT_MAX_TILE_BYTES } from './tiling.js';
export type { TilePlan, TilePlanOptions, Tile, Region, TileLimits } from './tiling.js';
export type { RgbaImage, ImageInput, Planes, Range } from './image.js';
