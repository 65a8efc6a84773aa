/**
 * WebSR (@websr/websr, its own hand-written WGSL for Anime4K) as a per-frame
 * path, driven as its README says: `new WebSR({ network_name, weights, gpu,
 * canvas })`, then `render(frame)` per frame. It gets its own device on the
 * same adapter (its destroy() destroys the device it was given), and each
 * frame ends with that device's queue drained, as ours does.
 *
 * The canvas context: in a browser with a GPU, WebSR's own (it draws into
 * the canvas's 'webgpu' context). Headless Chromium on SwiftShader gives none
 * that works, so there ('stub') the canvas hands WebSR an object on
 * GPUCanvasContext.prototype (WebSR checks `instanceof`) whose configure()
 * does nothing and whose getCurrentTexture() returns one ordinary rgba8unorm
 * texture (RENDER_ATTACHMENT | COPY_SRC), as test/browser/websr-crosscheck
 * does; everything else is WebSR's code.
 *
 * The frame: WebSR imports a VideoFrame as an external texture; on software
 * adapters that loses the device (SwiftShader), so there ('ImageBitmap') each
 * frame becomes an ImageBitmap first, inside the timed call, the same detour
 * upscaleTexture takes on such adapters. What a WebSR frame costs besides its
 * shaders: its feedForward rebuilds the first and last layers' pipelines every
 * frame (lazyLoadSetup), which is part of its real per-frame cost.
 */
import type { FrameRunner } from './run.js';

export interface WebSROptions {
  /** WebSR's network name, e.g. 'anime4k/cnn-2x-s'. */
  network: string;
  /** The Anime4K JSON (the same file loadAnime4k reads). */
  weights: unknown;
  /** 'canvas': WebSR's own canvas context; 'stub': a texture-backed stand-in (headless). */
  context: 'canvas' | 'stub';
  /** 'VideoFrame': as given; 'ImageBitmap': createImageBitmap(frame) per frame (software adapters). */
  feed: 'VideoFrame' | 'ImageBitmap';
}

/**
 * The stand-in context: an object on GPUCanvasContext.prototype whose configure() does nothing and
 * whose getCurrentTexture() hands out one rgba8unorm texture of the canvas's size (made on first use).
 * Shared with WebSR in Node (websr-node.ts), where GPUCanvasContext is a stand-in class.
 */
export function stubCanvasContext(device: GPUDevice, canvas: { width: number; height: number }): GPUCanvasContext {
  let texture: GPUTexture | null = null;
  const stub = Object.create(GPUCanvasContext.prototype) as GPUCanvasContext;
  Object.defineProperties(stub, {
    canvas: { value: canvas },
    configure: { value: () => {} },
    unconfigure: { value: () => {} },
    getCurrentTexture: {
      value: () =>
        (texture ??= device.createTexture({
          label: 'WebSR output (stub canvas context)',
          size: [canvas.width, canvas.height],
          format: 'rgba8unorm',
          usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
        })),
    },
  });
  return stub;
}

/** The canvas WebSR draws into; with 'stub', its 'webgpu' context is the stand-in above. */
function websrCanvas(device: GPUDevice, context: WebSROptions['context']): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  if (context === 'canvas') return canvas;
  const stub = stubCanvasContext(device, canvas);
  const getContext = canvas.getContext.bind(canvas) as (type: string, options?: unknown) => unknown;
  (canvas as unknown as { getContext: unknown }).getContext = (type: string, options?: unknown) =>
    type === 'webgpu' ? stub : getContext(type, options);
  return canvas;
}

/** WebSR on `options.network`, ready for frames; `adapter` names the adapter its device came from. */
export async function openWebSR(options: WebSROptions): Promise<FrameRunner<VideoFrame> & { adapter: string }> {
  const { default: WebSR } = await import('@websr/websr');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null');
  const device = await adapter.requestDevice();
  const errors: string[] = [];
  device.addEventListener('uncapturederror', (e) => errors.push((e as GPUUncapturedErrorEvent).error.message));
  let sr: InstanceType<typeof WebSR>;
  try {
    sr = new WebSR({
      network_name: options.network as ConstructorParameters<typeof WebSR>[0]['network_name'],
      weights: options.weights,
      gpu: device,
      canvas: websrCanvas(device, options.context),
    });
  } catch (e) {
    device.destroy();
    throw e;
  }
  const info = adapter.info;
  return {
    adapter: [info.vendor, info.architecture, info.description].filter(Boolean).join(' '),
    note: `${options.context === 'stub' ? 'stub canvas context' : 'its own canvas context'}, fed ${options.feed === 'ImageBitmap' ? 'an ImageBitmap of each VideoFrame (software adapter)' : 'the VideoFrames'}`,
    async run(frame) {
      const bitmap = options.feed === 'ImageBitmap' ? await createImageBitmap(frame) : null;
      try {
        await sr.render(bitmap ?? frame);
        await device.queue.onSubmittedWorkDone();
      } finally {
        bitmap?.close();
      }
      if (errors.length) throw new Error(`WebSR (${options.network}): ${errors[0]}`);
    },
    // WebSR.destroy() destroys the device (ours, made above) and with it the canvas texture.
    close: () => sr.destroy(),
  };
}
