/**
 * Small networks described once and built twice: as a GPU Sequential and as a
 * float64 CPU forward from the webgpu-upsample/cpu references (which compute in
 * float64 on Float64Array data), for gradient and training checks.
 */
import * as cpu from '../../src/cpu/index.js';
import type { CpuTensor } from '../../src/cpu/index.js';
import { layers, type Layer } from '../../src/index.js';

export type Spec =
  | { kind: 'convT'; cin: number; cout: number; k: number; s: number; p: number }
  | { kind: 'conv'; cin: number; cout: number; k: number; p: number }
  | { kind: 'relu' }
  | { kind: 'leakyRelu'; slope: number }
  | { kind: 'shuffle'; r: number }
  | { kind: 'up'; scale: number; mode: 'nearest' | 'bilinear' }
  | { kind: 'blur'; channels: number; sigma: number; k: number };

export function gpuLayers(specs: Spec[]): Layer[] {
  return specs.map((s) => {
    switch (s.kind) {
      case 'convT':
        return layers.convTranspose2d({ inChannels: s.cin, outChannels: s.cout, kernel: s.k, stride: s.s, padding: s.p });
      case 'conv':
        return layers.conv2d({ inChannels: s.cin, outChannels: s.cout, kernel: s.k, padding: s.p });
      case 'relu':
        return layers.relu();
      case 'leakyRelu':
        return layers.leakyRelu(s.slope);
      case 'shuffle':
        return layers.pixelShuffle(s.r);
      case 'up':
        return layers.upsample({ scale: s.scale, mode: s.mode });
      case 'blur':
        return layers.learnableBlur({ channels: s.channels, sigma: s.sigma, kernel: s.k });
    }
  });
}

/** Float64 parameters by state-dict name. */
export type Params64 = Record<string, { shape: number[]; data: Float64Array }>;

const t64 = (data: Float64Array, shape: number[]): CpuTensor => ({ data: data as unknown as Float32Array, shape });

/**
 * The network's forward in float64. `abs`: activations as the identity; with
 * |weights|, |biases| and |x| passed in (absParams), each output is then Σ|terms|
 * of the real network's (a bound on what float32 rounding scales with).
 */
export function cpuForward(specs: Spec[], params: Params64, x: CpuTensor, abs = false, preacts?: Float64Array[]): CpuTensor {
  let h: CpuTensor = x;
  specs.forEach((s, i) => {
    const w = params[`${i}.weight`];
    const b = params[`${i}.bias`];
    switch (s.kind) {
      case 'convT':
        h = cpu.convTranspose2d(h, t64(w.data, w.shape), t64(b.data, b.shape), { stride: s.s, padding: s.p });
        break;
      case 'conv':
        h = cpu.conv2d(h, t64(w.data, w.shape), t64(b.data, b.shape), { padding: s.p });
        break;
      case 'relu':
        preacts?.push(h.data as unknown as Float64Array);
        if (!abs) h = cpu.relu(h);
        break;
      case 'leakyRelu':
        preacts?.push(h.data as unknown as Float64Array);
        if (!abs) h = cpu.leakyRelu(h, s.slope);
        break;
      case 'shuffle':
        h = cpu.pixelShuffle(h, s.r);
        break;
      case 'up':
        h = cpu.upsample(h, { scale: s.scale, mode: s.mode });
        break;
      case 'blur': {
        // Taps are ≥ 0 for any σ, so the "abs" network blurs the same way (σ > 0 stays σ under absParams).
        const sigma = params[`${i}.sigma`];
        h = cpu.gaussianBlur(h, t64(sigma.data, sigma.shape), { kernel: s.k });
        break;
      }
    }
  });
  return h;
}

/**
 * Float32 rounding depth of one gradient element: the terms summed at each
 * stage it passes through (forward sums, backward dx sums, the dw/db
 * reductions over N·H·W), each stage adding at most γ_n ≈ n·u of its Σ|terms|
 * (first order, any summation order), plus 2 per stage for the multiply and
 * the bias/activation. Returned as the K of the bound K·u·M.
 */
export function roundingDepth(specs: Spec[], x: readonly number[]): number {
  const n = x[0];
  let [c, hh, ww] = [x[1], x[2], x[3]];
  let k = 0;
  for (const s of specs) {
    switch (s.kind) {
      case 'convT': {
        const outH = (hh - 1) * s.s - 2 * s.p + s.k;
        const outW = (ww - 1) * s.s - 2 * s.p + s.k;
        // forward: Cin·⌈k/s⌉² taps; dx: Cout·k² taps; dw: N·inH·inW; db: N·outH·outW.
        k += c * Math.ceil(s.k / s.s) ** 2 + s.cout * s.k * s.k + n * Math.max(hh * ww, outH * outW) + 6;
        [c, hh, ww] = [s.cout, outH, outW];
        break;
      }
      case 'conv': {
        const outH = hh + 2 * s.p - s.k + 1;
        const outW = ww + 2 * s.p - s.k + 1;
        k += c * s.k * s.k + s.cout * s.k * s.k + n * Math.max(hh * ww, outH * outW) + 6;
        [c, hh, ww] = [s.cout, outH, outW];
        break;
      }
      case 'shuffle':
        [c, hh, ww] = [c / (s.r * s.r), hh * s.r, ww * s.r];
        break;
      case 'up':
        // bilinear: 4 taps forward, up to (2s + 2)² outputs gathered per input in backward.
        k += s.mode === 'bilinear' ? 4 + (2 * s.scale + 2) ** 2 : s.scale * s.scale;
        [hh, ww] = [hh * s.scale, ww * s.scale];
        break;
      case 'blur':
        // forward and dx: k² taps each; dσ: N·H·W·k² terms; the taps' exp and normalisation ≤ 32 (gaussian-blur.test.ts).
        k += 2 * s.k * s.k + n * hh * ww * s.k * s.k + 32;
        break;
      default:
        k += 2;
    }
  }
  return k;
}

/** Every parameter by its magnitude. */
export function absParams(params: Params64): Params64 {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { shape: v.shape, data: v.data.map(Math.abs) }]));
}
