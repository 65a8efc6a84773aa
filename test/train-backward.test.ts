/**
 * Sequential.backward == central differences of the float64 CPU forward of the
 * same network (same weights), for L = <net(x), dy>.
 *
 * Tolerance, derived: these networks are affine in each single parameter away
 * from the activation kinks (each weight enters every path once), so L is
 * affine in it and central differences have no truncation error; the test
 * asserts every pre-activation is farther than the step can move it from 0.
 * What remains: the difference's float64 rounding (centralDiff's tol) and the
 * GPU's float32 rounding, ≤ K·u·M_i with M_i the same gradient of the "abs"
 * network (|weights|, |x|, |dy|, activations as identity: Σ|terms| at every
 * stage, itself found by central differences, exact for the same reason) and
 * K the summed lengths of the float32 sums on the way (roundingDepth).
 */
import { describe, expect, it } from 'vitest';
import type { CpuTensor } from '../src/cpu/index.js';
import { Sequential } from '../src/index.js';
import { useEngine } from './helpers/engine.js';
import { centralDiff, expectGradClose } from './helpers/finite-diff.js';
import { randomData, rng } from './helpers/random.js';
import { absParams, cpuForward, gpuLayers, roundingDepth, type Params64, type Spec } from './helpers/train-nets.js';

const U = 2 ** -24;
const H = 1e-5;
const h = useEngine();

const NETS: { name: string; specs: Spec[]; x: number[] }[] = [
  {
    name: 'convT(k4 s2 p1) + relu + conv(k3 p1)',
    specs: [{ kind: 'convT', cin: 3, cout: 8, k: 4, s: 2, p: 1 }, { kind: 'relu' }, { kind: 'conv', cin: 8, cout: 3, k: 3, p: 1 }],
    x: [2, 3, 5, 5],
  },
  {
    name: 'conv(k3 p1) + pixelShuffle(2)',
    specs: [
      { kind: 'conv', cin: 3, cout: 12, k: 3, p: 1 },
      { kind: 'shuffle', r: 2 },
    ],
    x: [2, 3, 6, 6],
  },
  {
    name: 'upsample(bilinear ×2) + conv(k3 p1) + leakyRelu + conv(k3 p1) (resize-conv)',
    specs: [
      { kind: 'up', scale: 2, mode: 'bilinear' },
      { kind: 'conv', cin: 3, cout: 4, k: 3, p: 1 },
      { kind: 'leakyRelu', slope: 0.1 },
      { kind: 'conv', cin: 4, cout: 3, k: 3, p: 1 },
    ],
    x: [1, 3, 5, 5],
  },
];

function to64(sd: Record<string, { shape: number[]; data: Float32Array }>): Params64 {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, { shape: v.shape, data: Float64Array.from(v.data) }]));
}

describe('Sequential.backward == finite differences of the float64 CPU forward', () => {
  for (const { name, specs, x: xShape } of NETS) {
    it(name, async () => {
      const e = h.engine;
      const before = e.stats().liveTensors;
      const net = new Sequential(e, gpuLayers(specs), { seed: 7 });
      const xData = randomData(
        xShape.reduce((a, b) => a * b, 1),
        rng(11),
      );
      const x = e.tensor(xData, xShape);
      const y = net.forward(x, { training: true });
      const dyData = randomData(y.size, rng(12));
      const dy = e.tensor(dyData, y.shape);
      net.backward(dy);
      const grads = Object.fromEntries(await Promise.all(net.parameters().map(async (p) => [p.name, await p.grad!.read()] as const)));
      const params = to64(await net.stateDict());
      const x64: CpuTensor = { data: Float64Array.from(xData) as unknown as Float32Array, shape: xShape };
      const dy64 = Float64Array.from(dyData);

      // No pre-activation within reach of the step: |Δz| ≤ H·max|input of the layer| ≤ H·Σ|terms|, far below the margin asserted.
      const pre: Float64Array[] = [];
      cpuForward(specs, params, x64, false, pre);
      // Margin: a step of H in one first-layer parameter moves z by ≤ H·max(1, max|x|) = H (|x| < 1; one tap per output),
      // and the GPU's float32 z is off by ≤ (Cin·(k/s)² + 2)·u·Σ|terms| ≈ 14 · 6e-8 · 3 ≈ 3e-6 < H: 4·H leaves room for both.
      for (const z of pre) expect(Math.min(...z.map(Math.abs)), `${name}: smallest |pre-activation|`).toBeGreaterThan(4 * H);

      const K = roundingDepth(specs, xShape);
      const abs = absParams(params);
      const xAbs: CpuTensor = { data: Float64Array.from(xData, Math.abs) as unknown as Float32Array, shape: xShape };
      for (const [pname, p] of Object.entries(params)) {
        const wrap = (v: CpuTensor): Params64 => ({ ...params, [pname]: { shape: p.shape, data: v.data as unknown as Float64Array } });
        const fd = centralDiff(
          (v) => cpuForward(specs, wrap(v), x64),
          { data: p.data as unknown as Float32Array, shape: p.shape },
          dy64,
          H,
        );
        const wrapAbs = (v: CpuTensor): Params64 => ({ ...abs, [pname]: { shape: p.shape, data: v.data as unknown as Float64Array } });
        const mag = centralDiff(
          (v) => cpuForward(specs, wrapAbs(v), xAbs, true),
          { data: abs[pname].data.slice(), shape: p.shape } as unknown as CpuTensor,
          dy64.map(Math.abs),
          H,
        );
        const bound = mag.grad.map((m, i) => K * U * Math.abs(m) + mag.tol[i] * K * U);
        expectGradClose(grads[pname], fd, `${name} ${pname} (K=${K})`, { truncation: bound, analyticMag: new Float64Array(bound.length) });
      }
      for (const t of [x, y, dy]) t.dispose();
      net.dispose();
      expect(e.stats().liveTensors).toBe(before);
    });
  }
});
