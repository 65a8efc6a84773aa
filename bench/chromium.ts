/**
 * Headless Chromium with WebGPU and no GPU: the system's /usr/bin/chromium
 * (Debian's package, never a downloaded browser) on Dawn's SwiftShader adapter.
 * Shared by the benchmark (bench/run.ts) and the browser tests (through
 * test/helpers/chromium.ts); free of vitest so plain Node scripts can use it.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * --enable-unsafe-webgpu exposes WebGPU on Linux, --use-webgpu-adapter=swiftshader
 * picks Dawn's SwiftShader (Vulkan-on-CPU) adapter, --use-angle=swiftshader and
 * --enable-features=Vulkan keep the rest of the GPU process on SwiftShader too.
 * The others keep a test browser quiet (no sandbox in containers, no background traffic).
 */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
