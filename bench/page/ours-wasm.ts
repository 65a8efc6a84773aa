/**
 * Our CPU backend in the page, on model cases: the TileRunner a page without
 * WebGPU upscales with (createOrtRunner on ONNX Runtime Web's WASM build, our
 * own ONNX export of the graph; the upscaler demo runs exactly this). One call
 * = one `runModel` on the whole input, already in CPU memory, output back as a
 * Float32Array: the same protocol as ours on WebGPU (no tiling). Export and
 * session creation are setup, untimed (`setupMs`).
 */
import { describeLayersModel } from '../../src/model/index.js';
import { createOrtRunner } from '../../src/upscale/ort-runner.js';
import type { TileRunner } from '../../src/upscale/runner.js';
import type { BenchCase, CaseData } from '../cases.js';
import { errorText, fetchLayersModel, maxAbsDiff } from '../peers/job.js';
import { timeCalls, type ImplResult, type TimingConfig } from './measure.js';
import { modelUrl } from './ours.js';

/** Runs our ORT-web WASM backend on a model case; `ours` (NCHW) is our WebGPU output, when it ran. */
export async function runOursWasm(c: BenchCase, data: CaseData, ours: Float32Array | null, cfg: TimingConfig): Promise<ImplResult> {
  if (c.op !== 'model') return { status: 'skipped', reason: 'models only' };
  let runner: TileRunner | null = null;
  try {
    const { ort, ortWasmLabel } = await import('../../demo/src/ort-wasm.js');
    const { json, shards } = await fetchLayersModel(new URL(modelUrl(c), location.href).href);
    const inputRange = c.pkg === 'esrgan-thick' ? ([0, 1] as const) : ([0, 255] as const);
    const t0 = performance.now();
    runner = await createOrtRunner(
      ort,
      describeLayersModel({ modelJson: json, weightShards: shards, name: `${c.pkg}-x${c.scale}`, inputRange }),
      {
        sessionOptions: { executionProviders: ['wasm'] },
      },
    );
    const setupMs = performance.now() - t0;
    const r = runner;
    const { result, output } = await timeCalls(() => r.runModel(data.x, [3, c.h, c.h]), cfg);
    result.setupMs = setupMs;
    result.note = [result.note, ortWasmLabel()].filter(Boolean).join('; ');
    if (ours) result.maxAbsDiffVsOurs = maxAbsDiff(ours, output);
    return result;
  } catch (e) {
    return { status: 'error', error: errorText(e) };
  } finally {
    await runner?.dispose();
  }
}
