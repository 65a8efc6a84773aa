/**
 * The benchmark sweep: which ops at which shapes, from URL parameters, with
 * the work each case does (FLOPs over taps that touch real input, or bytes
 * moved). Pure: no DOM, no GPU.
 */
import type { PeerId } from '../../../bench/peers/job.js';
import { conv2dWork, convTranspose2dWork, dataMovementBytes } from '../../../src/ops/flops.js';
import { intListParam, intParam } from '../dom.js';

export type BenchOp = 'convTranspose2d' | 'pixelShuffle' | 'conv2d' | 'model';
export const ALL_OPS: readonly BenchOp[] = ['convTranspose2d', 'pixelShuffle', 'conv2d', 'model'];

/** What is timed: our engine, and the peer libraries of bench/peers. */
export type Contender = 'ours' | PeerId;
export const ALL_CONTENDERS: readonly Contender[] = ['ours', 'tfjs-webgpu', 'ort-webgpu', 'ort-wasm'];
export const CONTENDER_LABELS: Record<Contender, string> = {
  ours: 'ours (WebGPU)',
  'tfjs-webgpu': 'TensorFlow.js WebGPU',
  'ort-webgpu': 'ORT-web WebGPU',
  'ort-wasm': 'ORT-web WASM',
};

export interface BenchConfig {
  /** Input heights = widths. Small by default: SwiftShader runs shaders on the CPU. */
  sizes: number[];
  /** Channel counts (Cin = Cout for the convolutions; C of the shuffled output). */
  channels: number[];
  /** Kernel sizes and strides of the convTranspose2d sweep (every combination). */
  kernels: number[];
  strides: number[];
  /** pixelShuffle factors. */
  shuffle: number[];
  /** Warm repetitions per case (the median is reported). */
  reps: number;
  /** Check every contender's output against the CPU reference kernels (run once per case, untimed). */
  cpu: boolean;
  ops: BenchOp[];
  contenders: Contender[];
  /** Input size of the model case. */
  modelSize: number;
  modelId: string;
}

export const DEFAULT_CONFIG: BenchConfig = {
  sizes: [16, 32, 64],
  channels: [4, 16],
  kernels: [2, 3, 4],
  strides: [1, 2],
  shuffle: [2],
  reps: 5,
  cpu: true,
  ops: [...ALL_OPS],
  contenders: [...ALL_CONTENDERS],
  modelSize: 32,
  modelId: 'esrgan-slim-x2',
};

/**
 * The default suite on a software adapter (SwiftShader runs shaders on the
 * CPU, ~100× slower than a GPU): fewer sizes, channels and kernels, 3
 * repetitions, a 24² model case, so a first Run ends in a few minutes; every
 * field can still be raised in the form.
 */
export const QUICK_SOFTWARE_CONFIG: Partial<BenchConfig> = {
  sizes: [16, 32],
  channels: [4],
  kernels: [4],
  strides: [2],
  reps: 3,
  modelSize: 24,
};

/**
 * A rough time for a run, to show before Run: per case and contender a setup
 * (compiling, opening a session) and a cold call plus `reps` warm calls, each
 * a fixed overhead plus the work at a sustained rate; the CPU reference once
 * per case; loading each peer library. The constants are by adapter kind,
 * calibrated on SwiftShader (2 cores: the quick suite, 7 cases × 4
 * contenders, took 1 min 56 s; this gives about 2 min) and guessed for
 * hardware GPUs: an estimate, and the page says so.
 */
export function estimateRunMs(cases: readonly BenchCase[], c: BenchConfig, software: boolean): number {
  const [flopsPerMs, callMs, setupMs, peerLoadMs] = software ? [1e6, 40, 2000, 15_000] : [1e8, 1, 200, 2000];
  const cpuFlopsPerMs = 2e5;
  // The model's work per input pixel (esrgan-slim: ~0.5 MFLOP), for a case that carries no FLOP count.
  const work = (k: BenchCase): number => k.flops ?? (k.bytes ? k.bytes / 4 : 5e5 * k.size * k.size);
  const peers = c.contenders.filter((x) => x !== 'ours').length;
  // Ours runs three timed loops (read back, flush, timestamps), a peer one.
  const loops = (c.contenders.includes('ours') ? 3 : 0) + peers;
  let ms = peers * peerLoadMs;
  for (const k of cases) {
    const call = callMs + work(k) / flopsPerMs;
    ms += c.contenders.length * setupMs + loops * (c.reps + 1) * call + (c.cpu ? work(k) / cpuFlopsPerMs : 0);
  }
  return ms;
}

