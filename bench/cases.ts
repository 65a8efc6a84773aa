/**
 * Benchmark cases, shared by the browser page (bench/page/main.ts) and the
 * Node orchestrator (bench/run.ts). A case is plain data so it can cross
 * `page.evaluate` as JSON. Work counts come from src/ops/flops.ts, the same
 * counter the tests check, so GFLOP/s count only taps that read real input.
 */
import { conv2dWork, convTranspose2dWork, dataMovementBytes } from '../src/ops/flops.js';
import { fpsCaseName, type FpsCase } from './fps/cases.js';

/** convTranspose2d on [1, cin, h, h], PyTorch weight [cin, cout, k, k]. */
export interface ConvTCase {
  op: 'convTranspose2d';
  cin: number;
  cout: number;
  h: number;
  k: number;
  s: number;
  p: number;
  op_: number;
}

/** conv2d on [1, cin, h, h], stride 1, PyTorch weight [cout, cin, k, k]. */
export interface ConvCase {
  op: 'conv2d';
  cin: number;
  cout: number;
  h: number;
  k: number;
  p: number;
}

/** pixelShuffle (PyTorch / ONNX DepthToSpace CRD) on [1, c, h, h]; c must be divisible by r². */
export interface ShuffleCase {
  op: 'pixelShuffle';
  c: number;
  h: number;
  r: number;
}

/** A whole UpscalerJS network on [1, 3, h, h] (ours) / [1, h, h, 3] (tfjs-layers). */
export interface ModelCase {
  op: 'model';
  pkg: 'esrgan-slim' | 'esrgan-medium' | 'esrgan-thick';
  scale: number;
  h: number;
}

/**
 * One training step of a small decoder (bench/train): convT k4 s2 p1 cin→width, relu,
 * conv3×3 width→width, relu, conv3×3 width→cin, on [batch, cin, h, h] → [batch, cin, 2h, 2h];
 * MSE loss, backward, Adam.
 */
export interface TrainCase {
  op: 'train';
  batch: number;
  cin: number;
  width: number;
  h: number;
}

/** One op or one network, run forward (ours, tfjs, ORT-web, CPU baselines). */
export type BenchCase = ConvTCase | ConvCase | ShuffleCase | ModelCase;

/** The op cases and the training steps (bench/train). */
export type SuiteCase = BenchCase | TrainCase;

/** Everything `npm run bench` can run: the suite and the frames-per-second cases (bench/fps). */
export type RunCase = SuiteCase | FpsCase;

const convT = (cin: number, cout: number, h: number, k: number, s: number, p: number, op_ = 0): ConvTCase => ({
  op: 'convTranspose2d',
  cin,
  cout,
  h,
  k,
  s,
  p,
  op_,
});
const conv = (cin: number, cout: number, h: number, k = 3, p = 1): ConvCase => ({ op: 'conv2d', cin, cout, h, k, p });
const shuffle = (c: number, h: number, r: number): ShuffleCase => ({ op: 'pixelShuffle', c, h, r });

/** Stable, filterable name, e.g. `convT k4s2p1 32→32 @64²`, `fps anime4k-s 160×90→320×180`. */
export function caseName(c: RunCase): string {
  switch (c.op) {
    case 'fps':
      return fpsCaseName(c);
    case 'convTranspose2d':
      return `convT k${c.k}s${c.s}p${c.p}${c.op_ ? `op${c.op_}` : ''} ${c.cin}→${c.cout} @${c.h}²`;
    case 'conv2d':
      return `conv2d k${c.k}p${c.p} ${c.cin}→${c.cout} @${c.h}²`;
    case 'pixelShuffle':
      return `pixelShuffle r${c.r} ${c.c}ch @${c.h}²`;
    case 'model':
      return `model ${c.pkg} ×${c.scale} @${c.h}²`;
    case 'train':
      return `train decoder ${c.cin}→${c.width}→${c.width}→${c.cin} b${c.batch} @${c.h}²→${2 * c.h}²`;
  }
}

/** Input shape in NCHW. */
export function inputShape(c: BenchCase): number[] {
  switch (c.op) {
    case 'convTranspose2d':
    case 'conv2d':
      return [1, c.cin, c.h, c.h];
    case 'pixelShuffle':
      return [1, c.c, c.h, c.h];
    case 'model':
      return [1, 3, c.h, c.h];
  }
}

/** PyTorch/ONNX weight shape, or null for weightless cases. */
export function weightShape(c: BenchCase): number[] | null {
  if (c.op === 'convTranspose2d') return [c.cin, c.cout, c.k, c.k];
  if (c.op === 'conv2d') return [c.cout, c.cin, c.k, c.k];
  return null;
}

/** Output side length of a convT case: (h−1)s − 2p + k + op. */
export function convTOutSize(c: ConvTCase): number {
  return (c.h - 1) * c.s - 2 * c.p + c.k + c.op_;
}

