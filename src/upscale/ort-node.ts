/**
 * Node: the CPU backend without a GPU. `createCpuUpscaler` reads a packaged
 * model's files, parses and describes them on the CPU (no engine, no WebGPU),
 * exports the graph to ONNX and opens it in onnxruntime-node; `writeOnnx`
 * saves the export. onnxruntime-node is an optional peer dependency, loaded
 * only here, on first use, with a variable specifier (as src/gpu/device.ts
 * loads 'webgpu') so that bundlers leave it out of browser builds.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { NoOnnxRuntimeError } from '../core/errors.js';
import { describeLayersModel, type LayersModelSource } from '../model/load.js';
import { readPackagedModel, type PackagedModel } from '../model/load-node.js';
import { exportOnnx, type ExportOnnxOptions, type OnnxExportSource } from '../onnx/export.js';
import { createOrtRunner, type OrtModule, type OrtRunnerModel, type OrtRunnerOptions, type OrtSessionOptions } from './ort-runner.js';
import type { TileRunner } from './runner.js';

const ORT_PACKAGE = 'onnxruntime-node';

/**
 * Imports onnxruntime-node; throws a NoOnnxRuntimeError that says
 * `npm install onnxruntime-node` when it is not installed. `specifier` is for tests.
 */
export async function loadOnnxRuntimeNode(specifier: string = ORT_PACKAGE): Promise<OrtModule> {
  let mod: OrtModule & { default?: OrtModule };
  try {
    mod = await import(/* @vite-ignore */ specifier);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((e as Error).message).includes(specifier)) {
      throw new NoOnnxRuntimeError(
        `the CPU backend needs '${specifier}' (ONNX Runtime for Node), an optional peer dependency of webgpu-upsample that is not installed: ` +
          `run \`npm install ${specifier}\``,
      );
    }
    throw new NoOnnxRuntimeError(`could not load '${specifier}' (ONNX Runtime for Node): ${(e as Error).message}`, { cause: e });
  }
  // onnxruntime-node is CommonJS: its names are on the namespace, or only on `default` where Node's lexer misses them.
  return typeof mod.InferenceSession?.create === 'function' ? mod : mod.default!;
}

/**
 * The physical cores this process may use on Linux: distinct (physical id, core id) pairs of
 * /proc/cpuinfo (or of `cpuinfo`, for tests), at most `available` (os.availableParallelism()); null elsewhere, or
 * where cpuinfo names no cores (e.g. ARM), to leave ONNX Runtime its own count.
 */
export function physicalCores(cpuinfo?: string, available: number = availableParallelism()): number | null {
  let text = cpuinfo;
  if (text === undefined) {
    if (process.platform !== 'linux') return null;
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return null;
    }
  }
  const cores = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const physical = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (physical !== undefined && core !== undefined) cores.add(`${physical}:${core}`);
  }
  return cores.size ? Math.min(cores.size, available) : null;
}

/**
 * Session options createCpuUpscaler sets unless given (measured on the 2-core bench VM, Real-CUGAN ×2
 * on 96² images, docs/performance.md "CPU backend"):
 * - intraOpNumThreads: the physical cores (physicalCores()), what ONNX Runtime's default means to
 *   be; on that VM (2 cores, no CPU cache topology in sysfs) its default ran one thread: 103 ms per
 *   warm run, 58 ms on two.
 * - enableMemPattern: false. With it, the second run of a shape allocates (and first-touches) a fresh
 *   planned block, as slow as the first run (175 ms vs 64 ms); without it, the arena reuses what the
 *   first run freed. Tiles of an image come in a few sizes, so a plan per shape buys nothing.
 */
function cpuSessionDefaults(): OrtSessionOptions {
  const cores = physicalCores();
  return { ...(cores ? { intraOpNumThreads: cores } : {}), enableMemPattern: false };
}

/** A model for createCpuUpscaler: a packaged model's name, its files (readPackagedModel, or your own model.json + shards), or a described/loaded model. */
export type CpuUpscalerModel = PackagedModel | LayersModelSource | OrtRunnerModel;

export interface CpuUpscalerOptions extends OrtRunnerOptions {
  /** The ONNX Runtime module to use; default: onnxruntime-node, imported on first use. */
  ort?: OrtModule;
}

/**
 * A TileRunner on ONNX Runtime's CPU provider, needing no GPU and no WebGPU:
 * `upscale(await createCpuUpscaler('esrgan-slim', 4), image, { onProgress, signal })`.
 * `scale` picks the packaged model's scale (as readPackagedModel: default 4
 * where offered); it is ignored for files or models, whose scale is their own.
 * Throws ModelError for an unknown model or scale, NoOnnxRuntimeError when
 * onnxruntime-node is missing. Dispose the runner to release the session.
 */
export async function createCpuUpscaler(model: CpuUpscalerModel, scale?: number, options: CpuUpscalerOptions = {}): Promise<TileRunner> {
  const { ort: given, ...runnerOptions } = options;
  let described: OrtRunnerModel;
  if (typeof model === 'string') described = describeLayersModel(readPackagedModel(model, scale));
  else if ('modelJson' in model) described = describeLayersModel(model);
  else described = model;
  const ort = given ?? (await loadOnnxRuntimeNode());
  return createOrtRunner(ort, described, {
    ...runnerOptions,
    sessionOptions: { executionProviders: ['cpu'], ...cpuSessionDefaults(), ...runnerOptions.sessionOptions },
  });
}

/** Writes `exportOnnx(model, options)` to `path` (a .onnx file any ONNX tool opens). */
export async function writeOnnx(model: OnnxExportSource, path: string, options?: ExportOnnxOptions): Promise<void> {
  await writeFile(path, exportOnnx(model, options));
}