/** The names of `all` listed in a comma-separated parameter. */
function listParam<T extends string>(p: URLSearchParams, name: string, all: readonly T[]): T[] {
  return (p.get(name) ?? '').split(',').filter((o): o is T => (all as readonly string[]).includes(o));
}

/** Reads a config from URL parameters (`sizes=8,16&channels=4&reps=3&ops=conv2d,pixelShuffle&contenders=ours,ort-wasm&cpu=0`). */
export function configFromParams(p: URLSearchParams): BenchConfig {
  const d = DEFAULT_CONFIG;
  const ops = listParam(p, 'ops', ALL_OPS);
  // An explicit empty list is a choice (no contender: only the reference runs); a missing one means all.
  const contenders = p.has('contenders') ? listParam(p, 'contenders', ALL_CONTENDERS) : [...d.contenders];
  return {
    sizes: intListParam(p, 'sizes', d.sizes),
    channels: intListParam(p, 'channels', d.channels),
    kernels: intListParam(p, 'kernels', d.kernels),
    strides: intListParam(p, 'strides', d.strides),
    shuffle: intListParam(p, 'shuffle', d.shuffle),
    reps: Math.max(1, intParam(p, 'reps', d.reps)),
    cpu: p.get('cpu') !== '0',
    ops: ops.length ? ops : [...d.ops],
    contenders,
    modelSize: Math.max(4, intParam(p, 'modelSize', d.modelSize)),
    modelId: p.get('model') ?? d.modelId,
  };
}

/** The URL parameters that reproduce a config. */
export function configToParams(c: BenchConfig): URLSearchParams {
  return new URLSearchParams({
    sizes: c.sizes.join(','),
    channels: c.channels.join(','),
    kernels: c.kernels.join(','),
    strides: c.strides.join(','),
    shuffle: c.shuffle.join(','),
    reps: String(c.reps),
    cpu: c.cpu ? '1' : '0',
    ops: c.ops.join(','),
    contenders: c.contenders.join(','),
    modelSize: String(c.modelSize),
    model: c.modelId,
  });
}

export interface BenchCase {
  op: BenchOp;
  /** Cases of one family differ only in size (one chart each). */
  family: string;
  size: number;
  xShape: number[];
  /** Weight shape of the convolutions. */
  wShape?: number[];
  stride?: number;
  padding?: number;
  /** pixelShuffle factor. */
  r?: number;
  /** FLOPs counting only taps that read real input (convolutions). */
  flops?: number;
  /** Minimum bytes moved (data-movement ops). */
  bytes?: number;
}

/**
 * Padding that makes a k, s transposed conv produce about s× its input
 * (k − s)/2, rounded down, never negative; so k4 s2 → p1, k3 s2 → p0.
 */
export function convTransposePadding(k: number, s: number): number {
  return Math.max(0, Math.floor((k - s) / 2));
}

/** Every case of the sweep, grouped by channel count, then op, then family, sizes ascending. */
export function buildCases(c: BenchConfig): BenchCase[] {
  const cases: BenchCase[] = [];
  const has = (op: BenchOp): boolean => c.ops.includes(op);
  for (const ch of c.channels) {
    if (has('convTranspose2d')) {
      for (const k of c.kernels) {
        for (const s of c.strides) {
          const padding = convTransposePadding(k, s);
          for (const size of c.sizes) {
            const xShape = [1, ch, size, size];
            const wShape = [ch, ch, k, k];
            const { flops } = convTranspose2dWork(xShape, wShape, { stride: s, padding });
            cases.push({
              op: 'convTranspose2d',
              family: `convT k${k} s${s} p${padding} C${ch}`,
              size,
              xShape,
              wShape,
              stride: s,
              padding,
              flops,
            });
          }
        }
      }
    }
    if (has('pixelShuffle')) {
      for (const r of c.shuffle) {
        for (const size of c.sizes) {
          const xShape = [1, ch * r * r, size, size];
          cases.push({ op: 'pixelShuffle', family: `pixelShuffle r${r} C${ch}`, size, xShape, r, bytes: dataMovementBytes(xShape) });
        }
      }
    }
    if (has('conv2d')) {
      for (const size of c.sizes) {
        const xShape = [1, ch, size, size];
        const wShape = [ch, ch, 3, 3];
        const { flops } = conv2dWork(xShape, wShape, { padding: 1 });
        cases.push({ op: 'conv2d', family: `conv2d 3×3 p1 C${ch}`, size, xShape, wShape, stride: 1, padding: 1, flops });
      }
    }
  }
  if (has('model')) {
    const size = c.modelSize;
    cases.push({ op: 'model', family: `model ${c.modelId}`, size, xShape: [1, 3, size, size] });
  }
  return cases;
}