/** Useful FLOPs (non-zero taps only) of a conv case; null for others. */
export function caseFlops(c: BenchCase): number | null {
  if (c.op === 'convTranspose2d') {
    return convTranspose2dWork(inputShape(c), weightShape(c)!, { stride: c.s, padding: c.p, outputPadding: c.op_ }).flops;
  }
  if (c.op === 'conv2d') return conv2dWork(inputShape(c), weightShape(c)!, { padding: c.p }).flops;
  return null;
}

/** Minimum bytes moved by a data-movement case (read once + write once); null for others. */
export function caseBytes(c: BenchCase): number | null {
  return c.op === 'pixelShuffle' ? dataMovementBytes(inputShape(c)) : null;
}

/**
 * The issue's training step: batch 8 of 64² patches (32² input), 32 channels (and 64 in --full).
 * On SwiftShader a tfjs step at batch 8 takes ~40 s, over the default budget, so the quick matrix
 * runs batch 2 (the same layers and patch size, a quarter of the work).
 */
const TRAIN_FULL: TrainCase = { op: 'train', batch: 8, cin: 3, width: 32, h: 32 };
const TRAIN_QUICK: TrainCase = { ...TRAIN_FULL, batch: 2 };

/**
 * The default (`--quick`) matrix: every op kind, kernel shape and channel
 * pattern of the full matrix at one size each; a few minutes on SwiftShader.
 */
export const QUICK_CASES: SuiteCase[] = [
  convT(3, 64, 64, 4, 2, 1),
  convT(32, 32, 64, 4, 2, 1),
  convT(64, 64, 64, 4, 2, 1),
  convT(128, 64, 32, 4, 2, 1),
  convT(32, 32, 64, 3, 2, 1, 1),
  convT(32, 32, 64, 2, 2, 0),
  convT(3, 64, 32, 8, 4, 2),
  shuffle(48, 128, 2),
  shuffle(27, 128, 3),
  shuffle(48, 128, 4),
  conv(64, 64, 64),
  { op: 'model', pkg: 'esrgan-slim', scale: 4, h: 32 },
  { op: 'model', pkg: 'esrgan-thick', scale: 4, h: 16 },
  TRAIN_QUICK,
];

/**
 * `--full`: the issue's matrix. On a software adapter the biggest cases take
 * minutes per call for the anchors; a call over the budget ends that
 * implementation's reps for the case (and says so in the notes).
 */
export function fullCases(): SuiteCase[] {
  const out: SuiteCase[] = [];
  const channels: [number, number][] = [
    [3, 64],
    [32, 32],
    [64, 64],
    [128, 64],
  ];
  for (const h of [32, 64, 128, 256]) {
    for (const [cin, cout] of channels) {
      out.push(convT(cin, cout, h, 4, 2, 1), convT(cin, cout, h, 3, 2, 1, 1), convT(cin, cout, h, 2, 2, 0), convT(cin, cout, h, 8, 4, 2));
    }
    out.push(conv(64, 64, h));
  }
  for (const h of [128, 256, 512]) out.push(shuffle(48, h, 2), shuffle(27, h, 3), shuffle(48, h, 4));
  for (const pkg of ['esrgan-slim', 'esrgan-thick'] as const) for (const h of [64, 128, 256]) out.push({ op: 'model', pkg, scale: 4, h });
  out.push(TRAIN_FULL, { ...TRAIN_FULL, width: 64 });
  return out;
}

/** Deterministic pseudo-random floats in [-1, 1) (xorshift32), so every implementation sees the same data. */
export function seededData(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 0x100000000) * 2 - 1;
  }
  return out;
}

/** Median, min and max of a list of times. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(ms: number[]): Summary | null {
  if (ms.length === 0) return null;
  const s = [...ms].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

/** Case data in PyTorch layouts (NCHW input, PyTorch weights); null weights for weightless cases. */
export interface CaseData {
  x: Float32Array;
  w: Float32Array | null;
  b: Float32Array | null;
}

/** The same inputs for every implementation: seeded, PyTorch layouts; model input in its network's range. */
export function caseData(c: BenchCase, seed: number): CaseData {
  const n = inputShape(c).reduce((a, b) => a * b, 1);
  const x = seededData(n, seed);
  // Image values in the range the network expects: [0, 255], or [0, 1] for esrgan-thick (RRDN).
  const top = c.op === 'model' ? (c.pkg === 'esrgan-thick' ? 1 : 255) : 0;
  if (top) for (let i = 0; i < n; i++) x[i] = ((x[i] + 1) / 2) * top;
  const ws = weightShape(c);
  if (!ws) return { x, w: null, b: null };
  // Weights scaled by 1/sqrt(fan-in) so outputs stay O(1) and the diff check is meaningful.
  const fanIn = (c.op === 'convTranspose2d' ? ws[0] : ws[1]) * ws[2] * ws[3];
  const w = seededData(
    ws.reduce((a, b) => a * b, 1),
    seed + 1,
  ).map((v) => v / Math.sqrt(fanIn));
  return { x, w, b: seededData(c.op === 'convTranspose2d' ? ws[1] : ws[0], seed + 2) };
}
