/**
 * Decoded frames onto the GPU and upscaled frames back, for the file → file path.
 *
 * In: copyExternalImageToTexture. On a hardware adapter straight from the
 * VideoFrame (the browser converts YUV → RGB on the GPU, no CPU copy); on a
 * software adapter (SwiftShader) through an ImageBitmap, because copying a
 * VideoFrame there (or importExternalTexture) loses the device: the same
 * choice createVideoUpscaler makes.
 *
 * Out: the output texture is read back into RGBA bytes (one mapped buffer,
 * reused), which become the VideoFrame handed to the encoder. An encoder takes
 * CPU-side frames or canvases, and a 'webgpu' canvas cannot be presented on
 * SwiftShader, so a read back is the one path that works everywhere; on a
 * real GPU it costs one copy of the output per frame.
 */
import type { Engine } from '../../engine.js';
import { BufferUsage, MapMode, TextureUsage } from '../../gpu/constants.js';
import { createImageTexture } from '../../upscale/gpu-image.js';
import type { UpscaledImage } from '../../upscale/upscale.js';

/** The textures and the read-back buffer of one frame size, reused frame after frame. */
export class FrameTextures {
  readonly input: GPUTexture;
  readonly output: GPUTexture;
  private readback: GPUBuffer | null = null;
  private readbackSize = 0;

  constructor(
    private readonly engine: Engine,
    readonly width: number,
    readonly height: number,
    readonly scale: number,
  ) {
    const { device } = engine;
    this.input = createImageTexture(device, 'source', [width, height], 'upscaleVideo input', TextureUsage.COPY_SRC);
    this.output = createImageTexture(device, 'result', [width * scale, height * scale], 'upscaleVideo output');
  }

  /** Copies a decoded frame (displayWidth × displayHeight) into `input`. */
  async upload(frame: VideoFrame): Promise<void> {
    const bitmap = this.engine.adapterInfo.software ? await createImageBitmap(frame) : null;
    try {
      this.engine.device.queue.copyExternalImageToTexture({ source: bitmap ?? frame }, { texture: this.input, premultipliedAlpha: false }, [
        this.width,
        this.height,
      ]);
    } finally {
      bitmap?.close();
    }
  }

  /** The RGBA bytes of `texture` (input or output), rows packed. */
  async read(texture: GPUTexture): Promise<UpscaledImage> {
    const { device } = this.engine;
    const [w, h] = [texture.width, texture.height];
    const bytesPerRow = Math.ceil((w * 4) / 256) * 256;
    const size = bytesPerRow * h;
    if (!this.readback || this.readbackSize < size) {
      this.readback?.destroy();
      this.readback = device.createBuffer({ label: 'upscaleVideo readback', size, usage: BufferUsage.COPY_DST | BufferUsage.MAP_READ });
      this.readbackSize = size;
    }
    const buffer = this.readback;
    const enc = device.createCommandEncoder({ label: 'upscaleVideo readback' });
    enc.copyTextureToBuffer({ texture }, { buffer, bytesPerRow }, [w, h]);
    device.queue.submit([enc.finish()]);
    await buffer.mapAsync(MapMode.READ, 0, size);
    try {
      const rows = new Uint8Array(buffer.getMappedRange(0, size));
      const data = new Uint8ClampedArray(w * h * 4);
      for (let y = 0; y < h; y++) data.set(rows.subarray(y * bytesPerRow, y * bytesPerRow + w * 4), y * w * 4);
      return { data, width: w, height: h };
    } finally {
      buffer.unmap();
    }
  }

  destroy(): void {
    this.input.destroy();
    this.output.destroy();
    this.readback?.destroy();
    this.readback = null;
  }
}
