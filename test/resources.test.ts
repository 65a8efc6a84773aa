import { describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import * as cpu from '../src/cpu/index.js';
import { BufferUsage } from '../src/gpu/constants.js';
import { createEngine, DeviceLostError, DisposedError, LimitError, type Tensor } from '../src/index.js';
import { expectCloseSums, expectExact } from './helpers/compare.js';
import { compareConv } from './helpers/ops.js';
import { randomData, rng } from './helpers/random.js';

const UNIFORM = BufferUsage.UNIFORM;

describe('resources, limits and device loss', () => {
  it('no GPU buffer leaks: live buffers return to zero after dispose and trim', async () => {
    const e = await createEngine();
    try {
      expect(e.stats().liveBuffers).toBe(0);
      const r = rng(1);
      const w2 = e.tensor(randomData(8 * 2 * 9, r), [8, 2, 3, 3]);
      for (let i = 0; i < 3; i++) {
        const x = e.tensor(randomData(4 * 36, r), [1, 4, 6, 6]);
        const w = e.tensor(randomData(4 * 2 * 9, r), [4, 2, 3, 3]);
        const b = e.tensor(randomData(2, r), [2]);
        const y = e.convTranspose2d(x, w, b, { stride: 2, activation: 'relu' });
        const c = e.conv2d(y, w2, null, { padding: 1 });
        const s = e.pixelShuffle(c, 2);
        const u = e.upsample(s, { scale: 2, mode: 'bilinear' });
        const cat = e.concat([u, u]);
        await cat.read();
        for (const t of [x, w, b, y, c, s, u, cat]) t.dispose();
      }
      // Only w2 is still alive, with its cached prepacked copy.
      expect(e.stats().liveTensors).toBe(2);
      await e.flush();
      e.trim();
      expect(e.stats().liveBuffers).toBe(2);
    } finally {
      e.destroy();
    }
    expect(e.stats().liveBuffers).toBe(0);
    expect(() => e.relu(null as never)).toThrow(DisposedError);
  });

  it('dispatches are batched into few command buffers, and results stay correct across pool reuse', async () => {
    const e = await createEngine();
    try {
      const x = e.tensor(randomData(16, rng(5)), [1, 4, 2, 2]);
      let y = e.relu(x);
      // 20 ops, each disposing its input, so the pool hands the same buffers back while the batch is open.
      for (let i = 0; i < 20; i++) {
        const next = e.mul(y, 1.5);
        y.dispose();
        y = next;
      }
      const before = e.stats();
      const out = await y.read();
      const ref = cpu.mul(cpu.relu(cpu.cpuTensor(randomData(16, rng(5)), [1, 4, 2, 2])), 1.5 ** 20).data;
      expectCloseSums(out, ref, ref.map(Math.abs), 21, 'batched chain');
      expect(before.dispatches).toBe(21);
      expect(e.stats().submits).toBeLessThanOrEqual(2);
    } finally {
      e.destroy();
    }
  });

  it('uniforms are pooled: a long run of small dispatches creates one uniform buffer, not one per dispatch', async () => {
    const e = await createEngine();
    const device = e.device;
    const createBuffer = device.createBuffer.bind(device);
    let uniformBuffers = 0;
    device.createBuffer = (d: GPUBufferDescriptor) => {
      if (d.usage & UNIFORM) uniformBuffers++;
      return createBuffer(d);
    };
    try {
      const data = randomData(64, rng(8));
      const x = e.tensor(data, [1, 4, 4, 4]);
      let y = e.relu(x);
      const n = 500;
      for (let i = 1; i < n; i++) {
        const next = i % 2 ? e.mul(y, -1) : e.relu(y);
        y.dispose();
        y = next;
      }
      const s = e.stats();
      const out = await y.read();
      let ref = cpu.relu(cpu.cpuTensor(data, [1, 4, 4, 4]));
      for (let i = 1; i < n; i++) ref = i % 2 ? cpu.mul(ref, -1) : cpu.relu(ref);
      expectExact(out, ref.data, `${n} small dispatches`);
      expect(s.dispatches).toBe(n);
      // A whole network per submit: 500 dispatches fit one batch (the runner's maxBatch, 1024), so none is submitted before the read.
      expect(s.submits).toBe(0);
      expect(uniformBuffers).toBe(1);
      // Exact live count: x, y, the pooled free buffers and the uniform arena.
      await e.flush();
      expect(e.stats().liveBuffers).toBe(2 + e.stats().pooledBuffers + 1);
      x.dispose();
      y.dispose();
      e.trim();
      expect(e.stats().liveBuffers).toBe(0);
    } finally {
      e.destroy();
    }
  });

  it('a tensor disposed while its reader is recorded is not reused before the submit: uploads and trim cannot clobber it', async () => {
    const e = await createEngine();
    try {
      const a = randomData(64, rng(9));
      const outs: Tensor[] = [];
      const refs: Float32Array[] = [];
      // Each upload would take the buffer of the tensor disposed just before, were it free before the submit;
      // 1100 dispatches span two batches (1024 per submit).
      for (let i = 0; i < 1100; i++) {
        const x = e.tensor(
          a.map((v) => v * (i + 1)),
          [1, 4, 4, 4],
        );
        outs.push(e.mul(x, 2));
        refs.push(a.map((v) => v * (i + 1) * 2));
        x.dispose();
        if (i % 10 === 0) e.trim(); // destroying a buffer the open batch still reads would fail its submit
      }
      expect(e.stats().submits).toBe(1);
      // Every 25th result, and all around the batch boundary.
      for (let i = 0; i < outs.length; i++)
        if (i % 25 === 0 || Math.abs(i - 1024) <= 4)
          expectCloseSums(await outs[i].read(), refs[i], refs[i].map(Math.abs), 1, `upload ${i} after its predecessor's dispose`);
      for (const t of outs) t.dispose();
      await e.flush();
      e.trim();
      expect(e.stats().liveBuffers).toBe(0);
    } finally {
      e.destroy();
    }
  });

  it('timeGpu: timestamp queries time the recorded passes and leave no buffers behind', async () => {
    const e = await createEngine();
    try {
      expect(e.canTimeGpu).toBe(e.device.features.has('timestamp-query'));
      const x = e.tensor(randomData(8 * 32 * 32, rng(6)), [1, 8, 32, 32]);
      const w = e.tensor(randomData(8 * 8 * 16, rng(7)), [8, 8, 4, 4]);
      e.convTranspose2d(x, w, null, { stride: 2, padding: 1 }).dispose(); // compile outside the timing
      await e.flush();
      const before = e.stats().liveBuffers;
      const { result, wallMs, gpuMs } = await e.timeGpu(() => e.convTranspose2d(x, w, null, { stride: 2, padding: 1 }));
      expect(result.shape).toEqual([1, 8, 64, 64]);
      expect(wallMs).toBeGreaterThan(0);
      if (e.canTimeGpu) {
        expect(gpuMs).not.toBeNull();
        expect(gpuMs!).toBeGreaterThanOrEqual(0);
        expect(gpuMs!).toBeLessThanOrEqual(wallMs);
      } else expect(gpuMs).toBeNull();
      result.dispose();
      await e.flush();
      expect(e.stats().liveBuffers).toBe(before);
    } finally {
      e.destroy();
    }
  });

  it('disposing a weight tensor also frees its cached prepacked copy', async () => {
    const e = await createEngine();
    try {
      const x = e.tensor(randomData(2 * 9, rng(2)), [1, 2, 3, 3]);
      const w = e.tensor(randomData(2 * 2 * 4, rng(3)), [2, 2, 2, 2]);
      e.convTranspose2d(x, w, null, { stride: 2 }).dispose();
      expect(e.stats().liveTensors).toBe(3); // x, w, packed w
      w.dispose();
      x.dispose();
      expect(e.stats().liveTensors).toBe(0);
      await e.flush(); // buffers released while dispatches are recorded return to the pool after the submit
      e.trim();
      expect(e.stats().liveBuffers).toBe(0);
    } finally {
      e.destroy();
    }
  });

  it('tensors over the binding limit are split into pages and give the same results', async () => {
    // 1 KiB bindings: the tensors below span 2–3 pages each.
    const e = await createEngine({ maxBindingBytes: 1024 });
    try {
      const r = rng(4);
      const x = cpu.cpuTensor(randomData(3 * 9 * 10, r), [1, 3, 9, 10]);
      const w = cpu.cpuTensor(randomData(3 * 2 * 9, r), [3, 2, 3, 3]);
      const b = cpu.cpuTensor(randomData(2, r), [2]);
      await compareConv(e, 'convTranspose2d', { x, w, b, options: { padding: 0 } }, 'paged convT, input and output paged');
      const x2 = cpu.cpuTensor(randomData(2 * 6 * 7, r), [1, 2, 6, 7]);
      const w2 = cpu.cpuTensor(randomData(2 * 2 * 16, r), [2, 2, 4, 4]);
      await compareConv(e, 'convTranspose2d', { x: x2, w: w2, b, options: { stride: 2, padding: 1, outputPadding: 1 } }, 'paged convT s2');
      await compareConv(
        e,
        'conv2d',
        {
          x: cpu.cpuTensor(randomData(3 * 12 * 12, r), [1, 3, 12, 12]),
          w: cpu.cpuTensor(randomData(3 * 3 * 9, r), [3, 3, 3, 3]),
          b: null,
          options: { padding: 1 },
        },
        'paged conv',
      );
      const deep = cpu.cpuTensor(randomData(4 * 16 * 12, r), [1, 16, 12, 4]);
      expectExact(
        await e.pixelShuffle(e.tensor(deep.data, deep.shape), 2).read(),
        cpu.pixelShuffle(deep, 2).data,
        'paged pixelShuffle (vec4 kernel)',
      );
      const odd = cpu.cpuTensor(randomData(5 * 16 * 12, r), [1, 16, 12, 5]);
      expectExact(
        await e.pixelShuffle(e.tensor(odd.data, odd.shape), 2).read(),
        cpu.pixelShuffle(odd, 2).data,
        'paged pixelShuffle (scalar kernel)',
      );
      const small = cpu.cpuTensor(randomData(2 * 9 * 10, r), [1, 2, 9, 10]);
      const up = cpu.upsample(small, { scale: 1.5, mode: 'bilinear' });
      const mag = cpu.upsample({ data: small.data.map(Math.abs), shape: small.shape }, { scale: 1.5, mode: 'bilinear' }).data;
      expectCloseSums(
        await e.upsample(e.tensor(small.data, small.shape), { scale: 1.5, mode: 'bilinear' }).read(),
        up.data,
        mag.map((m) => m * 64),
        4,
        'paged upsample',
      );
      // A tensor needing more than 4 pages is refused with a clear message rather than computed wrongly.
      const big = e.tensor(new Float32Array(1280), [1, 1, 40, 32]);
      expect(() => e.relu(big)).toThrow(/tensor 'x' \[1, 1, 40, 32\] needs 5 bindings of 1024 bytes; at most 4/);
    } finally {
      e.destroy();
    }
  });

  it('default WebGPU limits (128 MiB per binding): a 256 MiB output is split over two bindings; over maxBufferSize is refused', async () => {
    const gpu = create([]);
    const adapter = await gpu.requestAdapter();
    const device = await adapter!.requestDevice(); // no requiredLimits: the spec defaults
    expect(device.limits.maxStorageBufferBindingSize).toBe(128 * 2 ** 20);
    const e = await createEngine({ device });
    try {
      const side = 4096;
      const data = new Float32Array(side * side);
      for (let i = 0; i < data.length; i += 4099) data[i] = i;
      const y = e.upsample(e.tensor(data, [1, 1, side, side]), { scale: 2 });
      expect(y.byteLength).toBe(256 * 2 ** 20);
      const out = await y.read();
      // Samples from both halves: output (2i + a, 2j + b) == input (i, j).
      for (const i of [0, 1, 1000, 2047, 2048, 3000, 4095]) {
        for (const j of [0, 17, 4095]) {
          expect(out[(2 * i + 1) * 2 * side + 2 * j + 1]).toBe(data[i * side + j]);
        }
      }
      y.dispose();
      expect(() => e.upsample(e.tensor(new Float32Array(64), [1, 1, 8, 8]), { scale: [side, (2 * side) / 8 + 1] })).toThrow(LimitError);
      expect(() => e.upsample(e.tensor(new Float32Array(64), [1, 1, 8, 8]), { scale: [side, (2 * side) / 8 + 1] })).toThrow(
        /over this device's maxBufferSize/,
      );
    } finally {
      e.destroy();
      device.destroy();
    }
  });

  it('dispatches over 65,535 workgroups per dimension fold into a 2-D grid', async () => {
    const e = await createEngine();
    try {
      // 256-thread workgroups × 65,535 = 16.7M; use 17M elements so the grid needs a second row.
      const n = 17_000_000;
      const data = new Float32Array(n);
      for (let i = 0; i < n; i += 997) data[i] = -i;
      data[n - 1] = -1;
      const y = await e.relu(e.tensor(data, [1, 1, 1000, 17000])).read();
      let nonZero = 0;
      for (let i = 0; i < n; i++) if (y[i] !== 0) nonZero++;
      expect(nonZero).toBe(0);
      const m = await e.mul(e.tensor(data, [1, 1, 1000, 17000]), -1).read();
      expect(m[n - 1]).toBe(1);
      expect(m[997 * 17000]).toBe(997 * 17000);
    } finally {
      e.destroy();
    }
  });

  it('a lost device gives DeviceLostError, and a new engine works', async () => {
    const first = await createEngine();
    const x = first.tensor([1, 2, 3, 4], [1, 4, 1, 1]);
    const y = first.relu(x);
    first.relu(y);
    y.dispose(); // pending: the open batch, never to be submitted, reads it
    first.device.destroy();
    await first.device.lost;
    expect(first.isLost).toBe(true);
    expect(() => first.pixelShuffle(x, 2)).toThrow(DeviceLostError);
    expect(() => first.tensor([1], [1])).toThrow(/create a new engine/);
    first.destroy();
    expect(first.stats().liveBuffers).toBe(0);
    const second = await createEngine();
    try {
      expect(Array.from(await second.pixelShuffle(second.tensor([1, 2, 3, 4], [1, 4, 1, 1]), 2).read())).toEqual([1, 2, 3, 4]);
    } finally {
      second.destroy();
    }
  });
});
