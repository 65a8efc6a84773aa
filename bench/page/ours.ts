/**
 * Our engine on one case: end-to-end calls (dispatch + readback, the same
 * protocol as the anchors) and, separately, `engine.timeGpu` (submit → queue
 * idle wall time, and GPU pass time from timestamp queries when the adapter has them).
 */
import { loadModel, type Engine, type Tensor } from '../../src/index.js';
import { inputShape, summarize, type BenchCase, type CaseData, type Summary } from '../cases.js';
import { fetchLayersModel } from '../peers/job.js';
import type { CopyKernel } from './copy-bandwidth.js';
import { timeCalls, type ImplResult, type TimingConfig } from './measure.js';

/** `engine.timeGpu` reps: wall from submit to queue idle (no readback), and timestamp-query GPU time. */
export interface GpuTiming {
  wall: Summary | null;
  gpu: Summary | null;
}

/** Model URL served by Vite straight from node_modules (the same files tfjs-layers loads). */
export function modelUrl(c: BenchCase & { op: 'model' }): string {
  return `/node_modules/@upscalerjs/${c.pkg}/models/x${c.scale}/model.json`;
}

/** The copy yardstick timed in alternation with our op (data-movement cases). */
export interface CopyTiming {
  bytes: number;
  wall: Summary;
  /** From the wall median. */
  gbps: number;
  /** Pass time from timestamp queries, where the adapter has them. */
  gpu: Summary | null;
}

/**
 * Runs our engine on a case; returns its result, timeGpu reps, and the cold
 * output for cross-checks. With `copy`, every timeGpu rep of our op is followed
 * by one rep of the copy kernel (at least 15 pairs), so the two are measured
 * under the same conditions. `base`: the URL `modelUrl` is resolved against
 * (the page's own; Node, which has no `location`, passes its static server's).
 */
export async function runOurs(
  engine: Engine,
  c: BenchCase,
  data: CaseData,
  cfg: TimingConfig,
  copy?: CopyKernel,
  base: string = location.href,
): Promise<{ result: ImplResult; gpu: GpuTiming | null; output: Float32Array | null; copy?: CopyTiming }> {
  const owned: { dispose(): void }[] = [];
  try {
    const x = engine.tensor(data.x, inputShape(c));
    owned.push(x);
    let op: () => Tensor;
    if (c.op === 'model') {
      const { json, shards } = await fetchLayersModel(new URL(modelUrl(c), base).href);
      const model = loadModel(engine, {
        modelJson: json,
        weightShards: shards,
        name: `${c.pkg}-x${c.scale}`,
        inputRange: c.pkg === 'esrgan-thick' ? [0, 1] : [0, 255],
      });
      owned.push(model);
      op = () => model.run(x);
    } else if (c.op === 'pixelShuffle') {
      op = () => engine.pixelShuffle(x, c.r);
    } else {
      const w = engine.tensor(data.w!, c.op === 'convTranspose2d' ? [c.cin, c.cout, c.k, c.k] : [c.cout, c.cin, c.k, c.k]);
      const b = engine.tensor(data.b!, [c.cout]);
      owned.push(w, b);
      op =
        c.op === 'convTranspose2d'
          ? () => engine.convTranspose2d(x, w, b, { stride: c.s, padding: c.p, outputPadding: c.op_ })
          : () => engine.conv2d(x, w, b, { padding: c.p });
    }
    await engine.flush();
    const { result, output } = await timeCalls(async () => {
      const y = op();
      try {
        return await y.read();
      } finally {
        y.dispose();
      }
    }, cfg);
    const walls: number[] = [];
    const gpus: number[] = [];
    const copies: number[] = [];
    const copyGpus: number[] = [];
    const reps = result.warm ? (copy ? Math.max(15, result.warm.n) : result.warm.n) : 0;
    for (let i = 0; i < reps; i++) {
      const t = await engine.timeGpu(op);
      t.result.dispose();
      walls.push(t.wallMs);
      if (t.gpuMs !== null) gpus.push(t.gpuMs);
      if (copy) {
        const ct = await copy.once();
        copies.push(ct.wallMs);
        if (ct.gpuMs !== null) copyGpus.push(ct.gpuMs);
      }
    }
    const copyWall = summarize(copies);
    const copyTiming =
      copy && copyWall
        ? { bytes: copy.bytes, wall: copyWall, gbps: copy.bytes / (copyWall.median * 1e6), gpu: summarize(copyGpus) }
        : undefined;
    return { result, gpu: { wall: summarize(walls), gpu: summarize(gpus) }, output, ...(copyTiming ? { copy: copyTiming } : {}) };
  } finally {
    for (const o of owned.reverse()) o.dispose();
    engine.trim();
  }
}
