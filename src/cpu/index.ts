// Ships the GPU* type names with the declarations; preserve="true" keeps TS 5.5+ from dropping this line from the .d.ts.
/// <reference types="@webgpu/types" preserve="true" />
/**
 * `webgpu-upsample/cpu`: plain, readable CPU reference kernels. They are the
 * specification the GPU kernels are tested against, with the same op names
 * and options as the engine, on `{ data: Float32Array, shape: number[] }`.
 * The ops are the CPU column of the op table (src/registry/table.ts).
 */
import { cpuOps, type OpName } from '../registry/table.js';

export { cpuTensor, zeros, type CpuTensor } from './tensor.js';
// The model runner lives with the graph walker in src/model; this entry point re-exports it.
export { runModelGraph, type RunModelGraphOptions } from '../model/run-cpu.js';

// One name per row of the op table, and nothing else. ES modules cannot export
// computed names, so the list is written out; the rule is kept by the compiler:
// a name that is not a row fails here (cpuOps has no such property), and a row
// missing from the list fails `npm run typecheck` at `_ExportsAreTheTable`
// below, naming it. test/op-table.test.ts checks the same at run time (and that
// each export is its row's function).
export const {
  convTranspose2d,
  conv2d,
  conv2dBackward,
  convTranspose2dBackward,
  gaussianBlur,
  gaussianBlurBackward,
  pixelShuffle,
  pixelUnshuffle,
  depthToSpace,
  spaceToDepth,
  upsample,
  downsample,
  relu,
  leakyRelu,
  sigmoid,
  tanh,
  prelu,
  crelu,
  mul,
  add,
  concat,
  pad2d,
  crop2d,
  globalAvgPool,
  binary,
  clip,
  mish,
  hardSwish,
  mseLoss,
  mseLossBackward,
  l1Loss,
  l1LossBackward,
  charbonnierLoss,
  charbonnierLossBackward,
  checkerboardPenalty,
  checkerboardPenaltyBackward,
  sliceChannels,
  upsampleBackward,
  reluBackward,
  leakyReluBackward,
  sigmoidBackward,
  tanhBackward,
  preluBackward,
  creluBackward,
  pad2dBackward,
  crop2dBackward,
  binaryBackward,
  globalAvgPoolBackward,
  clipBackward,
  mishBackward,
  hardSwishBackward,
} = cpuOps;

/** What this module exports besides the ops; a new helper export must be named here. */
type Helpers = 'cpuTensor' | 'zeros' | 'runModelGraph';
type OpExports = Exclude<keyof typeof import('./index.js'), Helpers>;
/** `true` when A and B are the same set of names, else the names each lacks (shown in the compile error). */
type SameNames<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : { notExported: Exclude<B, A>; notOps: Exclude<A, B> };
type Holds<T extends true> = T;
type _ExportsAreTheTable = Holds<SameNames<OpExports, OpName>>;
