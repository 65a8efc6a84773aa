/**
 * The upscaler page's engine methods, checked in Node against what they claim
 * to be: the bilinear-initialised transposed conv IS bilinear interpolation;
 * the ICNR pixel-shuffle IS "smooth, then nearest-neighbour upsample"; the GPU
 * path equals the CPU path. (The browser test then checks the page against
 * these same methods.)
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../../src/cpu/index.js';
import { cpuBackend, gpuBackend } from '../../demo/src/backend.js';
import { METHODS, upscaleWithMethod } from '../../demo/src/methods.js';
import { padReplicate, type Planes } from '../../demo/src/planes.js';
import { bilinearKernel1d, depthwise, icnr, smoothingKernel } from '../../demo/src/weights.js';
import { useEngine } from '../helpers/engine.js';
import { rng } from '../helpers/random.js';

const h = useEngine();

function randomImage(seed: number, height: number, width: number): Planes {
  const r = rng(seed);
  const data = new Float32Array(4 * height * width).map(() => r());
  return { data, channels: 4, height, width };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('upscaler methods', () => {
  it('bilinear kernel: f=2 is [¼, ¾, ¾, ¼]; every f sums to f (a flat input stays flat)', () => {
    expect([...bilinearKernel1d(2)]).toEqual([0.25, 0.75, 0.75, 0.25]);
    for (const f of [2, 3, 4, 5]) {
      const s = bilinearKernel1d(f).reduce((a, b) => a + b, 0);
      expect(s).toBeCloseTo(f, 6);
    }
  });

  it('ICNR: the r² sub-pixel kernels of each channel are copies of its base kernel (CRD order)', () => {
    const base = depthwise(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 2);
    base.data[9] = -1; // make channel 1 differ from channel 0
    const w = icnr(base, 2);
    expect(w.shape).toEqual([8, 1, 3, 3]);
    for (let oc = 0; oc < 8; oc++) {
      const c = Math.floor(oc / 4);
      expect([...w.data.subarray(oc * 9, oc * 9 + 9)]).toEqual([...base.data.subarray(c * 9, c * 9 + 9)]);
    }
  });

  it('transposed conv with bilinear init == bilinear interpolation (align_corners=false), f = 2, 3, 4', async () => {
    const img = randomImage(7, 6, 5);
    const x = cpu.cpuTensor(img.data, [1, 4, 6, 5]);
    for (const f of [2, 3, 4]) {
      const got = await upscaleWithMethod(cpuBackend(), 'conv-transpose', img, { scale: f });
      const want = cpu.upsample(x, { scale: f, mode: 'bilinear' });
      expect([got.height, got.width]).toEqual([6 * f, 5 * f]);
      expect(maxDiff(got.data, want.data), `f=${f}`).toBeLessThan(1e-6);
    }
  });

  it('pixel shuffle with ICNR init == smooth, then nearest-neighbour upsample', async () => {
    const img = randomImage(8, 5, 7);
    const padded = padReplicate(img, 1);
    const k = depthwise(smoothingKernel(), 4);
    const smoothed = cpu.conv2d(cpu.cpuTensor(padded.data, [1, 4, 7, 9]), cpu.cpuTensor(k.data, k.shape), null, { groups: 4 });
    for (const f of [2, 3]) {
      const got = await upscaleWithMethod(cpuBackend(), 'pixel-shuffle', img, { scale: f });
      const want = cpu.upsample(smoothed, { scale: f, mode: 'nearest' });
      expect(maxDiff(got.data, want.data), `f=${f}`).toBeLessThan(1e-6);
    }
  });

  it('every method keeps a flat image flat (also at the border) and keeps alpha', async () => {
    const img: Planes = { data: new Float32Array(4 * 20).fill(0.6), channels: 4, height: 4, width: 5 };
    for (const m of METHODS) {
      const got = await upscaleWithMethod(cpuBackend(), m.id, img, { scale: 2 });
      for (const v of got.data) expect(v, m.id).toBeCloseTo(0.6, 6);
    }
  });

  it('WebGPU engine path == CPU reference path for every method (f = 2, 3)', async () => {
    const img = randomImage(9, 9, 11);
    for (const m of METHODS) {
      for (const f of [2, 3]) {
        const gpu = await upscaleWithMethod(gpuBackend(h.engine), m.id, img, { scale: f });
        const ref = await upscaleWithMethod(cpuBackend(), m.id, img, { scale: f });
        expect(maxDiff(gpu.data, ref.data), `${m.id} f=${f}`).toBeLessThan(1e-5);
      }
    }
    // Nothing leaks: every intermediate was disposed.
    expect(h.engine.stats().liveTensors).toBe(0);
  });

  it('abort: a signal aborted before the run stops it with an AbortError and disposes what it made', async () => {
    const ac = new AbortController();
    ac.abort();
    const img = randomImage(10, 4, 4);
    await expect(upscaleWithMethod(gpuBackend(h.engine), 'conv-transpose', img, { scale: 2, signal: ac.signal })).rejects.toThrow(/abort/i);
    expect(h.engine.stats().liveTensors).toBe(0);
  });
});
