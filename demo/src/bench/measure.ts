/**
 * Timing one benchmark case on the engine and on the CPU reference kernels.
 *
 * Cold and warm are kept apart. Cold is the first call of a case: it includes
 * compiling the shader when this variant is new (`compiles` says whether it
 * was) and prepacking the weights, which the engine caches per weight tensor.
 * Warm is the median of the next `reps` calls. Wall clock on the GPU side is
 * "call the op, then await engine.flush()" (queue idle), so it includes the
 * op's encoding, submit and the browser's completion round trip; input upload
 * and read-back are outside it. A warm CPU sample repeats an op that is faster
 * than MIN_SAMPLE_MS and reports the time per call, so tiny cases are not
 * rounded to the timer's step.
 */
import * as cpu from '../../../src/cpu/index.js';
import type { Engine, Tensor } from '../../../src/index.js';
import type { UpscaleModel } from '../../../src/model/types.js';
import { seededRandom } from '../weights.js';
import type { BenchCase } from './cases.js';
import type { QueueTimer } from './gpu-timer.js';

export interface SideTiming {
  coldMs: number;
  /** Per-call times of the warm samples. */
  warmMs: number[];
  warmMedianMs: number;
  /** Calls averaged in each warm sample (> 1 only for ops faster than MIN_SAMPLE_MS). */
  callsPerSample: number;
}

/**
 * A warm CPU sample repeats a fast op until it spans this long, so that
 * performance.now()'s step (5 µs isolated, 100 µs otherwise) is under 1% of it.
 */
export const MIN_SAMPLE_MS = 2;

export interface GpuTiming extends SideTiming {
  /** Shader pipelines compiled during the cold call (0: this variant was already cached). */
  compiles: number;
  /** Queue-bracketed GPU timestamps of warm calls, ms (null without 'timestamp-query'). */
  timestampMs: number[] | null;
  timestampMedianMs: number | null;
}

/** Median (mean of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function randomArray(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The case as a closure over uploaded inputs, and what to free afterwards. */
function gpuOp(engine: Engine, c: BenchCase, model: UpscaleModel | null): { run: () => Tensor; free: Tensor[] } {
  if (c.op === 'model') {
    if (!model) throw new Error('model case without a loaded model');
    // Models take RGB in their input range; scale the noise into it.
    const [lo, hi] = model.inputRange;
    const img = engine.tensor(randomArray(count(c.xShape), 1).map((v) => lo + ((v + 1) / 2) * (hi - lo)), c.xShape);
    return { run: () => model.run(img), free: [img] };
  }
  const x = engine.tensor(randomArray(count(c.xShape), 1), c.xShape);
  if (c.op === 'pixelShuffle') return { run: () => engine.pixelShuffle(x, c.r!), free: [x] };
  const w = engine.tensor(randomArray(count(c.wShape!), 2), c.wShape!);
  const o = { stride: c.stride, padding: c.padding };
  const run = c.op === 'convTranspose2d' ? () => engine.convTranspose2d(x, w, null, o) : () => engine.conv2d(x, w, null, o);
  return { run, free: [x, w] };
}

/** Cold, warm and (with a timer) queue-timestamp times of one case on the engine; frees its inputs. */
export async function timeGpu(engine: Engine, c: BenchCase, reps: number, timer: QueueTimer | null, model: UpscaleModel | null): Promise<GpuTiming> {
  const { run, free } = gpuOp(engine, c, model);
  try {
    await engine.flush(); // the upload is not part of any timing
    const compiles0 = engine.stats().pipelines;
    let t0 = performance.now();
    run().dispose(); // dispose only returns the buffer to the pool; the work is already submitted
    await engine.flush();
    const coldMs = performance.now() - t0;
    const compiles = engine.stats().pipelines - compiles0;
    const warmMs: number[] = [];
    for (let i = 0; i < reps; i++) {
      t0 = performance.now();
      const y = run();
      await engine.flush();
      warmMs.push(performance.now() - t0);
      y.dispose();
    }
    let timestampMs: number[] | null = null;
    if (timer) {
      timestampMs = [];
      for (let i = 0; i < reps; i++) {
        let y: Tensor | null = null;
        const span = await timer.measure(() => (y = run()));
        timestampMs.push(span.ms);
        // The cast undoes TypeScript's narrowing to null (it cannot see the assignment inside the callback).
        (y as Tensor | null)?.dispose();
      }
    }
    return {
      coldMs, warmMs, warmMedianMs: median(warmMs), callsPerSample: 1, compiles,
      timestampMs, timestampMedianMs: timestampMs ? median(timestampMs) : null,
    };
  } finally {
    for (const t of free) t.dispose();
  }
}

/**
 * The same case on the CPU reference kernels (synchronous). Cold is the first
 * call (including the JIT warming up); warm samples average `calls` calls.
 */
export function timeCpu(c: BenchCase, reps: number): SideTiming | null {
  if (c.op === 'model') return null; // the CPU reference has no network runner
  const x = cpu.cpuTensor(randomArray(count(c.xShape), 1), c.xShape);
  const w = c.wShape ? cpu.cpuTensor(randomArray(count(c.wShape), 2), c.wShape) : null;
  const o = { stride: c.stride, padding: c.padding };
  const run =
    c.op === 'pixelShuffle' ? () => cpu.pixelShuffle(x, c.r!)
    : c.op === 'convTranspose2d' ? () => cpu.convTranspose2d(x, w!, null, o)
    : () => cpu.conv2d(x, w!, null, o);
  let t0 = performance.now();
  run();
  const coldMs = performance.now() - t0;
  // Calibrate: double the calls per sample until one sample spans MIN_SAMPLE_MS.
  let calls = 1;
  for (;;) {
    t0 = performance.now();
    for (let j = 0; j < calls; j++) run();
    if (performance.now() - t0 >= MIN_SAMPLE_MS || calls >= 1 << 16) break;
    calls *= 2;
  }
  const warmMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    t0 = performance.now();
    for (let j = 0; j < calls; j++) run();
    warmMs.push((performance.now() - t0) / calls);
  }
  return { coldMs, warmMs, warmMedianMs: median(warmMs), callsPerSample: calls };
}
