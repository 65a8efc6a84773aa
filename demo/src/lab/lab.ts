/**
 * The checkerboard lab: train the same tiny ×2 decoder six ways (methods.ts)
 * on the same patches with the same seed, then score each for checkerboard
 * artifacts on a flat and a smooth input (score.ts). No DOM and no Node
 * imports, so the explorer page and `npm run lab` run this same code.
 */
import { makeTrainingPairs, Sequential, train, type Engine, type Tensor } from '../../../src/index.js';
import { METHODS, SCALE, type Method, type MethodId } from './methods.js';
import { decode, flatInput, score, smoothInput, type Planes } from './score.js';

export interface LabConfig {
  /** Hidden channels C of every decoder. */
  channels: number;
  /** High-res patch size (the decoder sees patch/2). */
  patch: number;
  batch: number;
  /** Training steps per decoder. */
  steps: number;
  /** One seed for the weights and the patches, the same for every method. */
  seed: number;
  /** Adam's learning rate. */
  lr: number;
  /** λ of the checkerboard regularizer in method (f). */
  regularizer: number;
  /** Low-res size of the flat and smooth scoring inputs (outputs are twice that). */
  scoreSize: number;
  /** Which methods to run (default all six, in order). */
  methods?: MethodId[];
}

/** The page's and the command's defaults; the tests pass smaller ones. */
export const DEFAULT_CONFIG: LabConfig = {
  channels: 16,
  patch: 32,
  batch: 8,
  steps: 150,
  seed: 1,
  lr: 1e-2,
  regularizer: 0.1,
  scoreSize: 16,
};

/** RGB planes [3, H, W] in [0, 1]: what makeTrainingPairs takes. */
export interface RgbImage {
  data: Float32Array;
  height: number;
  width: number;
}

export interface LabRow {
  method: MethodId;
  label: string;
  /** The training objective at the last step, as train() reports it (for (f): MSE + λ·penalty). */
  finalLoss: number;
  /** MSE of the trained decoder on one fixed batch (the same for every method; no penalty). */
  evalMse: number;
  /** checkerboardScore of the output for a constant input: 0 = no periodic pattern, 1 = nothing else. */
  flatScore: number;
  /** The same for a smooth ramp. */
  smoothScore: number;
  trainMs: number;
}

export interface LabMethodResult {
  row: LabRow;
  losses: { step: number; loss: number }[];
  outputs: { flat: Planes; smooth: Planes };
}

export interface LabResult {
  config: LabConfig;
  rows: LabRow[];
  curves: Record<string, { step: number; loss: number }[]>;
  methods: LabMethodResult[];
}

export interface LabHooks {
  /** Checked between steps and between methods; the run rejects with its reason. */
  signal?: AbortSignal;
  onStep?: (method: Method, s: { step: number; loss: number }) => void;
  onMethod?: (r: LabMethodResult) => void;
}

/** RGBA or RGB bytes (interleaved) → RGB planes in [0, 1]. */
export function rgbPlanes(bytes: ArrayLike<number>, width: number, height: number, bytesPerPixel: 3 | 4): RgbImage {
  const n = width * height;
  const data = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[c * n + i] = bytes[i * bytesPerPixel + c] / 255;
  return { data, height, width };
}

/** Trains and scores one method. */
export async function runMethod(
  engine: Engine,
  images: RgbImage[],
  cfg: LabConfig,
  method: Method,
  hooks: LabHooks = {},
): Promise<LabMethodResult> {
  hooks.signal?.throwIfAborted();
  const net = new Sequential(engine, method.build(cfg.channels), { seed: cfg.seed });
  try {
    // A fresh pair source with the same seed: every method sees the same patches in the same order.
    const pairs = makeTrainingPairs(engine, images, { patch: cfg.patch, scale: SCALE, batch: cfg.batch, seed: cfg.seed });
    const t0 = performance.now();
    const { losses } = await train(net, {
      pairs,
      steps: cfg.steps,
      loss: 'mse',
      optimizer: { kind: 'adam', lr: cfg.lr },
      regularizer: method.regularized ? { weight: cfg.regularizer } : undefined,
      signal: hooks.signal,
      onStep: (s) => hooks.onStep?.(method, s),
    });
    const trainMs = performance.now() - t0;
    // Seed + 1: patches the run did not start with (the sample is one small image, so not truly held out).
    const evalMse = await batchMse(
      net,
      makeTrainingPairs(engine, images, { patch: cfg.patch, scale: SCALE, batch: 2 * cfg.batch, seed: cfg.seed + 1 }),
    );
    const flat = await decode(net, flatInput(3, cfg.scoreSize));
    const smooth = await decode(net, smoothInput(3, cfg.scoreSize));
    const result: LabMethodResult = {
      row: {
        method: method.id,
        label: method.label,
        finalLoss: losses.length ? losses[losses.length - 1].loss : NaN,
        evalMse,
        flatScore: score(flat, SCALE),
        smoothScore: score(smooth, SCALE),
        trainMs,
      },
      losses,
      outputs: { flat, smooth },
    };
    hooks.onMethod?.(result);
    return result;
  } finally {
    net.dispose();
  }
}

/** MSE of the decoder (inference) on one batch of `pairs`. */
async function batchMse(net: Sequential, pairs: () => { x: Tensor; y: Tensor }): Promise<number> {
  const { x, y } = pairs();
  const owned: Tensor[] = [x, y];
  try {
    const pred = net.forward(x, { training: false });
    owned.push(pred);
    const loss = net.engine.mseLoss(pred, y);
    owned.push(loss);
    return (await loss.read())[0];
  } finally {
    for (const t of owned) t.dispose();
  }
}

/** Runs every method of `cfg` (default all six) one after the other. */
export async function runLab(engine: Engine, images: RgbImage[], cfg: LabConfig, hooks: LabHooks = {}): Promise<LabResult> {
  const methods = cfg.methods ? METHODS.filter((m) => cfg.methods!.includes(m.id)) : [...METHODS];
  const results: LabMethodResult[] = [];
  for (const m of methods) results.push(await runMethod(engine, images, cfg, m, hooks));
  return {
    config: cfg,
    rows: results.map((r) => r.row),
    curves: Object.fromEntries(results.map((r) => [r.row.method, r.losses])),
    methods: results,
  };
}

/** A number for a table: 4 significant digits, exponent form when tiny. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  return Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toPrecision(4);
}

/** The result table in Markdown (what `npm run lab` prints and the README shows). */
export function markdownTable(rows: LabRow[]): string {
  const lines = ['| method | final training loss | MSE, fixed batch | flat score | smooth score |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const r of rows)
    lines.push(`| ${r.label} | ${fmtNum(r.finalLoss)} | ${fmtNum(r.evalMse)} | ${fmtNum(r.flatScore)} | ${fmtNum(r.smoothScore)} |`);
  return lines.join('\n');
}
