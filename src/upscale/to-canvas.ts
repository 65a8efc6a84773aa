/**
 * Shows a [1, 3|4, H, W] tensor on a canvas. 'webgpu' writes it straight into
 * the canvas's current texture (toTexture's store pass with the current texture
 * as its storage texture: no copy, no readback; the canvas is configured
 * bgra8unorm where that is the preferred format and the device has
 * 'bgra8unorm-storage', rgba8unorm otherwise, which every device can store
 * to); '2d' reads it back and
 * puts the pixels (writePlanesToRgba's rounding). A canvas keeps the first
 * context type it is given, so 'auto' has to choose before asking for one: 2D
 * on a software adapter (SwiftShader cannot present a WebGPU canvas headless,
 * and trying can lose the device) or when the canvas gives no 'webgpu' context
 * (it already has a 2D one, or the browser has no WebGPU canvases); WebGPU
 * otherwise.
 */
import type { Engine } from '../engine.js';
import { ArgumentError, GpuError } from '../core/errors.js';
import { TextureUsage } from '../gpu/constants.js';
import type { StorageTextureFormat } from '../gpu/texture-binding.js';
import type { Tensor } from '../core/tensor.js';
import { checkImageTensor, checkRange, storageFormats, toTexture } from './gpu-image.js';
import { writePlanesToRgba, type Range } from './image.js';

export type CanvasMode = 'webgpu' | '2d' | 'auto';

export interface ToCanvasOptions {
  /** The values that become bytes 0 and 255. Default [0, 255]. */
  range?: Range;
  /** Default 'auto' (see above). */
  mode?: CanvasMode;
}

export function checkMode(op: string, mode: unknown): CanvasMode {
  const m = mode ?? 'auto';
  if (m !== 'webgpu' && m !== '2d' && m !== 'auto') throw new ArgumentError(`${op}: mode '${String(m)}' must be 'webgpu', '2d' or 'auto'`);
  return m;
}

/**
 * The canvas's 'webgpu' context when `mode` says to draw with WebGPU, else
 * null (draw with 2D). 'auto' chooses before asking, as the header says;
 * 'webgpu' throws when the canvas gives no such context.
 */
export function webgpuContext(
  engine: Engine,
  op: string,
  canvas: HTMLCanvasElement | OffscreenCanvas,
  mode: CanvasMode,
): GPUCanvasContext | null {
  const gpu =
    mode === '2d' || (mode === 'auto' && engine.adapterInfo.software) ? null : (canvas.getContext('webgpu') as GPUCanvasContext | null);
  if (mode === 'webgpu' && !gpu)
    throw new ArgumentError(
      `${op}: the canvas gives no 'webgpu' context (it has another context, or this browser has no WebGPU canvases); use mode '2d' or 'auto'`,
    );
  return gpu;
}

/**
 * The format to configure a 'webgpu' canvas with so that a store pass writes
 * its current texture directly: the preferred canvas format when the device
 * can store to it (bgra8unorm needs 'bgra8unorm-storage'), else rgba8unorm
 * (a valid canvas format everywhere; the compositor may then convert).
 */
export function canvasFormat(engine: Engine): StorageTextureFormat {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const preferred = gpu?.getPreferredCanvasFormat?.();
  return preferred && (storageFormats(engine.device) as string[]).includes(preferred) ? (preferred as StorageTextureFormat) : 'rgba8unorm';
}

/**
 * Draws the tensor on `canvas` (resized to W×H), returns the path taken.
 * With 4 channels the WebGPU canvas composites as premultiplied alpha; the 2D
 * path stores unpremultiplied ImageData.
 */
export async function toCanvas(
  engine: Engine,
  tensor: Tensor,
  canvas: HTMLCanvasElement | OffscreenCanvas,
  options: ToCanvasOptions = {},
): Promise<'webgpu' | '2d'> {
  const op = 'toCanvas';
  const range = checkRange(op, options.range);
  const [c, h, w] = checkImageTensor(engine, op, tensor);
  const mode = checkMode(op, options.mode);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const gpu = webgpuContext(engine, op, canvas, mode);
  if (gpu) {
    const { device } = engine;
    device.pushErrorScope('validation');
    try {
      const format = canvasFormat(engine);
      gpu.configure({ device, format, usage: TextureUsage.STORAGE_BINDING, alphaMode: c === 4 ? 'premultiplied' : 'opaque' });
      toTexture(engine, tensor, { range, texture: gpu.getCurrentTexture() });
    } finally {
      const error = await device.popErrorScope();
      if (error) throw new GpuError(`toCanvas: the GPU refused to draw on the canvas (${error.message.split('\n')[0]})`, [error.message]);
    }
    return 'webgpu';
  }
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new ArgumentError(`toCanvas: the canvas gives no '2d' context (it already has a 'webgpu' one); use mode 'webgpu'`);
  const data = await tensor.read();
  const image = ctx.createImageData(w, h);
  if (c === 3) for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255;
  writePlanesToRgba(image.data, w, { data, channels: c, height: h, width: w }, 0, 0, 0, range);
  ctx.putImageData(image, 0, 0);
  return '2d';
}
