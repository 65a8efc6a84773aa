/**
 * Timing one benchmark case on each contender, and its CPU reference output.
 *
 * Every contender is timed the same way, so their times divide: one call =
 * dispatch the op on an input already where the contender computes (GPU
 * memory for the WebGPU ones, CPU memory for ORT-web WASM), then await the
 * output on the CPU (read-back included). Cold is the first call (shader
 * compilation included, `compiles` counts ours); warm is the median of the
 * next `reps` calls. Weight upload, layout conversion and ONNX session
 * creation happen before, untimed (`setupMs`).
 *
 * Ours is also timed without the read-back, as "call the op, then await
 * engine.flush()" (queue idle), and, where the device has timestamp queries,
 * between two queue timestamps (./gpu-timer.ts).
 *
 * The CPU reference kernels (src/cpu) are the correctness baseline, not a
 * speed contender: each case runs on them once, and every contender's output
 * is compared with theirs.
 */
import type { PeerJob, PeerSession } from '../../../bench/peers/job.js';
import * as cpu from '../../../src/cpu/index.js';
import type { Engine, Tensor } from '../../../src/index.js';
import type { ModelGraph } from '../../../src/model/ir.js';
import type { UpscaleModel } from '../../../src/model/types.js';
import { seededRandom } from '../weights.js';
import type { BenchCase } from './cases.js';
import type { QueueTimer } from './gpu-timer.js';

/** Cold and warm times of one contender on one case (one call = dispatch + read-back). */
export interface CallTiming {
  coldMs: number;
  /** Per-call times of the warm calls. */
  warmMs: number[];
  warmMedianMs: number;
}

export interface OursTiming extends CallTiming {
  /** Shader pipelines compiled during the cold call (0: this variant was already cached). */
  compiles: number;
  /** Warm "call the op, then await engine.flush()" times: no read-back. */
  flushMs: number[];
  flushMedianMs: number;
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

/** A case's data, the same for every contender: x and w uniform in [−1, 1), a model's input scaled into its range. */
export interface CaseInputs {
  x: Float32Array;
  w: Float32Array | null;
}

export function caseInputs(c: BenchCase, model: UpscaleModel | null): CaseInputs {
  const x = randomArray(count(c.xShape), 1);
  if (c.op === 'model') {
    const [lo, hi] = model?.inputRange ?? [0, 1];
    return { x: x.map((v) => lo + ((v + 1) / 2) * (hi - lo)), w: null };
  }
  return { x, w: c.wShape ? randomArray(count(c.wShape), 2) : null };
}

/** The case as a peer job (bench/peers). `modelUrl`: the model.json of a model case, absolute. */
export function caseJob(c: BenchCase, d: CaseInputs, modelUrl: string, scale: number): PeerJob {
  switch (c.op) {
    case 'convTranspose2d':
      return {
        op: c.op,
        x: d.x,
        xShape: c.xShape,
        w: d.w!,
        wShape: c.wShape!,
        b: null,
        stride: c.stride!,
        padding: c.padding!,
        outputPadding: 0,
      };
    case 'conv2d':
      return { op: c.op, x: d.x, xShape: c.xShape, w: d.w!, wShape: c.wShape!, b: null, padding: c.padding! };
    case 'pixelShuffle':
      return { op: c.op, x: d.x, xShape: c.xShape, r: c.r! };
    case 'model':
      return { op: c.op, x: d.x, xShape: c.xShape, modelUrl, scale };
  }
}

/** Runs `call` once cold and `reps` times warm; returns the times and the cold output. */
async function timeCalls(
  call: () => Promise<Float32Array>,
  reps: number,
  signal?: AbortSignal,
): Promise<{ timing: CallTiming; output: Float32Array }> {
  signal?.throwIfAborted();
  let t0 = performance.now();
  const output = await call();
  const coldMs = performance.now() - t0;
  const warmMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    signal?.throwIfAborted(); // Stop lands between calls (a model case's call can take seconds on a software adapter)
    t0 = performance.now();
    await call();
    warmMs.push(performance.now() - t0);
  }
  return { timing: { coldMs, warmMs, warmMedianMs: median(warmMs) }, output };
}

