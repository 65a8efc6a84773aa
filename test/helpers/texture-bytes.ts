/** Reading textures back in tests: shared by the interop and upscaleTexture tests. */
import { BufferUsage, MapMode } from '../../src/gpu/constants.js';

/** RGBA bytes of an rgba8unorm texture (copyTextureToBuffer rows are 256-byte aligned). */
export async function textureBytes(device: GPUDevice, texture: GPUTexture): Promise<Uint8Array> {
  const { width, height } = texture;
  const row = Math.ceil((width * 4) / 256) * 256;
  const staging = device.createBuffer({ size: row * height, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyTextureToBuffer({ texture }, { buffer: staging, bytesPerRow: row }, [width, height]);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(MapMode.READ);
  const padded = new Uint8Array(staging.getMappedRange());
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) out.set(padded.subarray(y * row, y * row + width * 4), y * width * 4);
  staging.destroy();
  return out;
}
