/**
 * Per-dispatch GPU profile (engine.profile): every dispatch that `work` records runs in its own
 * compute pass and its own submit, with timestamp queries at the pass's beginning and end (where
 * the device has 'timestamp-query'; Dawn on SwiftShader has it), so each dispatch's GPU time is
 * its own. Without timestamps (`timing: 'wall'`), each dispatch is its own submit and its time is
 * from the later of its submit and the previous submit's completion to its own completion
 * (onSubmittedWorkDone): right when the GPU, not the recording, is the bottleneck. Either way the
 * dispatches run one at a time, so the total is a little above a normal run's, where a whole
 * batch shares one submit.
 *
 * FLOPs are counted for the convolutions as direct convolutions (2 per multiply-add over every
 * tap, the usual convention, so a Winograd conv reports the FLOPs it replaces, on its GEMM pass);
 * bytes are what the dispatch binds (inputs read once, outputs written once: a lower bound on
 * its memory traffic).
 */
import type { Tensor } from '../core/tensor.js';
import type { GpuTimer } from './gpu-timer.js';
import type { Params, Program } from './program.js';
import type { CommandRunner } from './command-runner.js';

/** What run() binds (tensors, and textures for the image passes); only tensors count here. */
type RunBindings = Parameters<CommandRunner['run']>[2];
interface TensorLike {
  name: string;
  tensor?: Tensor;
  write?: boolean;
}
const tensorsOf = (bindings: RunBindings): TensorLike[] => (bindings as readonly TensorLike[]).filter((b) => b.tensor !== undefined);

export interface DispatchProfile {
  /** Program name (the op, or the op's pass: `conv2d-winograd-gemm`). */
  name: string;
  /** The program's structural variant, as its pipeline key writes it. */
  variant: string;
  /** Shape of the tensor it writes (the last writable binding). */
  outShape: readonly number[];
  threads: number;
  /** GPU time, milliseconds (see DispatchProfiles.timing). */
  ms: number;
  /** Direct-convolution FLOPs for conv passes, else null. */
  flops: number | null;
  /** Bytes of every tensor it binds. */
  bytes: number;
}

export interface DispatchProfiles {
  /** 'timestamps': GPU time of each dispatch's pass; 'wall': submit + wait per dispatch. */
  timing: 'timestamps' | 'wall';
  dispatches: DispatchProfile[];
}

const u = (params: Params, k: string): number => params[k]?.[1] ?? 0;

/**
 * Direct-convolution FLOPs of a conv program from its uniforms (null for other programs). A
 * Winograd conv counts on its GEMM pass, its transforms count none.
 */
export function convFlops(program: Program, params: Params, bindings: RunBindings): number | null {
  const p = (k: string) => u(params, k);
  const variant = typeof program.variant === 'string' ? {} : program.variant;
  switch (program.name) {
    case 'conv2d':
      if (variant.transposed) return 2 * p('n') * p('cIn') * p('inH') * p('inW') * p('coPerGroup') * p('kH') * p('kW');
      return 2 * p('n') * p('cOut') * p('outH') * p('outW') * p('ciPerGroup') * p('kH') * p('kW');
    case 'convTranspose2d':
      return 2 * p('n') * p('cIn') * p('inH') * p('inW') * p('coPerGroup') * p('kH') * p('kW');
    case 'conv2d-tiled': {
      const n = tensorsOf(bindings).find((b) => b.name === 'x')?.tensor?.shape[0] ?? 1;
      return 2 * n * p('cOut') * p('outH') * p('outW') * p('cIn') * Number(variant.kH) * Number(variant.kW);
    }
    // A convT run as its phase conv (src/kernels/conv-transpose-phases.ts) counts as that 3×3 conv, its zero taps included.
    case 'conv2d-winograd-gemm': {
      const n = p('tiles') / (p('tilesX') * p('tilesY'));
      return 2 * n * p('cOut') * p('outH') * p('outW') * p('cIn') * 9;
    }
    case 'conv2d-winograd-in':
    case 'conv2d-winograd-out':
      return 0;
    default:
      return null;
  }
}

