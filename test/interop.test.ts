/**
 * Interop: caller buffers as tensors (engine.fromBuffer, borrowed, at an
 * offset, every refusal) and textures ↔ tensors on the GPU (fromImage,
 * toTexture), equal to the CPU pipeline's mappings (readRegion,
 * writePlanesToRgba) bit for bit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, createEngine, EngineMismatchError, GpuError, ShapeError, type Engine } from '../src/index.js';
import { BufferUsage, TextureUsage } from '../src/gpu/constants.js';
import { fromImage, toTexture } from '../src/upscale/gpu-image.js';
import { readRegion, writePlanesToRgba, type Range } from '../src/upscale/image.js';
import { useEngine } from './helpers/engine.js';
import { textureBytes } from './helpers/texture-bytes.js';

const h = useEngine();
let other: Engine;
let baseline = 0;
beforeAll(async () => {
  other = await createEngine(); // its own device
  h.engine.trim();
  baseline = h.engine.stats().liveBuffers;
});
afterAll(() => other?.destroy());

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function storageBuffer(
  device: GPUDevice,
  data: Float32Array<ArrayBuffer>,
  offset: number,
  usage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
): GPUBuffer {
  const buf = device.createBuffer({ size: offset + data.byteLength, usage: usage | BufferUsage.COPY_DST });
  device.queue.writeBuffer(buf, offset, data);
  return buf;
}

function rgbaTexture(
  device: GPUDevice,
  width: number,
  height: number,
  bytes: Uint8Array<ArrayBuffer>,
  format: GPUTextureFormat = 'rgba8unorm',
): GPUTexture {
  const texture = device.createTexture({
    size: [width, height],
    format,
    usage: TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_DST | TextureUsage.COPY_SRC,
  });
  device.queue.writeTexture({ texture }, bytes, { bytesPerRow: width * 4 }, [width, height]);
  return texture;
}

describe('engine.fromBuffer: a caller buffer as a tensor, no copy', () => {
  it('reads and feeds ops at offset 256; dispose and engine.destroy leave the buffer to its owner', async () => {
    const { engine } = h;
    const data = Float32Array.from({ length: 2 * 3 * 5 }, (_, i) => i - 12.5);
    const buf = storageBuffer(engine.device, data, 256);
    const live = engine.stats().liveBuffers;
    const t = await engine.fromBuffer(buf, [1, 2, 3, 5], { offset: 256 });
    expect([t.byteOffset, t.borrowed, t.buffer]).toEqual([256, true, buf]);
    expect(engine.stats().liveBuffers).toBe(live); // borrowed buffers are not the engine's
    expect(Array.from(await t.read())).toEqual(Array.from(data));
    const y = engine.relu(t); // the runner binds at t.byteOffset
    const s = engine.add(t, y);
    expect(Array.from(await y.read())).toEqual(Array.from(data, (v) => Math.max(0, v)));
    expect(Array.from(await s.read())).toEqual(Array.from(data, (v) => v + Math.max(0, v)));
    for (const x of [t, y, s]) x.dispose();
    t.dispose();
    // A second engine on the same device: destroy() must not destroy the borrowed buffer.
    const shared = await createEngine({ device: engine.device });
    await shared.fromBuffer(buf, [30], { offset: 256 });
    shared.destroy();
    const again = await engine.fromBuffer(buf, [30], { offset: 256 });
    expect(Array.from(await again.read())).toEqual(Array.from(data));
    again.dispose();
    buf.destroy();
    await engine.flush(); // no error reached the device's uncaptured handler
  });

  it('refuses: not a buffer, no STORAGE usage, unaligned offset, too small, another device; read() without COPY_SRC', async () => {
    const { engine } = h;
    const { device } = engine;
    const data = new Float32Array(16);
    const ok = storageBuffer(device, data, 0);
    await expect(engine.fromBuffer({} as GPUBuffer, [16])).rejects.toThrow(ArgumentError);
    const noStorage = device.createBuffer({ size: 64, usage: BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
    await expect(engine.fromBuffer(noStorage, [16])).rejects.toThrow(/fromBuffer: buffer usage 0xc lacks STORAGE/);
    await expect(engine.fromBuffer(ok, [16], { offset: 100 })).rejects.toThrow(
      /fromBuffer: offset 100 must be a non-negative multiple of minStorageBufferOffsetAlignment \(256\)/,
    );
    await expect(engine.fromBuffer(ok, [16], { offset: 100 })).rejects.toThrow(ArgumentError);
    await expect(engine.fromBuffer(ok, [1, 1, 4, 5])).rejects.toThrow(
      /fromBuffer: shape \[1, 1, 4, 5\] needs 80 bytes from offset 0, but buffer.size is 64/,
    );
    await expect(engine.fromBuffer(ok, [1, 1, 4, 5])).rejects.toThrow(ShapeError);
    await expect(engine.fromBuffer(ok, [0, 4])).rejects.toThrow(ShapeError);
    const foreign = storageBuffer(other.device, data, 0);
    await expect(engine.fromBuffer(foreign, [16])).rejects.toThrow(EngineMismatchError);
    const writeOnly = storageBuffer(device, data, 0, BufferUsage.STORAGE);
    const t = await engine.fromBuffer(writeOnly, [16]);
    await expect(t.read()).rejects.toThrow(/read: tensor \[16\] wraps a buffer \(engine.fromBuffer\) without COPY_SRC usage/);
    t.dispose();
    expect(engine.stats().liveTensors).toBe(0);
    await engine.flush(); // the device check used an error scope: nothing uncaptured
    for (const b of [ok, noStorage, foreign, writeOnly]) b.destroy();
  });
});

describe('fromImage / toTexture: textures ↔ tensors on the GPU', () => {
  const ranges: Range[] = [
    [0, 255],
    [0, 1],
    [-1, 1],
    [16, 235.5],
  ];

  it('GPUTexture → fromImage == readRegion of its bytes (rgb and alpha, rgba8unorm and bgra8unorm, 4 ranges)', async () => {
    const { engine } = h;
    const [width, height] = [13, 7];
    const r = rng(1);
    const bytes = Uint8Array.from({ length: width * height * 4 }, (_, i) =>
      i < 8 ? [0, 255, 127, 128, 1, 254, 0, 255][i] : Math.floor(r() * 256),
    );
    const bgra = bytes.slice();
    for (let i = 0; i < bgra.length; i += 4) [bgra[i], bgra[i + 2]] = [bytes[i + 2], bytes[i]];
    for (const [format, texBytes] of [
      ['rgba8unorm', bytes],
      ['bgra8unorm', bgra],
    ] as const) {
      const texture = rgbaTexture(engine.device, width, height, texBytes, format);
      for (const range of ranges) {
        for (const alpha of [false, true]) {
          const t = await fromImage(engine, texture, { range, alpha });
          expect(t.shape).toEqual([1, alpha ? 4 : 3, height, width]);
          const rgb = readRegion({ data: bytes, width, height }, { y: 0, x: 0, height, width }, 'rgb', range);
          const want = new Float32Array(t.size);
          want.set(rgb);
          if (alpha)
            for (let i = 0; i < width * height; i++)
              want[3 * width * height + i] = range[0] + bytes[4 * i + 3] * ((range[1] - range[0]) / 255);
          expect(Array.from(await t.read()), JSON.stringify({ format, range, alpha })).toEqual(Array.from(want));
          t.dispose();
        }
      }
      texture.destroy();
    }
  });

  it('toTexture → copyTextureToBuffer == writePlanesToRgba (round half up, clamp), at and around every .5 boundary', async () => {
    const { engine } = h;
    const [width, height] = [16, 17];
    for (const range of ranges) {
      for (const channels of [3, 4]) {
        const r = rng(channels * 7 + range[1]);
        const [lo, hi] = range;
        const n = channels * width * height;
        const data = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const j = i % 257;
          // Boundaries j − 0.5 (as float32) and their float32 neighbours, out-of-range and random values.
          const edge = Math.fround(lo + ((j - 0.5) * (hi - lo)) / 255);
          const ulps = new Float32Array([edge]);
          const u = new Int32Array(ulps.buffer);
          u[0] += (i % 3) - 1;
          data[i] = i % 5 === 4 ? lo + (r() * 1.4 - 0.2) * (hi - lo) : ulps[0];
        }
        data[0] = NaN;
        data[1] = Infinity;
        data[2] = -Infinity;
        const t = engine.tensor(data, [1, channels, height, width]);
        const texture = toTexture(engine, t, { range });
        const got = await textureBytes(engine.device, texture);
        const want = new Uint8ClampedArray(width * height * 4).fill(255);
        writePlanesToRgba(want, width, { data, channels, height, width }, 0, 0, 0, range);
        let bad = -1;
        for (let i = 0; i < got.length && bad < 0; i++) if (got[i] !== want[i]) bad = i;
        const where =
          bad < 0 ? '' : `byte ${bad}: got ${got[bad]}, want ${want[bad]}, value ${data[(bad % 4) * height * width + Math.floor(bad / 4)]}`;
        expect(bad, `${JSON.stringify({ range, channels })} ${where}`).toBe(-1);
        texture.destroy();
        t.dispose();
      }
    }
  });

  it('round trip texture → tensor → texture is the identity on bytes (into a caller texture)', async () => {
    const { engine } = h;
    const [width, height] = [9, 11];
    const r = rng(5);
    const bytes = Uint8Array.from({ length: width * height * 4 }, () => Math.floor(r() * 256));
    const src = rgbaTexture(engine.device, width, height, bytes);
    const dst = engine.device.createTexture({
      size: [width, height],
      format: 'rgba8unorm',
      usage: TextureUsage.STORAGE_BINDING | TextureUsage.COPY_SRC,
    });
    for (const range of ranges) {
      const t = await fromImage(engine, src, { range, alpha: true });
      expect(toTexture(engine, t, { range, texture: dst })).toBe(dst);
      expect(Array.from(await textureBytes(engine.device, dst)), JSON.stringify(range)).toEqual(Array.from(bytes));
      t.dispose();
    }
    src.destroy();
    dst.destroy();
  });

  it('refuses bad textures, tensors and ranges with typed errors; a texture of another device is a GpuError', async () => {
    const { engine } = h;
    const { device } = engine;
    const float = device.createTexture({ size: [4, 4], format: 'rgba16float', usage: TextureUsage.TEXTURE_BINDING });
    await expect(fromImage(engine, float)).rejects.toThrow(/fromImage: texture format 'rgba16float' must be 'rgba8unorm' or 'bgra8unorm'/);
    const noBinding = device.createTexture({ size: [4, 4], format: 'rgba8unorm', usage: TextureUsage.COPY_DST });
    await expect(fromImage(engine, noBinding)).rejects.toThrow(ArgumentError);
    const src = rgbaTexture(device, 4, 4, new Uint8Array(64));
    await expect(fromImage(engine, src, { range: [1, 0] })).rejects.toThrow(
      /fromImage: range \[1,0\] must be \[lo, hi\] with finite lo < hi/,
    );
    const foreign = rgbaTexture(other.device, 4, 4, new Uint8Array(64));
    await expect(fromImage(engine, foreign)).rejects.toThrow(GpuError);
    const t = engine.tensor(new Float32Array(48), [1, 3, 4, 4]);
    expect(() => toTexture(engine, t, { texture: src })).toThrow(/toTexture: texture usage 0x7 lacks STORAGE_BINDING/);
    const small = device.createTexture({ size: [2, 4], format: 'rgba8unorm', usage: TextureUsage.STORAGE_BINDING });
    expect(() => toTexture(engine, t, { texture: small })).toThrow(ShapeError);
    const flat = engine.tensor(new Float32Array(32), [1, 2, 4, 4]);
    expect(() => toTexture(engine, flat)).toThrow(/toTexture: tensor shape \[1, 2, 4, 4\] must be \[1, 3 or 4, H, W\]/);
    const mine = await createEngine({ device: other.device });
    const theirs = mine.tensor(new Float32Array(48), [1, 3, 4, 4]);
    expect(() => toTexture(engine, theirs)).toThrow(EngineMismatchError);
    mine.destroy();
    for (const x of [t, flat]) x.dispose();
    for (const x of [float, noBinding, src, foreign, small]) x.destroy();
    await engine.flush();
  });

  it('leaves no buffer behind', () => {
    h.engine.trim();
    expect(h.engine.stats().liveTensors).toBe(0);
    expect(h.engine.stats().liveBuffers).toBe(baseline);
  });
});
