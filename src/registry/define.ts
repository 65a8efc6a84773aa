/**
 * What one op is, as a value: its name, its tensor arguments, its shape rule
 * and its two implementations (the CPU reference and the GPU dispatch). The
 * table in ./table.ts lists one such value per op; the engine's methods, the
 * `webgpu-upsample/cpu` exports and the graph walker all come from it (the
 * idea of ONNX Runtime Web's op-resolve-rules.ts: one row per op, resolved by
 * name).
 */
import type { CpuTensor } from '../cpu/tensor.js';
import type { KernelContext } from '../kernels/context.js';
import type { Tensor } from '../core/tensor.js';
import type { Shape } from '../core/params.js';

/** Anything with a shape: a GPU Tensor, a CpuTensor, or just `{ shape }` for the shape rule. */
export interface Shaped {
  readonly shape: Shape;
}

/**
 * What an op returns: one tensor, or (a multi-output op such as conv2dBackward)
 * a record of named tensors, null where the caller asked not to compute one.
 * The shape rule returns the same form with shapes.
 */
export type OpOutput<T> = T | Readonly<Record<string, T | null>>;

/* eslint-disable @typescript-eslint/no-explicit-any -- `any[]` is the only parameter list every op's signature is assignable to. */
export interface OpDef<Name extends string = string> {
  /** The op's name: the engine method, the `webgpu-upsample/cpu` export and the prefix of its error messages. */
  readonly name: Name;
  /**
   * Its tensor arguments, in order, by the names its errors use
   * (`conv2d: weight [...] was used after dispose()`): `'bias?'` may be null,
   * `'inputs[]'` is an array of tensors. Other arguments (scalars, options) follow them.
   */
  readonly inputs: readonly string[];
  /**
   * The shape rule shared by both paths: the output shape from the arguments
   * (only their `.shape` is read), checking every argument and option key on
   * the way with the same typed errors the op throws. Allocates nothing.
   */
  readonly outShape: (...args: any[]) => OpOutput<Shape>;
  /** The CPU reference: the specification, on `{ data: Float32Array, shape }`. */
  readonly cpu: (...args: any[]) => OpOutput<CpuTensor>;
  /** The GPU dispatch: records the op's passes and returns the output(s) (validating first, as `outShape` does). */
  readonly gpu: (ctx: KernelContext, ...args: any[]) => OpOutput<Tensor>;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * Checks an op definition and returns it unchanged (keeping its precise
 * types): the shape rule must accept whatever the CPU reference accepts.
 */
export function defineOp<const D extends OpDef>(def: D & { outShape: (...args: Parameters<D['cpu']>) => OpOutput<Shape> }): D {
  return def;
}

/** An op's engine method: its GPU function without the kernel context. */
export type GpuMethod<D extends OpDef> = D['gpu'] extends (ctx: KernelContext, ...args: infer A) => infer R ? (...args: A) => R : never;
