/**
 * The two paths of our library that a frame can take, each ending with the
 * upscaled frame in a GPU texture and the queue drained:
 *
 * - GPU-resident: `upscaleTexture(engine, frame, { model, output })` into a
 *   texture reused every frame; the frame never leaves the GPU (a VideoFrame
 *   is copied into a texture once; on software adapters through an
 *   ImageBitmap, as upscaleTexture does).
 * - Round trip: the frame's RGBA bytes on the CPU (the caller's `rgba`: in
 *   the page drawImage + getImageData, in Node copyTextureToBuffer +
 *   mapAsync), `upscale()` (which uploads each tile and reads each result
 *   back), and the bytes written to the output texture (writeTexture): what
 *   an app built on the image API does with a video frame.
 *
 * Video is opaque, so the GPU-resident path is told `alpha: 'opaque'`;
 * upscale() finds the same by looking at the bytes, and both skip the alpha
 * work. Both take createVideoUpscaler's tile budget (VIDEO_MAX_TILE_BYTES: a
 * frame in one tile when the device allows), so they run the same tiles and
 * differ only in the transfers. The two outputs are then equal byte for byte
 * (upscaleTexture's contract), which `measureFps` checks on one frame.
 */
import {
  upscale,
  upscaleTexture,
  VIDEO_MAX_TILE_BYTES,
  type Engine,
  type GpuImageSource,
  type RgbaImage,
  type UpscaledImage,
  type UpscaleModel,
} from '../../src/index.js';
import { BufferUsage, MapMode, TextureUsage } from '../../src/gpu/constants.js';

/** An rgba8unorm texture both paths can write (storage for upscaleTexture, copy for writeTexture) and that can be read back. */
export function outputTexture(device: GPUDevice, width: number, height: number, label: string): GPUTexture {
  return device.createTexture({
    label,
    size: [width, height],
    format: 'rgba8unorm',
    usage: TextureUsage.STORAGE_BINDING | TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_SRC | TextureUsage.COPY_DST,
  });
}

/** Reads rgba8unorm textures of one size back to the CPU through one staging buffer (rows padded to 256 bytes). */
export function textureReader(
  device: GPUDevice,
  width: number,
  height: number,
): {
  read(texture: GPUTexture): Promise<Uint8ClampedArray<ArrayBuffer>>;
  destroy(): void;
} {
  const row = Math.ceil((4 * width) / 256) * 256;
  const staging = device.createBuffer({ label: 'fps readback', size: row * height, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  return {
    async read(texture) {
      const enc = device.createCommandEncoder({ label: 'fps readback' });
      enc.copyTextureToBuffer({ texture }, { buffer: staging, bytesPerRow: row }, [width, height]);
      device.queue.submit([enc.finish()]);
      await staging.mapAsync(MapMode.READ);
      const padded = new Uint8Array(staging.getMappedRange());
      const out = new Uint8ClampedArray(4 * width * height);
      for (let y = 0; y < height; y++) out.set(padded.subarray(y * row, y * row + 4 * width), 4 * width * y);
      staging.unmap();
      return out;
    },
    destroy: () => staging.destroy(),
  };
}

/** RGBA bytes into a texture of the same size. */
export function writeRgba(device: GPUDevice, texture: GPUTexture, image: UpscaledImage): void {
  device.queue.writeTexture({ texture }, image.data, { bytesPerRow: 4 * image.width }, [image.width, image.height]);
}

/** The GPU-resident path as a per-frame function. */
export function gpuResidentPath<F>(
  engine: Engine,
  model: UpscaleModel,
  output: GPUTexture,
  gpuImage: (frame: F) => GpuImageSource,
): (frame: F) => Promise<void> {
  return async (frame) => {
    await upscaleTexture(engine, gpuImage(frame), { model, output, alpha: 'opaque', maxTileBytes: VIDEO_MAX_TILE_BYTES });
    await engine.device.queue.onSubmittedWorkDone();
  };
}

/** The round-trip path as a per-frame function. */
export function roundTripPath<F>(
  engine: Engine,
  model: UpscaleModel,
  output: GPUTexture,
  rgba: (frame: F) => Promise<RgbaImage>,
): (frame: F) => Promise<void> {
  return async (frame) => {
    const up = await upscale(engine, await rgba(frame), { model, maxTileBytes: VIDEO_MAX_TILE_BYTES });
    writeRgba(engine.device, output, up);
    await engine.device.queue.onSubmittedWorkDone();
  };
}
