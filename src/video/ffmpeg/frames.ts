/**
 * One frame through the model: the same path as an image (upscale(): tiles,
 * passes for scales the model does not offer, an exact shrink), on whichever
 * backend the caller opened: a TileRunner on WebGPU keeps each tile's
 * tensors on the GPU; the CPU backend (ONNX Runtime) runs the same tiles.
 */
import type { RgbImage, RgbaImage } from '../../upscale/image.js';
import { shrinkImage, scalePlan } from '../../upscale/rescale.js';
import type { TileRunner } from '../../upscale/runner.js';
import { upscale, type UpscaledImage } from '../../upscale/upscale.js';
import type { Pair } from '../../core/params.js';

/** Upscales one frame (RGB or RGBA bytes) to RGBA at the target size. */
export type FrameUpscaler = (frame: RgbImage | RgbaImage, signal?: AbortSignal) => Promise<UpscaledImage>;

export interface FrameUpscalerOptions {
  /** Output scale (default: the model's). */
  scale?: number;
  tileSize?: Pair;
  tta?: boolean;
}

/** The output size of a frame at `scale`, as the image path computes it. */
export function scaledSize(width: number, height: number, scale: number): { width: number; height: number } {
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
}

export function frameUpscaler(runner: TileRunner, { scale, tileSize, tta }: FrameUpscalerOptions = {}): FrameUpscaler {
  const target = scale ?? runner.model.scale;
  const { passes, shrink } = scalePlan(runner.model.scale, target);
  return async (frame, signal) => {
    let out = await upscale(runner, frame, { tileSize, tta, signal });
    for (let pass = 1; pass < passes; pass++) out = await upscale(runner, out, { tileSize, tta, signal });
    if (shrink !== 1) {
      const size = scaledSize(frame.width, frame.height, target);
      out = shrinkImage(out, size.width, size.height);
    }
    return out;
  };
}
