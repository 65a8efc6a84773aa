/**
 * `backend: 'auto'`: which backend should run a model here, and why. On a
 * hardware GPU, WebGPU (the engine). On a software adapter (SwiftShader, or
 * any adapter that says `isFallbackAdapter`: `engine.adapterInfo.software`)
 * WebGPU's shaders run on the CPU through an emulated GPU, and ONNX Runtime's
 * CPU kernels do the same job several times faster (measured on 2 cores:
 * default-model ×2 on a 451×300 photo, 140 s on SwiftShader in Chromium and
 * ~22 s on ONNX Runtime Web's WASM backend; 40–130× in Node with
 * onnxruntime-node), so the CPU backend is chosen when an ONNX Runtime module
 * is at hand. Without WebGPU at all, the CPU backend is the only one.
 *
 *   const { runner, reason } = await chooseBackend(engine, model, { ort });
 *   console.log(reason);                       // what runs, and why
 *   const out = await upscale(runner, image);  // the same call on either backend
 *   await runner.dispose();
 *
 * `decideBackend` is the decision alone (no model, nothing created), for
 * callers that build the runner themselves (the demo page caches its ONNX
 * Runtime sessions per model).
 */
import type { Engine } from '../engine.js';
import { ArgumentError } from '../core/errors.js';
import type { UpscaleModel } from '../model/types.js';
import { createOrtRunner, type OrtModule, type OrtRunnerModel, type OrtSessionOptions } from './ort-runner.js';
import { webgpuRunner, type TileRunner } from './runner.js';

/** 'auto' picks; 'webgpu' and 'cpu' force one. */
export type BackendChoice = 'auto' | 'webgpu' | 'cpu';

/** What was decided: the backend and one sentence saying why, for a log line or a page. */
export interface BackendDecision {
  kind: 'webgpu' | 'cpu';
  reason: string;
}

/** The adapter as the reason names it: "google swiftshader (software)". */
function adapterName(engine: Engine): string {
  const a = engine.adapterInfo;
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || a.description || 'unknown adapter';
  return a.software ? `${name} (software)` : name;
}

/**
 * Decides where a model runs. `engine` is null without WebGPU; `cpuAvailable`
 * says whether an ONNX Runtime module can be had. Throws ArgumentError when
 * the forced backend cannot run (webgpu without an engine, cpu without ONNX
 * Runtime).
 */
export function decideBackend(engine: Engine | null, options: { backend?: BackendChoice; cpuAvailable: boolean }): BackendDecision {
  const choice = options.backend ?? 'auto';
  if (choice !== 'auto' && choice !== 'webgpu' && choice !== 'cpu') {
    throw new ArgumentError(`chooseBackend: backend '${String(choice)}' must be 'auto', 'webgpu' or 'cpu'`);
  }
  if (choice === 'webgpu') {
    if (!engine) throw new ArgumentError("chooseBackend: backend 'webgpu' needs an engine (WebGPU); got none");
    return { kind: 'webgpu', reason: `WebGPU on ${adapterName(engine)}, as asked` };
  }
  if (choice === 'cpu') {
    if (!options.cpuAvailable) throw new ArgumentError("chooseBackend: backend 'cpu' needs ONNX Runtime: pass { ort }");
    return { kind: 'cpu', reason: 'ONNX Runtime on the CPU, as asked' };
  }
  if (!engine) {
    if (!options.cpuAvailable)
      throw new ArgumentError('chooseBackend: no WebGPU engine and no ONNX Runtime module (pass { ort }): nothing can run the model');
    return { kind: 'cpu', reason: 'ONNX Runtime on the CPU: there is no WebGPU here' };
  }
  if (!engine.adapterInfo.software) return { kind: 'webgpu', reason: `WebGPU on ${adapterName(engine)}: a hardware GPU` };
  if (options.cpuAvailable) {
    return {
      kind: 'cpu',
      reason:
        `ONNX Runtime on the CPU: the WebGPU adapter (${adapterName(engine)}) emulates a GPU on the CPU, ` +
        `and ONNX Runtime's CPU kernels run these networks several times faster`,
    };
  }
  return {
    kind: 'webgpu',
    reason: `WebGPU on ${adapterName(engine)}: a software adapter (slow); pass { ort } to run on ONNX Runtime's CPU kernels instead`,
  };
}

export interface ChooseBackendOptions {
  /** Default 'auto'. */
  backend?: BackendChoice;
  /**
   * The ONNX Runtime module for the CPU backend (`import * as ort from
   * 'onnxruntime-web'` or 'onnxruntime-node'), or a function that imports it
   * (called only when the CPU backend is chosen, so a GPU user never loads it).
   */
  ort?: OrtModule | (() => Promise<OrtModule>);
  /** Passed to createOrtRunner (default: ONNX Runtime's own, e.g. its WASM provider in browsers). */
  sessionOptions?: OrtSessionOptions;
}

/** A runner for upscale(), which backend it is, and why it was chosen. */
export interface ChosenBackend extends BackendDecision {
  runner: TileRunner;
}

/**
 * Chooses a backend (see decideBackend) and returns its runner:
 * `webgpuRunner(engine, model)` (borrows both) or an ONNX Runtime runner on
 * the model's graph (owns a session: `runner.dispose()` frees it; disposing
 * the WebGPU one is a no-op, so always calling it is right).
 */
export async function chooseBackend(
  engine: Engine | null,
  model: UpscaleModel | OrtRunnerModel,
  options: ChooseBackendOptions = {},
): Promise<ChosenBackend> {
  const decision = decideBackend(engine, { backend: options.backend, cpuAvailable: options.ort !== undefined && !!model.graph });
  if (decision.kind === 'webgpu') {
    if (typeof (model as Partial<UpscaleModel>).run !== 'function') {
      throw new ArgumentError(
        `chooseBackend: WebGPU needs the model loaded on the engine (loadModel(engine, files)); '${model.name}' is not`,
      );
    }
    return { ...decision, runner: webgpuRunner(engine!, model as UpscaleModel) };
  }
  const ort = typeof options.ort === 'function' ? await options.ort() : options.ort!;
  const runner = await createOrtRunner(
    ort,
    model as OrtRunnerModel,
    options.sessionOptions ? { sessionOptions: options.sessionOptions } : {},
  );
  return { ...decision, runner };
}
