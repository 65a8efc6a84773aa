/**
 * One GPU submission path (src/gpu/command-runner.ts): the image passes are programs on
 * the engine's runner (texture bindings declared by the header and keyed), a
 * one-tile texture upscale or video frame is one submit with no CPU wait unless
 * a readback is asked for, a tile's whole network goes out in one command
 * buffer, and engine.stats() counts submits and waits. Every output is compared
 * byte for byte with upscale() (readbacks, CPU rounding) of the same bytes, and
 * every tensor and buffer is freed.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, type EngineStats } from '../src/index.js';
import { BufferUsage, MapMode, TextureUsage } from '../src/gpu/constants.js';
import { textureDeclarations, textureKey } from '../src/gpu/texture-binding.js';
import { loadAnime4k, type Anime4kJson } from '../src/model/anime4k.js';
import { loadModelFromPackage } from '../src/model/load-node.js';
import type { UpscaleModel } from '../src/model/types.js';
import { fromImage, toTexture } from '../src/upscale/gpu-image.js';
import { readRegion } from '../src/upscale/image.js';
import { recordTextureTiles, textureTables, textureTilePlan, upscaleTexture } from '../src/upscale/upscale-texture.js';
import { upscale } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';
import { textureBytes } from './helpers/texture-bytes.js';

const h = useEngine();
const dir = join(dirname(createRequire(import.meta.url).resolve('@websr/websr/package.json')), 'weights/anime4k');
let model: UpscaleModel;
let baseline = { tensors: 0, buffers: 0 };

const W = 20;
const H = 12;
/** A frame with an alpha ramp (so the folded alpha has something to do). */
const frame = (t: number): Uint8ClampedArray<ArrayBuffer> =>
  Uint8ClampedArray.from({ length: W * H * 4 }, (_, i) => (i % 4 === 3 ? 40 + ((i >> 2) % W) * 9 : (i * 37 + t * 101 + (i >> 5)) & 255));

beforeAll(async () => {
  model = loadAnime4k(h.engine, JSON.parse(readFileSync(join(dir, 'cnn-2x-s-an.json'), 'utf8')) as Anime4kJson);
  // One run first: the model's prepacked weights (made once per model, kept until it is disposed) belong in the baseline.
  const x = h.engine.tensor(new Float32Array(3 * 8 * 8), [1, 3, 8, 8]);
  model.run(x).dispose();
  x.dispose();
  await h.engine.flush();
  h.engine.trim();
  baseline = { tensors: h.engine.stats().liveTensors, buffers: h.engine.stats().liveBuffers };
});

function uploaded(bytes: Uint8ClampedArray<ArrayBuffer>, usage = 0): GPUTexture {
  const { device } = h.engine;
  const texture = device.createTexture({
    size: [W, H],
    format: 'rgba8unorm',
    usage: TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_DST | usage,
  });
  device.queue.writeTexture({ texture }, bytes, { bytesPerRow: W * 4 }, [W, H]);
  return texture;
}

/** Submits and waits counted while `work` runs. */
async function counted<T>(work: () => T | Promise<T>): Promise<{ result: T; submits: number; waits: number; dispatches: number }> {
  const s0: EngineStats = h.engine.stats();
  const result = await work();
  const s1 = h.engine.stats();
  return { result, submits: s1.submits - s0.submits, waits: s1.waits - s0.waits, dispatches: s1.dispatches - s0.dispatches };
}

const same = (a: Uint8Array, b: Uint8Array | Uint8ClampedArray): boolean =>
  Buffer.from(a).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const bgraToRgba = (b: Uint8Array): Uint8Array => b.map((v, i) => (i % 4 === 0 ? b[i + 2] : i % 4 === 2 ? b[i - 2] : v));

