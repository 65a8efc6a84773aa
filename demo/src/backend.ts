/**
 * The few ops the upscaling methods need, behind one interface with two
 * implementations: the WebGPU engine, and the CPU reference kernels (the
 * visible fallback when a browser has no WebGPU). The methods are written once
 * against this interface, so both paths compute the same thing.
 */
import type { Conv2dOptions, ConvTranspose2dOptions, Engine, Tensor, UpsampleOptions } from '../../src/index.js';
import * as cpu from '../../src/cpu/index.js';

export interface Backend<T> {
  /** 'webgpu' or 'cpu': shown to the user, so they know which path actually ran. */
  readonly kind: 'webgpu' | 'cpu';
  tensor(data: Float32Array, shape: readonly number[]): T;
  shape(t: T): readonly number[];
  conv2d(x: T, w: T, b: T | null, options: Conv2dOptions<never>): T;
  convTranspose2d(x: T, w: T, b: T | null, options: ConvTranspose2dOptions<never>): T;
  upsample(x: T, options: UpsampleOptions): T;
  pixelShuffle(x: T, r: number): T;
  read(t: T): Promise<Float32Array>;
  dispose(t: T): void;
}

/** The engine as a Backend. */
export function gpuBackend(engine: Engine): Backend<Tensor> {
  return {
    kind: 'webgpu',
    tensor: (data, shape) => engine.tensor(data, shape),
    shape: (t) => t.shape,
    conv2d: (x, w, b, o) => engine.conv2d(x, w, b, o),
    convTranspose2d: (x, w, b, o) => engine.convTranspose2d(x, w, b, o),
    upsample: (x, o) => engine.upsample(x, o),
    pixelShuffle: (x, r) => engine.pixelShuffle(x, r),
    read: (t) => t.read(),
    dispose: (t) => t.dispose(),
  };
}

/** The CPU reference kernels as a Backend (synchronous loops; fine for small images). */
export function cpuBackend(): Backend<cpu.CpuTensor> {
  return {
    kind: 'cpu',
    tensor: (data, shape) => cpu.cpuTensor(data, shape),
    shape: (t) => t.shape,
    conv2d: (x, w, b, o) => cpu.conv2d(x, w, b, o),
    convTranspose2d: (x, w, b, o) => cpu.convTranspose2d(x, w, b, o),
    upsample: (x, o) => cpu.upsample(x, o),
    pixelShuffle: (x, r) => cpu.pixelShuffle(x, r),
    read: async (t) => t.data,
    dispose: () => {},
  };
}
