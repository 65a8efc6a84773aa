/**
 * upscaleTexture(): GPU in, GPU out, tile by tile. Its texture equals
 * upscale() of the same RGBA bytes byte for byte (same engine, model and tile
 * plan), with and without alpha; cancel frees every tensor; bad output
 * textures are refused with typed errors.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, createEngine, GpuError, ShapeError, type Engine } from '../src/index.js';
import { TextureUsage } from '../src/gpu/constants.js';
import { loadModelFromPackage } from '../src/model/load-node.js';
import type { UpscaleModel } from '../src/model/types.js';
import { upscaleTexture } from '../src/upscale/upscale-texture.js';
import { planUpscale, upscale, type UpscaleProgress } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';
import { textureBytes } from './helpers/texture-bytes.js';

const h = useEngine();
const TILE = 12; // a 32×32 crop of the sample → 3 × 3 tiles (SwiftShader runs default-model slowly)
let model: UpscaleModel;
let sample: { data: Uint8ClampedArray<ArrayBuffer>; width: number; height: number };
let other: Engine;

beforeAll(async () => {
  const { data, info } = await sharp(new URL('../assets/sample.png', import.meta.url).pathname)
    .extract({ left: 16, top: 16, width: 32, height: 32 })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  sample = { data: new Uint8ClampedArray(data), width: info.width, height: info.height };
  model = loadModelFromPackage(h.engine, 'default-model', 2);
  other = await createEngine();
});
afterAll(() => {
  model?.dispose();
  other?.destroy();
});

function uploaded(device: GPUDevice, image: typeof sample): GPUTexture {
  const texture = device.createTexture({
    size: [image.width, image.height],
    format: 'rgba8unorm',
    usage: TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_DST,
  });
  device.queue.writeTexture({ texture }, image.data, { bytesPerRow: image.width * 4 }, [image.width, image.height]);
  return texture;
}

/** The sample with a non-trivial alpha: a diagonal ramp with a hard edge, so bilinear has something to do. */
function withAlpha(image: typeof sample): typeof sample {
  const data = image.data.slice();
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) data[(y * image.width + x) * 4 + 3] = x > 20 ? 255 : (x * 5 + y * 3) & 255;
  }
  return { ...image, data };
}

describe('upscaleTexture: GPU texture in, one texture out, equal to upscale()', () => {
  it('default-model ×2 in 3 × 3 tiles: texture bytes == upscale() bytes, opaque and with alpha; progress per tile', async () => {
    const { engine } = h;
    expect(planUpscale(engine, sample.height, sample.width, { model, tileSize: TILE }).tiles.length).toBe(9);
    for (const image of [sample, withAlpha(sample)]) {
      const source = uploaded(engine.device, image);
      const events: UpscaleProgress[] = [];
      const out = await upscaleTexture(engine, source, { model, tileSize: TILE, onProgress: (p) => events.push({ ...p }) });
      expect([out.width, out.height, out.format]).toEqual([64, 64, 'rgba8unorm']);
      const want = await upscale(engine, image, { model, tileSize: TILE });
      const got = await textureBytes(engine.device, out);
      expect(Buffer.from(got).equals(Buffer.from(want.data))).toBe(true);
      expect(events.map((e) => e.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      out.destroy();
      source.destroy();
    }
  });

  it("alpha: 'opaque' writes 255 and skips the alpha pass; RGB unchanged; into a caller texture", async () => {
    const { engine } = h;
    const image = withAlpha(sample);
    const source = uploaded(engine.device, image);
    const output = engine.device.createTexture({
      size: [64, 64],
      format: 'rgba8unorm',
      usage: TextureUsage.STORAGE_BINDING | TextureUsage.COPY_SRC,
    });
    const out = await upscaleTexture(engine, source, { model, tileSize: TILE, alpha: 'opaque', output });
    expect(out).toBe(output);
    const want = (await upscale(engine, image, { model, tileSize: TILE })).data;
    for (let i = 3; i < want.length; i += 4) want[i] = 255;
    expect(Buffer.from(await textureBytes(engine.device, out)).equals(Buffer.from(want))).toBe(true);
    output.destroy();
    source.destroy();
  });

  it('cancel mid-way rejects with an AbortError after 3 of 9 tiles and frees every tensor; the engine still works', async () => {
    const { engine } = h;
    const image = withAlpha(sample);
    const source = uploaded(engine.device, image);
    (await upscaleTexture(engine, source, { model, tileSize: TILE })).destroy(); // warms the engine's caches
    engine.trim();
    const baseline = engine.stats().liveTensors;
    const controller = new AbortController();
    const err = await upscaleTexture(engine, source, {
      model,
      tileSize: TILE,
      signal: controller.signal,
      onProgress: (p) => p.done === 3 && controller.abort(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DOMException);
    expect((err as DOMException).message).toMatch(/after 3 of 9 tiles/);
    expect(engine.stats().liveTensors).toBe(baseline);
    const reason = new Error('left the page');
    await expect(upscaleTexture(engine, source, { model, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const again = await upscaleTexture(engine, source, { model, tileSize: TILE });
    const want = await upscale(engine, image, { model, tileSize: TILE });
    expect(Buffer.from(await textureBytes(engine.device, again)).equals(Buffer.from(want.data))).toBe(true);
    expect(engine.stats().liveTensors).toBe(baseline);
    again.destroy();
    source.destroy();
  });

  it('refuses bad output textures, options and sources with typed errors; textures of another device are a GpuError', async () => {
    const { engine } = h;
    const { device } = engine;
    const source = uploaded(device, sample);
    const tex = (size: number[], format: GPUTextureFormat, usage: number, d = device) => d.createTexture({ size, format, usage });
    const storage = TextureUsage.STORAGE_BINDING;
    const run = (options: object) => upscaleTexture(engine, source, { model, tileSize: TILE, ...options });
    const live = engine.stats().liveTensors;
    await expect(run({ output: tex([64, 64], 'rgba8unorm', TextureUsage.COPY_SRC) })).rejects.toThrow(
      new ArgumentError('upscaleTexture: output usage 0x1 lacks STORAGE_BINDING (0x8)'),
    );
    await expect(run({ output: tex([64, 64], 'r32float', storage) })).rejects.toThrow(ArgumentError);
    await expect(run({ output: tex([64, 63], 'rgba8unorm', storage) })).rejects.toThrow(
      new ShapeError('upscaleTexture: output is 64×63 but the source 32×32 × scale gives 64×64'),
    );
    await expect(run({ output: {} })).rejects.toThrow(ArgumentError);
    await expect(run({ alpha: 'auto' })).rejects.toThrow(ArgumentError);
    await expect(run({ outptu: null })).rejects.toThrow(/did you mean 'output'/);
    await expect(run({ output: tex([64, 64], 'rgba8unorm', storage, other.device) })).rejects.toThrow(GpuError);
    const foreign = uploaded(other.device, sample);
    await expect(upscaleTexture(engine, foreign, { model, tileSize: TILE })).rejects.toThrow(GpuError);
    expect(engine.stats().liveTensors).toBe(live);
    // upscale() takes pixels; a texture given to it is pointed at upscaleTexture, not read as garbage.
    await expect(upscale(engine, source as never, { model })).rejects.toThrow(
      /^upscale: a GPUTexture is read on the GPU: upscaleTexture\(engine, source, \{ model \}\) takes it/,
    );
    foreign.destroy();
    source.destroy();
  });
});
