// Ships the GPU* type names with the declarations; preserve="true" keeps TS 5.5+ from dropping this line from the .d.ts.
/// <reference types="@webgpu/types" preserve="true" />
/**
 * `webgpu-upsample/node`: Node-only helpers (file system access).
 *
 *   import { createEngine } from 'webgpu-upsample';
 *   import { loadModelFromPackage } from 'webgpu-upsample/node';
 *   const model = loadModelFromPackage(engine, 'esrgan-slim', 4);
 */
export { loadModelFromPackage, packagedScales, readPackagedModel, type PackagedModel, type PackagedModelFiles } from './model/load-node.js';
