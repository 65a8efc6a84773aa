/**
 * CPU baselines, run in Node: our CPU reference kernels (src/cpu, plain loops:
 * the specification, not a tuned path; runModelGraph for whole models),
 * onnxruntime-node's CPU provider on the same ONNX models as ORT-web, and, for
 * model cases, our CPU backend (createOrtRunner on onnxruntime-node, our own
 * ONNX export of the graph). Same inputs as the page (caseData with the same
 * seed), same cold/warm protocol; no readback to pay here.
 */
import * as ort from 'onnxruntime-node';
import * as cpu from '../src/cpu/index.js';
import { describeLayersModel, parseLayersModel } from '../src/model/index.js';
import { readPackagedModel } from '../src/model/load-node.js';
import type { ModelGraph } from '../src/model/ir.js';
import { createOrtRunner } from '../src/upscale/ort-runner.js';
import type { TileRunner } from '../src/upscale/runner.js';
import { inputShape, summarize, type BenchCase, type CaseData, type ModelCase, type Summary } from './cases.js';
import { caseOnnxModel, graphOnnxModel } from './onnx-models.js';

/** The case's network, parsed from the installed package (the same files the page fetches). */
function caseGraph(c: ModelCase): ModelGraph {
  const src = readPackagedModel(c.pkg, c.scale);
  return parseLayersModel(src.modelJson, src.weightShards);
}

export type CpuResult =
  | { status: 'ok'; coldMs: number; warm: Summary | null; note?: string }
  | { status: 'error'; error: string }
  | { status: 'skipped'; reason: string };

async function timeLoop(call: () => Promise<unknown> | unknown, reps: number, budgetMs: number): Promise<CpuResult> {
  let t0 = performance.now();
  await call();
  const coldMs = performance.now() - t0;
  if (coldMs > budgetMs)
    return { status: 'ok', coldMs, warm: null, note: `cold run ${coldMs.toFixed(0)} ms > budget ${budgetMs} ms: warm reps skipped` };
  const ms: number[] = [];
  let note: string | undefined;
  for (let i = 0; i < reps; i++) {
    t0 = performance.now();
    await call();
    ms.push(performance.now() - t0);
    if (ms[i] > budgetMs && i < reps - 1) {
      note = `stopped after ${i + 1} warm reps (budget ${budgetMs} ms)`;
      break;
    }
  }
  return { status: 'ok', coldMs, warm: summarize(ms), ...(note ? { note } : {}) };
}

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Our CPU reference on one case. */
export async function runCpuReference(c: BenchCase, d: CaseData, reps: number, budgetMs: number): Promise<CpuResult> {
  try {
    const x = cpu.cpuTensor(d.x, inputShape(c));
    if (c.op === 'model') {
      const graph = caseGraph(c);
      return await timeLoop(() => cpu.runModelGraph(graph, x), reps, budgetMs);
    }
    if (c.op === 'pixelShuffle') return await timeLoop(() => cpu.pixelShuffle(x, c.r), reps, budgetMs);
    if (c.op === 'convTranspose2d') {
      const w = cpu.cpuTensor(d.w!, [c.cin, c.cout, c.k, c.k]);
      const b = cpu.cpuTensor(d.b!, [c.cout]);
      return await timeLoop(() => cpu.convTranspose2d(x, w, b, { stride: c.s, padding: c.p, outputPadding: c.op_ }), reps, budgetMs);
    }
    const w = cpu.cpuTensor(d.w!, [c.cout, c.cin, c.k, c.k]);
    const b = cpu.cpuTensor(d.b!, [c.cout]);
    return await timeLoop(() => cpu.conv2d(x, w, b, { padding: c.p }), reps, budgetMs);
  } catch (e) {
    return { status: 'error', error: errorText(e) };
  }
}

/** onnxruntime-node CPU EP on the case's one-node model; session creation is not timed. */
export async function runOrtNode(c: BenchCase, d: CaseData, reps: number, budgetMs: number): Promise<CpuResult> {
  let session: ort.InferenceSession | null = null;
  try {
    const bytes = c.op === 'model' ? graphOnnxModel(caseGraph(c), c.h, c.h) : caseOnnxModel(c, d.w, d.b)!;
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    const s = session;
    const feed = new ort.Tensor('float32', d.x, inputShape(c));
    return await timeLoop(async () => (await s.run({ x: feed })).y.data, reps, budgetMs);
  } catch (e) {
    return { status: 'error', error: errorText(e) };
  } finally {
    await session?.release();
  }
}

/**
 * Our CPU backend on a model case: the TileRunner that `upscale(runner, …)`
 * uses without a GPU (createOrtRunner: the graph exported by src/onnx/export.ts,
 * one onnxruntime-node CPU session), timed as one `runModel` on the whole
 * input, like one call of ours on WebGPU (no tiling). Export and session
 * creation are not timed. Other ops have no CPU backend of their own: skipped.
 */
export async function runOursCpuBackend(c: BenchCase, d: CaseData, reps: number, budgetMs: number): Promise<CpuResult> {
  if (c.op !== 'model') return { status: 'skipped', reason: 'models only' };
  let runner: TileRunner | null = null;
  try {
    const model = describeLayersModel(readPackagedModel(c.pkg, c.scale)); // carries the package's input range
    runner = await createOrtRunner(ort, model, { sessionOptions: { executionProviders: ['cpu'] } });
    const r = runner;
    return await timeLoop(() => r.runModel(d.x, [3, c.h, c.h]), reps, budgetMs);
  } catch (e) {
    return { status: 'error', error: errorText(e) };
  } finally {
    await runner?.dispose();
  }
}