describe('texture bindings on the runner', () => {
  it('the header declares textures after the storage bindings, and the key names them (buffer-only keys unchanged)', () => {
    expect(
      textureDeclarations(
        [
          { name: 'src', access: 'read' },
          { name: 'dst', access: 'write', format: 'bgra8unorm' },
        ],
        4,
      ),
    ).toBe('@group(0) @binding(4) var src: texture_2d<f32>;\n@group(0) @binding(5) var dst: texture_storage_2d<bgra8unorm, write>;\n');
    expect(textureKey([])).toBe('');
    expect(textureKey([{ name: 'dst', access: 'write', format: 'rgba8unorm' }])).not.toBe(
      textureKey([{ name: 'dst', access: 'write', format: 'bgra8unorm' }]),
    );
  });

  it('fromImage and toTexture are runner programs: recorded with the ops, cached pipelines, one submit for toTexture', async () => {
    const { engine } = h;
    const bytes = frame(0);
    const src = uploaded(bytes);
    // The first use of a caller's texture checks its device: one wait; then it is known.
    const first = await counted(() => fromImage(engine, src, { alpha: true }));
    expect([first.submits, first.waits, first.dispatches]).toEqual([0, 1, 1]);
    first.result.dispose();
    const again = await counted(() => fromImage(engine, src, { alpha: true }));
    expect([again.submits, again.waits, again.dispatches]).toEqual([0, 0, 1]);
    const x = again.result;
    const doubled = engine.mul(x, 1); // recorded in the same batch as the load pass
    const out = await counted(() => toTexture(engine, doubled));
    expect([out.submits, out.waits, out.dispatches]).toEqual([1, 0, 1]);
    expect(same(await textureBytes(engine.device, out.result), bytes)).toBe(true);
    const keys = engine.kernelContext('test').runner.cache.keys();
    expect(keys.some((k) => k.startsWith('image-load[alpha=false]') && k.endsWith(':t(src:read)'))).toBe(true);
    expect(keys.some((k) => k.startsWith('image-store[alpha=true]') && k.endsWith(':t(dst:write-rgba8unorm)'))).toBe(true);
    const read = await counted(() => x.read());
    expect([read.submits, read.waits]).toEqual([1, 1]);
    const all = { x: 0, y: 0, width: W, height: H };
    const image = { data: bytes, width: W, height: H };
    const ref = [...readRegion(image, all, 'rgb', [0, 255]), ...readRegion(image, all, 'alpha', [0, 255])];
    expect(Array.from(read.result)).toEqual(ref);
    for (const t of [x, doubled]) t.dispose();
    out.result.destroy();
    src.destroy();
  });

  it("a bgra8unorm storage texture: written directly where the device has 'bgra8unorm-storage', refused by name where not", async () => {
    const { engine } = h;
    const bytes = frame(1);
    const x = await fromImage(engine, uploaded(bytes), { alpha: true });
    const bgra = engine.device.createTexture({
      size: [W, H],
      format: 'bgra8unorm',
      usage: TextureUsage.COPY_SRC | (engine.device.features.has('bgra8unorm-storage') ? TextureUsage.STORAGE_BINDING : 0),
    });
    if (engine.device.features.has('bgra8unorm-storage')) {
      toTexture(engine, x, { texture: bgra });
      expect(same(bgraToRgba(await textureBytes(engine.device, bgra)), bytes)).toBe(true);
    } else {
      expect(() => toTexture(engine, x, { texture: bgra })).toThrow(ArgumentError);
    }
    x.dispose();
    bgra.destroy();
  });
});

