/**
 * backend: 'auto' (src/upscale/auto-backend.ts): on a software adapter
 * (SwiftShader here) the model runs on ONNX Runtime's CPU kernels when an ONNX
 * Runtime module is given, and the reason says so; forced choices are kept;
 * the two backends agree to one 8-bit level.
 */
import { describe, expect, it } from 'vitest';
import { chooseBackend, decideBackend, upscale } from '../src/index.js';
import { loadModelFromPackage, loadOnnxRuntimeNode } from '../src/node.js';
import { useEngine } from './helpers/engine.js';
import { rng } from './helpers/random.js';

describe('chooseBackend / decideBackend', () => {
  const h = useEngine();

  it('on SwiftShader, auto runs the model on ONNX Runtime (CPU) and says why; the result matches WebGPU within one level', async () => {
    expect(h.engine.adapterInfo.software).toBe(true);
    const model = loadModelFromPackage(h.engine, 'default-model', 2);
    const r = rng(7);
    const image = {
      data: new Uint8ClampedArray(9 * 7 * 4).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(r() * 256))),
      width: 9,
      height: 7,
    };
    try {
      const auto = await chooseBackend(h.engine, model, { ort: () => loadOnnxRuntimeNode() });
      expect(auto.kind).toBe('cpu');
      expect(auto.runner.backend).toMatch(/^onnxruntime/);
      expect(auto.reason).toMatch(/ONNX Runtime on the CPU: the WebGPU adapter \(.*swiftshader.*\(software\)\) emulates a GPU/i);
      const gpu = await chooseBackend(h.engine, model, { backend: 'webgpu', ort: () => loadOnnxRuntimeNode() });
      expect([gpu.kind, gpu.runner.backend]).toEqual(['webgpu', 'webgpu']);
      const [a, b] = [await upscale(auto.runner, image), await upscale(gpu.runner, image)];
      let worst = 0;
      for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
      expect(worst).toBeLessThanOrEqual(1);
      await auto.runner.dispose();
      await gpu.runner.dispose();
      // Without an ONNX Runtime module auto stays on WebGPU and says how to do better.
      const alone = await chooseBackend(h.engine, model);
      expect(alone.kind).toBe('webgpu');
      expect(alone.reason).toMatch(/software adapter \(slow\); pass \{ ort \}/);
    } finally {
      model.dispose();
    }
  });

  it('decides: hardware → WebGPU, no engine → CPU, impossible forced choices throw', () => {
    const hardware = { adapterInfo: { vendor: 'nvidia', architecture: 'ada', software: false } } as never;
    expect(decideBackend(hardware, { cpuAvailable: true })).toEqual({ kind: 'webgpu', reason: 'WebGPU on nvidia ada: a hardware GPU' });
    expect(decideBackend(null, { cpuAvailable: true }).kind).toBe('cpu');
    expect(() => decideBackend(null, { backend: 'webgpu', cpuAvailable: true })).toThrow(/needs an engine/);
    expect(() => decideBackend(hardware, { backend: 'cpu', cpuAvailable: false })).toThrow(/pass \{ ort \}/);
    expect(() => decideBackend(hardware, { backend: 'gpu' as never, cpuAvailable: true })).toThrow(/'auto', 'webgpu' or 'cpu'/);
  });
});
