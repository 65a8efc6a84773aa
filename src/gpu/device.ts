/**
 * Getting a GPUDevice: `navigator.gpu` in browsers, the `webgpu` package
 * (Dawn) in Node. The device asks for the adapter's largest buffer and
 * binding sizes, because the default 128 MiB binding limit is what makes big
 * images fail elsewhere; the engine still splits work that exceeds them.
 */
import { NoWebGPUError } from '../core/errors.js';
import { SWIFTSHADER_ICD } from './swiftshader.js';

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: GPUAdapter | null;
  /** Kept so that the Node binding's GPU object is not garbage-collected while the device lives. */
  gpu: GPU | null;
}

async function getGPU(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) {
    throw new NoWebGPUError('WebGPU is not available in this browser (navigator.gpu is undefined); use the CPU path');
  }
  // A variable specifier keeps bundlers from trying to pull the Node binding into browser builds.
  const specifier = 'webgpu';
  let mod: { create: (flags: string[]) => GPU };
  try {
    mod = await import(/* @vite-ignore */ specifier);
  } catch (e) {
    // 'webgpu' is an optional dependency (132 MB of Dawn binaries that browser users don't need),
    // so a browser-only install (`npm i webgpu-upsample --omit=optional`) lacks it.
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && (e as Error).message.includes(`'${specifier}'`)) {
      throw new NoWebGPUError(
        `Node: the 'webgpu' package (Dawn, WebGPU for Node) is not installed; it is an optional dependency of webgpu-upsample, left out by --omit=optional: run \`npm install webgpu\``,
      );
    }
    throw new NoWebGPUError(`Node: could not load the 'webgpu' package (Dawn): ${(e as Error).message}`);
  }
  // Dawn rounds timestamp queries to 65.5 µs unless told otherwise (a browser's anti-fingerprinting
  // measure): in Node that only makes engine.timeGpu useless for passes shorter than that.
  // One Dawn instance per process, kept for its lifetime: every engine's device comes from it. An
  // instance per engine meant several instances torn down (or garbage-collected) while devices made
  // from them were still being destroyed, which crashed or hung Dawn in Node now and then.
  nodeGpu ??= mod.create(['disable-dawn-features=timestamp_quantization']);
  return nodeGpu;
}

/** The process's Dawn instance (Node only); see getGPU. */
let nodeGpu: GPU | null = null;

const wantedLimits = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxStorageBuffersPerShaderStage',
] as const;

export async function acquireDevice(powerPreference?: GPUPowerPreference): Promise<AcquiredDevice> {
  const gpu = await getGPU();
  const adapter = await gpu.requestAdapter({ powerPreference });
  if (!adapter) {
    const hint =
      typeof process !== 'undefined' && process.versions?.node
        ? ` (no GPU? point Vulkan at SwiftShader: VK_ICD_FILENAMES=${SWIFTSHADER_ICD})`
        : '';
    throw new NoWebGPUError(`no WebGPU adapter was found${hint}`);
  }
  const requiredLimits: Record<string, number> = {};
  for (const k of wantedLimits) requiredLimits[k] = adapter.limits[k];
  // bgra8unorm-storage: the image store pass can write a bgra8unorm canvas texture directly (src/upscale/to-canvas.ts).
  // subgroups: the Winograd GEMM shares its weight loads across a quad of lanes (src/kernels/conv-winograd.ts).
  const requiredFeatures = (['timestamp-query', 'shader-f16', 'bgra8unorm-storage', 'subgroups'] as GPUFeatureName[]).filter((f) =>
    adapter.features.has(f),
  );
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  return { device, adapter, gpu };
}
