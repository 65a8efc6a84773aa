// Ships the GPU* type names with the declarations; preserve="true" keeps TS 5.5+ from dropping this line from the .d.ts.
/// <reference types="@webgpu/types" preserve="true" />
/**
 * `webgpu-upsample/cpu`: plain, readable CPU reference kernels. They are the
 * specification the GPU kernels are tested against, with the same op names
 * and options as the engine, on `{ data: Float32Array, shape: number[] }`.
 */
export { cpuTensor, zeros, type CpuTensor } from './tensor.js';
export { convTranspose2d } from './conv-transpose2d.js';
export { conv2d } from './conv2d.js';
export { depthToSpace, spaceToDepth, pixelShuffle, pixelUnshuffle } from './depth-to-space.js';
export { upsample } from './upsample.js';
export { relu, leakyRelu, mul, add, concat } from './elementwise.js';
export { runModelGraph } from './model.js';
