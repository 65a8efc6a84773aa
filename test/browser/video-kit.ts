/**
 * Page-side helpers of the video tests (loaded into headless Chromium by
 * test/browser/video-upscaler.test.ts and by the worker video-worker.ts):
 * synthetic frames, VideoFrame streams, an Anime4K model, and the reference
 * every shown frame is compared with: upscale() of the same RGBA bytes.
 */
import { loadAnime4k, upscale, type Engine, type UpscaleModel } from '../../src/index.js';
import { textureBytes } from '../helpers/texture-bytes.js';

/** Frame `t` (W×H RGBA, opaque): moving waves and edges, different for every t. */
export function frameBytes(W: number, H: number, t: number): Uint8ClampedArray<ArrayBuffer> {
  const data = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const p = 4 * (y * W + x);
      data[p] = 128 + 100 * Math.sin((x + 3 * t) / 4) * Math.cos(y / 5);
      data[p + 1] = (x + 2 * t) % 16 < 8 ? 40 : 210;
      data[p + 2] = Math.hypot(x - W / 2, y - H / 2 - t) < H / 3 ? 230 : 20 + 9 * t;
      data[p + 3] = 255;
    }
  }
  return data;
}

/** A canvas showing frame t (VideoFrames made from it carry exactly these bytes). */
export function frameCanvas(W: number, H: number, t: number): OffscreenCanvas {
  const canvas = new OffscreenCanvas(W, H);
  canvas.getContext('2d')!.putImageData(new ImageData(frameBytes(W, H, t), W, H), 0, 0);
  return canvas;
}

/** Frames 0..n−1 as a ReadableStream of VideoFrames (timestamps 1000·t µs), made when pulled. */
export function frameStream(W: number, H: number, n: number): ReadableStream<VideoFrame> {
  let t = 0;
  return new ReadableStream<VideoFrame>(
    {
      pull(controller) {
        if (t === n) return controller.close();
        controller.enqueue(new VideoFrame(frameCanvas(W, H, t), { timestamp: 1000 * t }));
        t++;
      },
    },
    { highWaterMark: 0 },
  );
}

/** Anime4K cnn-2x-s ('an' weights), as published in @websr/websr, served by Vite from node_modules. */
export async function anime4kS(engine: Engine): Promise<UpscaleModel> {
  const res = await fetch('/node_modules/@websr/websr/weights/anime4k/cnn-2x-s-an.json');
  if (!res.ok) throw new Error(`cnn-2x-s-an.json: HTTP ${res.status}`);
  return loadAnime4k(engine, await res.json());
}

/** upscale() of frame t: the bytes the video upscaler must show. */
export async function reference(engine: Engine, model: UpscaleModel, W: number, H: number, t: number): Promise<Uint8ClampedArray> {
  const out = await upscale(engine, { data: frameBytes(W, H, t), width: W, height: H }, { model });
  return out.data as Uint8ClampedArray;
}

/** How many bytes differ between two RGBA images (and the largest difference). */
export function diff(a: ArrayLike<number>, b: ArrayLike<number>): { bad: number; max: number; n: number } {
  let bad = 0;
  let max = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = Math.abs((a[i] ?? -999) - (b[i] ?? 999));
    if (d) bad++;
    max = Math.max(max, d);
  }
  return { bad, max, n: a.length };
}

/** The pixels of a 2D canvas. */
export function canvasBytes(canvas: HTMLCanvasElement | OffscreenCanvas): Uint8ClampedArray {
  const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
  return ctx.getImageData(0, 0, canvas.width, canvas.height).data;
}

/**
 * A canvas whose getContext('webgpu') is a stub on GPUCanvasContext.prototype:
 * configure() records its arguments, getCurrentTexture() hands out one ordinary
 * texture of the configured format (headless SwiftShader cannot present a
 * real one). Returns the canvas and a way to read what was drawn.
 */
export function stubWebgpuCanvas(device: GPUDevice): {
  canvas: HTMLCanvasElement;
  configured: GPUCanvasConfiguration[];
  read(): Promise<Uint8Array>;
} {
  const canvas = document.createElement('canvas');
  const configured: GPUCanvasConfiguration[] = [];
  let texture: GPUTexture | null = null;
  const stub = Object.create(GPUCanvasContext.prototype) as GPUCanvasContext;
  Object.defineProperties(stub, {
    canvas: { value: canvas },
    configure: {
      value: (c: GPUCanvasConfiguration) => {
        configured.push(c);
        texture?.destroy();
        texture = null;
      },
    },
    unconfigure: { value: () => {} },
    getCurrentTexture: {
      value: () =>
        (texture ??= device.createTexture({
          size: [canvas.width, canvas.height],
          format: configured.at(-1)!.format,
          usage: (configured.at(-1)!.usage ?? GPUTextureUsage.RENDER_ATTACHMENT) | GPUTextureUsage.COPY_SRC,
        })),
    },
  });
  const getContext = canvas.getContext.bind(canvas) as (t: string, o?: unknown) => unknown;
  (canvas as unknown as { getContext: unknown }).getContext = (type: string, o?: unknown) =>
    type === 'webgpu' ? stub : getContext(type, o);
  return { canvas, configured, read: () => textureBytes(device, texture!) };
}
