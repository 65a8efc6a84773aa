/**
 * SwiftShader: Google's Vulkan-on-CPU driver, which Debian's `chromium` package ships. Pointing the
 * Vulkan loader at it (VK_ICD_FILENAMES) gives Dawn a WebGPU adapter on machines without a GPU. The
 * one place the path is written: the CLI's fallback, the test setup and the benchmarks import it.
 */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
