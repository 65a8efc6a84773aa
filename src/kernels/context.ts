/** What kernel dispatch code needs from the engine (kept small so kernels stay testable and readable). */
import type { CommandRunner } from '../gpu/command-runner.js';
import type { Shape } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';

export interface KernelContext {
  runner: CommandRunner;
  /** A new uninitialised output tensor. */
  alloc(shape: Shape): Tensor;
  /** Throws if `t` is not a live tensor of this engine. */
  check(op: string, name: string, t: unknown): Tensor;
  /** A tensor derived from `source` (e.g. prepacked weights), made once and disposed with `source`. */
  derived(source: Tensor, key: string, make: () => Tensor): Tensor;
  /** Which conv2d kernel the engine resolved its `convKernel` option to (see EngineOptions). */
  readonly convKernel: 'direct' | 'tiled' | 'tiled-narrow';
  /** Which Winograd transform runs 3×3 stride-1 conv2d (the engine's `winograd` option; see src/kernels/conv-winograd.ts). */
  readonly winograd: 'off' | 'f23' | 'f43' | 'f63' | 'auto';
  /** Whether kernels may use subgroup operations (the engine's `subgroups` option and the device's feature). */
  readonly subgroups: boolean;
  /** How the Winograd kernels store U and V (the engine's `storage` option, resolved; see src/kernels/conv-winograd.ts). */
  readonly storage: 'f32' | 'f16-packed';
}