/** Our engine on one case (see the file comment); frees its inputs. */
export async function timeOurs(
  engine: Engine,
  c: BenchCase,
  d: CaseInputs,
  reps: number,
  timer: QueueTimer | null,
  model: UpscaleModel | null,
  signal?: AbortSignal,
): Promise<{ timing: OursTiming; output: Float32Array }> {
  const x = engine.tensor(d.x, c.xShape);
  const free: Tensor[] = [x];
  try {
    let run: () => Tensor;
    if (c.op === 'model') {
      if (!model) throw new Error('model case without a loaded model');
      run = () => model.run(x);
    } else if (c.op === 'pixelShuffle') {
      run = () => engine.pixelShuffle(x, c.r!);
    } else {
      const w = engine.tensor(d.w!, c.wShape!);
      free.push(w);
      const o = { stride: c.stride, padding: c.padding };
      run = c.op === 'convTranspose2d' ? () => engine.convTranspose2d(x, w, null, o) : () => engine.conv2d(x, w, null, o);
    }
    await engine.flush(); // the upload is not part of any timing
    const compiles0 = engine.stats().pipelines;
    const { timing, output } = await timeCalls(
      async () => {
        const y = run();
        try {
          return await y.read();
        } finally {
          y.dispose();
        }
      },
      reps,
      signal,
    );
    const compiles = engine.stats().pipelines - compiles0;
    const flushMs: number[] = [];
    for (let i = 0; i < reps; i++) {
      signal?.throwIfAborted();
      const t0 = performance.now();
      const y = run();
      await engine.flush();
      flushMs.push(performance.now() - t0);
      y.dispose(); // only returns the buffer to the pool; the work is done
    }
    let timestampMs: number[] | null = null;
    if (timer) {
      timestampMs = [];
      for (let i = 0; i < reps; i++) {
        signal?.throwIfAborted();
        let y: Tensor | null = null;
        const span = await timer.measure(() => (y = run()));
        timestampMs.push(span.ms);
        // The cast undoes TypeScript's narrowing to null (it cannot see the assignment inside the callback).
        (y as Tensor | null)?.dispose();
      }
    }
    return {
      timing: {
        ...timing,
        compiles,
        flushMs,
        flushMedianMs: median(flushMs),
        timestampMs,
        timestampMedianMs: timestampMs ? median(timestampMs) : null,
      },
      output,
    };
  } finally {
    for (const t of free) t.dispose();
  }
}

/** A peer library on one case; its output comes back as NCHW. */
export async function timePeer(
  session: PeerSession,
  reps: number,
  signal?: AbortSignal,
): Promise<{ timing: CallTiming; output: Float32Array }> {
  const { timing, output } = await timeCalls(session.call, reps, signal);
  return { timing, output: session.toNchw(output) };
}

/**
 * The CPU reference's output of a case (src/cpu; a model through
 * runModelGraph, the unfused interpretation of its graph), and how long the
 * one call took (shown, never compared: it is the specification, not a contender).
 */
export function referenceOutput(c: BenchCase, d: CaseInputs, graph: ModelGraph | null): { output: Float32Array; ms: number } {
  const t0 = performance.now();
  const x = cpu.cpuTensor(d.x, c.xShape);
  const w = d.w ? cpu.cpuTensor(d.w, c.wShape!) : null;
  const o = { stride: c.stride, padding: c.padding };
  let y: { data: Float32Array };
  if (c.op === 'model') {
    if (!graph) throw new Error('model case without its graph');
    y = cpu.runModelGraph(graph, x);
  } else if (c.op === 'pixelShuffle') y = cpu.pixelShuffle(x, c.r!);
  else if (c.op === 'convTranspose2d') y = cpu.convTranspose2d(x, w!, null, o);
  else y = cpu.conv2d(x, w!, null, o);
  return { output: y.data, ms: performance.now() - t0 };
}
