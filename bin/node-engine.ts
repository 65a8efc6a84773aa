/**
 * An engine for the command line: real hardware when there is a usable
 * adapter, SwiftShader (a CPU Vulkan driver shipped with Chromium) otherwise.
 *
 * Why a retry works in one process: Dawn creates a new instance, and with it a
 * new Vulkan instance, on every `create()` call of the `webgpu` package
 * (createEngine makes one per call), and the Vulkan loader reads
 * VK_ICD_FILENAMES when an instance is created. Node's `process.env` setter
 * changes the real C environment, so setting it after a failed first try is
 * seen by the second. (Checked on a machine with no GPU and lavapipe
 * installed, which Dawn rejects: first try → no adapter, second → SwiftShader.)
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createEngine, NoWebGPUError, type Engine } from '../src/index.js';

/** Where Debian's chromium package puts SwiftShader's Vulkan driver manifest. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface NodeEngine {
  engine: Engine;
  /** True when no hardware adapter was found and SwiftShader was used instead. */
  fellBack: boolean;
}

/**
 * Creates an engine, preferring hardware. On NoWebGPUError, if the user has
 * not chosen Vulkan drivers (VK_ICD_FILENAMES unset) and SwiftShader is
 * installed, points Vulkan at it and tries once more.
 */
export async function createNodeEngine(log: (line: string) => void = () => {}): Promise<NodeEngine> {
  // The Vulkan loader prints "XDG_RUNTIME_DIR is invalid" on every start when it is unset (harmless noise).
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  try {
    return { engine: await createEngine(), fellBack: false };
  } catch (e) {
    if (!(e instanceof NoWebGPUError) || process.env.VK_ICD_FILENAMES || !existsSync(SWIFTSHADER_ICD)) throw e;
    log(`no hardware WebGPU adapter found; retrying on SwiftShader (VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`);
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    return { engine: await createEngine(), fellBack: true };
  }
}

/** One line naming the adapter that runs the work. */
export function describeAdapter(engine: Engine): string {
  const a = engine.adapterInfo;
  const name = a.description || a.device || [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const detail = [a.vendor, a.architecture].filter(Boolean).join(' / ');
  return `${name}${detail ? ` (${detail})` : ''}${a.software ? ' [software rasteriser]' : ''}`;
}
