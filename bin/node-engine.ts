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
 *
 * Quiet starts: Dawn prints its Vulkan warnings ("vkCreateInstance: Found no
 * drivers!", a rejected lavapipe) straight to the process's stderr from native
 * code, where Node cannot filter them. So when no Vulkan driver manifest is
 * installed at all, the first try is skipped (it cannot succeed); and when
 * manifests exist but `quiet` is asked for, the first try runs in a child
 * process whose stderr is discarded, and only its verdict is used.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SWIFTSHADER_ICD } from '../src/gpu/swiftshader.js';
import { createEngine, NoWebGPUError, type Engine } from '../src/index.js';
import type { WinogradOption } from '../src/kernels/conv-winograd.js';

/**
 * The command line's Winograd default: 'auto' (F(6,3) for the 3×3 convs on software adapters, measured
 * 3.5–3.8× there, ≤ 0.004 8-bit levels from the direct kernel; 'off' on hardware until measured). The
 * library's default stays 'off', where tiled == untiled bit for bit (see EngineOptions.winograd).
 */
export const CLI_WINOGRAD: WinogradOption = 'auto';

export interface NodeEngine {
  engine: Engine;
  /** True when no hardware adapter was found and SwiftShader was used instead. */
  fellBack: boolean;
}

/** Whether the Vulkan loader could find any driver manifest (Linux search paths; other systems: assume yes). */
export function vulkanDriversInstalled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform !== 'linux') return true;
  if (env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES || env.VK_ICD_FILENAMES) return true;
  const configDirs = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const dirs = [
    ...configDirs.map((d) => join(d, 'vulkan/icd.d')),
    '/etc/vulkan/icd.d',
    join(env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'vulkan/icd.d'),
    ...dataDirs.map((d) => join(d, 'vulkan/icd.d')),
    '/usr/share/vulkan/icd.d',
  ];
  return dirs.some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

/** Asks a child process whether Dawn finds a hardware adapter; its stderr (Dawn's warnings) is dropped. */
function hardwareAdapterInChild(): boolean {
  const webgpu = import.meta.resolve('webgpu');
  const script = `const { create } = await import(${JSON.stringify(webgpu)});
    const a = await create([]).requestAdapter();
    process.exit(a ? 0 : 3);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore', timeout: 30_000 });
  return r.status === 0;
}

export interface NodeEngineOptions {
  /** Keep Dawn's own warnings off stderr. */
  quiet?: boolean;
  /** The engine's Winograd option; default CLI_WINOGRAD. */
  winograd?: WinogradOption;
  log?: (line: string) => void;
}

/**
 * Creates an engine, preferring hardware. On NoWebGPUError, if the user has
 * not chosen Vulkan drivers (VK_ICD_FILENAMES unset) and SwiftShader is
 * installed, points Vulkan at it and tries once more.
 */
export async function createNodeEngine({
  quiet = false,
  log = () => {},
  winograd = CLI_WINOGRAD,
}: NodeEngineOptions = {}): Promise<NodeEngine> {
  // The Vulkan loader prints "XDG_RUNTIME_DIR is invalid" on every start when it is unset (harmless noise).
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const canFallBack = !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD);
  const fallBack = async (why: string): Promise<NodeEngine> => {
    log(`${why}; using SwiftShader (VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`);
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    return { engine: await createEngine({ winograd }), fellBack: true };
  };
  if (canFallBack && !vulkanDriversInstalled()) return fallBack('no Vulkan driver is installed');
  if (canFallBack && quiet && !hardwareAdapterInChild()) return fallBack('no hardware WebGPU adapter found');
  try {
    return { engine: await createEngine({ winograd }), fellBack: false };
  } catch (e) {
    if (!(e instanceof NoWebGPUError) || !canFallBack) throw e;
    return fallBack('no hardware WebGPU adapter found');
  }
}

/**
 * An engine on a hardware adapter, or null when there is none (no Vulkan
 * driver, no adapter, or only a software one such as SwiftShader or lavapipe).
 * Never falls back: `--backend auto` then prefers the CPU backend.
 */
export async function createHardwareEngine({
  quiet = false,
  winograd = CLI_WINOGRAD,
}: { quiet?: boolean; winograd?: WinogradOption } = {}): Promise<Engine | null> {
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  const userChose = !!process.env.VK_ICD_FILENAMES;
  if (!userChose && !vulkanDriversInstalled()) return null;
  if (!userChose && quiet && !hardwareAdapterInChild()) return null;
  let engine: Engine;
  try {
    engine = await createEngine({ winograd });
  } catch (e) {
    if (e instanceof NoWebGPUError) return null;
    throw e;
  }
  if (engine.adapterInfo.software) {
    engine.destroy();
    return null;
  }
  return engine;
}

/** One line naming the adapter that runs the work. */
export function describeAdapter(engine: Engine): string {
  const a = engine.adapterInfo;
  const name = a.description || a.device || [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const detail = [a.vendor, a.architecture].filter(Boolean).join(' / ');
  return `${name}${detail ? ` (${detail})` : ''}${a.software ? ' [software rasteriser]' : ''}`;
}
