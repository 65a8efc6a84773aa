/**
 * Tests run on real WebGPU. Unless WEBGPU_TEST_ADAPTER=hardware, Dawn's Vulkan
 * backend is pointed at SwiftShader (Debian's chromium package ships it), so
 * the suite behaves the same on every machine, with or without a GPU.
 * Nothing here skips: if no adapter is found, createEngine throws and the
 * tests fail.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';

import { SWIFTSHADER_ICD } from '../../src/gpu/swiftshader.js';

if (process.env.WEBGPU_TEST_ADAPTER !== 'hardware' && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}

// Dawn's Vulkan loader complains on every start when this is unset (harmless, but noise in CI logs).
process.env.XDG_RUNTIME_DIR ??= tmpdir();