describe('submits and waits per frame', () => {
  it('upscaleTexture, one tile: one submit and no wait (after the texture check), bytes == upscale(), opaque and with alpha', async () => {
    const { engine } = h;
    const bytes = frame(2);
    const src = uploaded(bytes);
    const output = engine.device.createTexture({
      size: [2 * W, 2 * H],
      format: 'rgba8unorm',
      usage: TextureUsage.STORAGE_BINDING | TextureUsage.COPY_SRC,
    });
    const want = (await upscale(engine, { data: bytes, width: W, height: H }, { model })).data;
    const first = await counted(() => upscaleTexture(engine, src, { model, output }));
    expect([first.submits, first.waits]).toEqual([1, 1]); // the one wait: checking the caller's textures' device
    expect(same(await textureBytes(engine.device, output), want)).toBe(true);
    for (const alpha of ['keep', 'opaque'] as const) {
      const c = await counted(() => upscaleTexture(engine, src, { model, output, alpha }));
      expect([c.submits, c.waits]).toEqual([1, 0]);
      const expected = want.slice();
      if (alpha === 'opaque') for (let i = 3; i < expected.length; i += 4) expected[i] = 255;
      expect(same(await textureBytes(engine.device, output), expected)).toBe(true);
    }
    output.destroy();
    src.destroy();
  });

  it('upscaleTexture, 2 × 2 tiles: one submit per tile, tile k − 1 awaited after tile k is submitted; bytes == upscale()', async () => {
    const { engine } = h;
    const bytes = frame(3);
    const src = uploaded(bytes);
    const tileSize = 10;
    const plan = textureTilePlan(engine, 'test', model, W, H, { tileSize });
    expect(plan.tiles.length).toBe(4);
    const want = (await upscale(engine, { data: bytes, width: W, height: H }, { model, tileSize })).data;
    await counted(() => upscaleTexture(engine, src, { model, tileSize })).then(({ result }) => result.destroy()); // checks the source
    const c = await counted(() => upscaleTexture(engine, src, { model, tileSize }));
    expect([c.submits, c.waits]).toEqual([4, 3]); // a new output texture is the engine's own: not checked
    expect(same(await textureBytes(engine.device, c.result), want)).toBe(true);
    c.result.destroy();
    src.destroy();
  });

  it('a video frame (recordTextureTiles): one tile → 1 submit, 0 waits into a storage target; 1 submit, 1 wait with the readback; several tiles → a submit per tile, no wait', async () => {
    const { engine } = h;
    const runner = engine.kernelContext('test').runner;
    const tables = textureTables(engine, 'test', model);
    const formats = engine.device.features.has('bgra8unorm-storage') ? (['rgba8unorm', 'bgra8unorm'] as const) : (['rgba8unorm'] as const);
    for (const [t, format] of formats.entries()) {
      const bytes = frame(4 + t);
      const input = uploaded(bytes, TextureUsage.RENDER_ATTACHMENT);
      const want = (await upscale(engine, { data: bytes, width: W, height: H }, { model })).data;
      for (let i = 3; i < want.length; i += 4) want[i] = 255;
      // The canvas's current texture stands in as a storage texture of the canvas format.
      const canvas = engine.device.createTexture({
        size: [2 * W, 2 * H],
        format,
        usage: TextureUsage.STORAGE_BINDING | TextureUsage.COPY_SRC,
      });
      const job = { model, texture: input, output: canvas, tables, alpha: false };
      const one = await counted(() => {
        recordTextureTiles(engine, job, textureTilePlan(engine, 'test', model, W, H, {}));
        runner.submit();
      });
      expect([one.submits, one.waits]).toEqual([1, 0]);
      const got = await textureBytes(engine.device, canvas);
      expect(same(format === 'bgra8unorm' ? bgraToRgba(got) : got, want)).toBe(true);
      canvas.destroy();
      input.destroy();
    }
    // The 2D path: the readback copy rides in the frame's command buffer.
    const bytes = frame(7);
    const input = uploaded(bytes, TextureUsage.RENDER_ATTACHMENT);
    const output = engine.device.createTexture({
      size: [2 * W, 2 * H],
      format: 'rgba8unorm',
      usage: TextureUsage.STORAGE_BINDING | TextureUsage.COPY_SRC,
    });
    const bytesPerRow = 256;
    const readback = engine.device.createBuffer({ size: bytesPerRow * 2 * H, usage: BufferUsage.COPY_DST | BufferUsage.MAP_READ });
    const want = (await upscale(engine, { data: bytes, width: W, height: H }, { model })).data;
    for (let i = 3; i < want.length; i += 4) want[i] = 255;
    const job = { model, texture: input, output, tables, alpha: false };
    for (const tileSize of [undefined, 10]) {
      const plan = textureTilePlan(engine, 'test', model, W, H, { tileSize });
      const c = await counted(async () => {
        recordTextureTiles(engine, job, plan);
        runner.encode((enc) => enc.copyTextureToBuffer({ texture: output }, { buffer: readback, bytesPerRow }, [2 * W, 2 * H]));
        runner.submit();
        await runner.wait(readback.mapAsync(MapMode.READ));
      });
      expect([plan.tiles.length, c.submits, c.waits]).toEqual([tileSize ? 4 : 1, plan.tiles.length, 1]);
      const rows = new Uint8Array(readback.getMappedRange());
      const got = new Uint8Array(16 * W * H);
      for (let y = 0; y < 2 * H; y++) got.set(rows.subarray(y * bytesPerRow, y * bytesPerRow + 8 * W), y * 8 * W);
      readback.unmap();
      expect(same(got, want)).toBe(true);
    }
    readback.destroy();
    output.destroy();
    input.destroy();
    tables.dispose();
  });

  it('a whole network per submit: esrgan-thick ×2 (150+ dispatches) runs and reads back in one command buffer and one wait', async () => {
    const { engine } = h;
    const thick = loadModelFromPackage(engine, 'esrgan-thick', 2);
    const x = engine.tensor(
      new Float32Array(3 * 8 * 8).map((_, k) => ((k * 7919) % 255) / 255),
      [1, 3, 8, 8],
    );
    const warm = thick.run(x); // compiles and prepacks the weights (once per model)
    const ref = await warm.read();
    warm.dispose();
    const c = await counted(async () => {
      const y = thick.run(x);
      const data = await y.read();
      y.dispose();
      return data;
    });
    expect(c.dispatches).toBeGreaterThan(64);
    expect([c.submits, c.waits]).toEqual([1, 1]);
    expect(Array.from(c.result)).toEqual(Array.from(ref));
    x.dispose();
    thick.dispose();
  });

  it('leaves no tensor or buffer behind', async () => {
    await h.engine.flush();
    h.engine.trim();
    expect(h.engine.stats().liveTensors).toBe(baseline.tensors);
    expect(h.engine.stats().liveBuffers).toBe(baseline.buffers);
  });
});
