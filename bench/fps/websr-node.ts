/**
 * WebSR in Node (Dawn), so that a GPU machine without a browser can time it
 * against ours on the same adapter. Everything that runs is WebSR's own code
 * (its UMD bundle, its WGSL, its per-frame pipeline rebuilds); only what a
 * browser would provide is stood in for:
 *
 * - `self` (the UMD wrapper's global) and Dawn's GPU* constants as globals;
 * - a canvas whose 'webgpu' context is an object on GPUCanvasContext.prototype
 *   (WebSR checks `instanceof`) handing out one ordinary rgba8unorm texture,
 *   as the headless browser bench does;
 * - the frame: WebSR copies an ImageBitmap in with copyExternalImageToTexture,
 *   which Node has no source for. Its frames here are `ImageBitmap`-classed
 *   wrappers of textures on its device, and that device's
 *   copyExternalImageToTexture does a copyTextureToTexture of the wrapped
 *   texture: a GPU copy, as a browser's bitmap upload would be at best.
 *
 * WebSR gets its own device on the same adapter (its destroy() destroys the
 * device it was given), holding twins of the benchmark's frame textures.
 */
import { createRequire } from 'node:module';
import type { FrameRunner } from './run.js';
import { stubCanvasContext } from './websr.js';

interface BitmapLike {
  texture: GPUTexture;
  width: number;
  height: number;
  close(): void;
}

interface WebSRClass {
  new (params: { network_name: string; weights: unknown; gpu: GPUDevice; canvas: unknown }): {
    render(source: unknown): Promise<void>;
    destroy(): Promise<void>;
  };
}

/** Installs the stand-ins above once; returns WebSR's class and a GPU to take devices from. */
async function webSRInNode(): Promise<{ WebSR: WebSRClass; gpu: GPU; Bitmap: new (t: GPUTexture) => BitmapLike }> {
  const g = globalThis as Record<string, unknown> & { navigator?: { gpu?: GPU } };
  const specifier = 'webgpu'; // Dawn's native binary, external to any bundle
  const dawn = (await import(/* @vite-ignore */ specifier)) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in g)) g[k] = v;
  g.self ??= globalThis;
  if (typeof g.GPUCanvasContext !== 'function') g.GPUCanvasContext = class GPUCanvasContext {};
  if (typeof g.ImageBitmap !== 'function') {
    g.ImageBitmap = class ImageBitmap {
      readonly width: number;
      readonly height: number;
      constructor(readonly texture: GPUTexture) {
        this.width = texture.width;
        this.height = texture.height;
      }
      close(): void {}
    };
  }
  const gpu = g.navigator?.gpu ?? dawn.create(['disable-dawn-features=timestamp_quantization']);
  g.navigator ??= { gpu };
  const mod = createRequire(import.meta.url)('@websr/websr') as WebSRClass | { default: WebSRClass };
  const WebSR = 'default' in mod ? mod.default : mod;
  return { WebSR, gpu, Bitmap: g.ImageBitmap as new (t: GPUTexture) => BitmapLike };
}

export interface WebSRNodeOptions {
  /** WebSR's network name, e.g. 'anime4k/cnn-2x-s'. */
  network: string;
  weights: unknown;
  /** The benchmark's frame textures (on the engine's device) and the RGBA bytes each was filled with. */
  frames: GPUTexture[];
  pixels: (index: number) => Uint8ClampedArray<ArrayBuffer> | Uint8Array<ArrayBuffer>;
}

/** WebSR on its own device of the same adapter, one FrameRunner over the benchmark's frame textures. */
export async function openWebSRNode(o: WebSRNodeOptions): Promise<FrameRunner<GPUTexture>> {
  const { WebSR, gpu, Bitmap } = await webSRInNode();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('WebSR: no adapter');
  const device = await adapter.requestDevice();
  const errors: string[] = [];
  device.addEventListener('uncapturederror', (e) => errors.push((e as GPUUncapturedErrorEvent).error.message));
  const queue = device.queue;
  queue.copyExternalImageToTexture = (source, destination, size) => {
    const enc = device.createCommandEncoder({ label: 'WebSR input (bitmap stand-in)' });
    enc.copyTextureToTexture({ texture: (source.source as unknown as BitmapLike).texture }, { texture: destination.texture }, size);
    queue.submit([enc.finish()]);
  };
  const twins = o.frames.map((f, i) => {
    const t = device.createTexture({
      label: `WebSR frame ${i}`,
      size: [f.width, f.height],
      format: 'rgba8unorm',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST,
    });
    queue.writeTexture({ texture: t }, o.pixels(i), { bytesPerRow: 4 * f.width }, [f.width, f.height]);
    return new Bitmap(t);
  });
  const canvas: { width: number; height: number; getContext?: (type: string) => unknown } = { width: 0, height: 0 };
  const stub = stubCanvasContext(device, canvas);
  canvas.getContext = (type) => (type === 'webgpu' ? stub : null);
  const sr = new WebSR({ network_name: o.network, weights: o.weights, gpu: device, canvas });
  return {
    note: 'its own code in Node: a stub canvas context, frames as ImageBitmap-classed textures copied in on the GPU',
    async run(frame) {
      const i = o.frames.indexOf(frame);
      if (i < 0) throw new Error('WebSR: a frame that is not one of the benchmark textures');
      await sr.render(twins[i]);
      await queue.onSubmittedWorkDone();
      if (errors.length) throw new Error(`WebSR (${o.network}): ${errors[0]}`);
    },
    async close() {
      for (const b of twins) b.texture.destroy();
      await sr.destroy(); // destroys `device`
    },
  };
}
