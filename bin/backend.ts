/**
 * Which backend runs the model for the CLI: `--backend auto|webgpu|cpu`.
 *
 *   webgpu  the engine on the best WebGPU adapter, SwiftShader (CPU Vulkan) when there is no GPU;
 *   cpu     ONNX Runtime's CPU provider (onnxruntime-node, an optional peer dependency) on the
 *           model exported to ONNX: no WebGPU at all;
 *   auto    a hardware WebGPU adapter when there is one; otherwise the CPU backend when
 *           onnxruntime-node is installed (40–130× faster than SwiftShader on a 2-core machine),
 *           else SwiftShader, with a one-line hint naming the package.
 *
 * Both run behind the same TileRunner, so tiling, progress, cancel and alpha are upscale()'s own.
 */
import { NoOnnxRuntimeError } from '../src/core/errors.js';
import type { ModelDescription } from '../src/model/describe.js';
import { buildModel } from '../src/model/graph.js';
import { createCpuUpscaler, loadOnnxRuntimeNode } from '../src/upscale/ort-node.js';
import { webgpuRunner, type TileRunner } from '../src/upscale/runner.js';
import type { Engine } from '../src/index.js';
import type { WinogradOption } from '../src/kernels/conv-winograd.js';
import { createHardwareEngine, createNodeEngine, describeAdapter } from './node-engine.js';

export const BACKENDS = ['auto', 'webgpu', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export interface OpenBackend {
  runner: TileRunner;
  /** One line for the log: what runs the model. */
  description: string;
  close(): Promise<void>;
}

interface Logs {
  quiet: boolean;
  /** The engine's Winograd option (default: the CLI's, CLI_WINOGRAD). */
  winograd?: WinogradOption;
  log: (line: string) => void;
  warn: (line: string) => void;
}

function onWebgpu(engine: Engine, d: ModelDescription): OpenBackend {
  let model;
  try {
    model = buildModel(engine, d.graph, { name: d.name, inputRange: d.inputRange, outputRange: d.outputRange });
  } catch (e) {
    engine.destroy();
    throw e;
  }
  return {
    runner: webgpuRunner(engine, model),
    description: `WebGPU on ${describeAdapter(engine)}`,
    async close() {
      model.dispose();
      engine.destroy();
    },
  };
}

async function onCpu(d: ModelDescription): Promise<OpenBackend> {
  const ort = await loadOnnxRuntimeNode();
  const runner = await createCpuUpscaler(d, undefined, { ort });
  return { runner, description: `CPU: ${runner.backend} via onnxruntime-node`, close: () => runner.dispose() };
}

export async function openBackend(
  choice: BackendChoice,
  model: ModelDescription,
  { quiet, log, warn, winograd }: Logs,
): Promise<OpenBackend> {
  if (choice === 'cpu') return onCpu(model);
  if (choice === 'webgpu') return onWebgpu((await createNodeEngine({ quiet, log, winograd })).engine, model);
  const hardware = await createHardwareEngine({ quiet, winograd });
  if (hardware) return onWebgpu(hardware, model);
  try {
    const cpu = await onCpu(model);
    log('no hardware WebGPU adapter: running the model on the CPU backend (--backend webgpu forces SwiftShader)');
    return cpu;
  } catch (e) {
    if (!(e instanceof NoOnnxRuntimeError)) throw e;
    warn('hint: no GPU here; `npm install onnxruntime-node` runs the models on the CPU 40-130× faster than SwiftShader (--backend cpu)');
  }
  return onWebgpu((await createNodeEngine({ quiet, log, winograd })).engine, model);
}