function variantText(v: Program['variant']): string {
  if (typeof v === 'string') return v;
  return Object.keys(v)
    .sort()
    .map((k) => `${k}=${v[k]}`)
    .join(',');
}

/**
 * Runs `work` with every dispatch in its own pass and submit, and returns what each one cost.
 * `makeTimer` gives a fresh timer per dispatch (null: wall time per dispatch). The runner's
 * `run` is wrapped for the duration of `work` only.
 */
export async function profileDispatches<T>(
  runner: CommandRunner,
  device: GPUDevice,
  makeTimer: (() => GpuTimer) | null,
  work: () => T,
): Promise<{ result: T; profile: DispatchProfiles }> {
  runner.submit();
  await device.queue.onSubmittedWorkDone();
  interface Pending extends Omit<DispatchProfile, 'ms'> {
    timer: GpuTimer | null;
    submitted: number;
    /** When its submit's work was done (wall mode). */
    done: Promise<number>;
  }
  const pending: Pending[] = [];
  const run = runner.run;
  runner.run = function profiledRun(program: Program, params: Params, bindings: RunBindings, threads: number): void {
    if (threads === 0) return;
    runner.submit();
    const timer = makeTimer ? makeTimer() : null;
    runner.timer = timer;
    const t0 = performance.now();
    try {
      run.call(runner, program, params, bindings, threads);
      runner.submit();
    } finally {
      runner.timer = null;
    }
    const tensors = tensorsOf(bindings);
    const out = [...tensors].reverse().find((b) => b.write)?.tensor;
    pending.push({
      name: program.name,
      variant: variantText(program.variant),
      outShape: out ? [...out.shape] : [],
      threads,
      flops: convFlops(program, params, bindings),
      bytes: tensors.reduce((s, b) => s + (b.tensor?.byteLength ?? 0), 0),
      timer,
      submitted: t0,
      done: timer ? Promise.resolve(0) : device.queue.onSubmittedWorkDone().then(() => performance.now()),
    });
  };
  let result: T;
  try {
    result = work();
    runner.submit();
  } finally {
    runner.run = run;
  }
  await device.queue.onSubmittedWorkDone();
  const dispatches: DispatchProfile[] = [];
  // Wall mode: the queue runs the submits in order, so a dispatch's time is from the later of
  // its submit and the previous one's completion to its own completion.
  let previousDone = 0;
  for (const { timer, done, submitted, ...rest } of pending) {
    let ms: number;
    if (timer) ms = await timer.totalMs();
    else {
      const end = await done;
      ms = end - Math.max(submitted, previousDone);
      previousDone = end;
    }
    dispatches.push({ ...rest, ms });
  }
  return { result, profile: { timing: makeTimer ? 'timestamps' : 'wall', dispatches } };
}

/** One line per dispatch and a total, as a markdown table. */
export function formatProfile(p: DispatchProfiles): string {
  const lines = [`| # | dispatch | out shape | ms (${p.timing}) | % | GFLOP/s | GB/s |`, '|---|---|---|---|---|---|---|'];
  const total = p.dispatches.reduce((s, d) => s + d.ms, 0);
  p.dispatches.forEach((d, i) => {
    const gflops = d.flops ? (d.flops / d.ms / 1e6).toFixed(2) : '';
    lines.push(
      `| ${i} | ${d.name} [${d.variant}] | ${d.outShape.join('×')} | ${d.ms.toFixed(2)} | ${((100 * d.ms) / total).toFixed(1)} | ${gflops} | ${(d.bytes / d.ms / 1e6).toFixed(2)} |`,
    );
  });
  const flops = p.dispatches.reduce((s, d) => s + (d.flops ?? 0), 0);
  lines.push(`| | total (${p.dispatches.length} dispatches) | | ${total.toFixed(1)} | 100 | ${(flops / total / 1e6).toFixed(2)} | |`);
  return lines.join('\n');
}
