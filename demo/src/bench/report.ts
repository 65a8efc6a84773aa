/**
 * Benchmark results: one record per case (timings, derived rates, speed-up),
 * the JSON document that collects them with the environment, and the table.
 */
import type { AdapterDescription } from '../../../src/index.js';
import { fmtMs, h } from '../dom.js';
import type { BenchCase, BenchConfig } from './cases.js';
import type { GpuTiming, SideTiming } from './measure.js';

export interface CaseResult {
  op: BenchCase['op'];
  family: string;
  size: number;
  input: number[];
  weight: number[] | null;
  stride: number | null;
  padding: number | null;
  r: number | null;
  /** FLOPs counting only taps that read real input (null for data-movement ops and models). */
  flops: number | null;
  /** Minimum bytes moved (data-movement ops only). */
  bytes: number | null;
  gpu: GpuTiming;
  cpu: SideTiming | null;
  /** CPU warm median ÷ GPU warm median (wall clock). */
  speedup: number | null;
  /** Rates from the warm medians (wall clock). */
  gpuGflops: number | null;
  cpuGflops: number | null;
  gpuGBps: number | null;
  cpuGBps: number | null;
}

export interface BenchReport {
  schema: 'webgpu-upsample-bench/1';
  date: string;
  userAgent: string;
  adapter: AdapterDescription;
  features: string[];
  timestampQuery: boolean;
  crossOriginIsolated: boolean;
  timer: { performanceNowResolutionMs: number; gpuTimestampGranularityNs: number | null };
  config: BenchConfig;
  notes: string[];
  results: CaseResult[];
  skipped: { op: string; reason: string }[];
}

const rate = (amount: number | undefined, ms: number | undefined, unit: number): number | null =>
  amount !== undefined && ms !== undefined && ms > 0 ? amount / (ms / 1000) / unit : null;

/** One case's record: timings plus rates (GFLOP/s, GB/s) and speed-up from the warm medians. */
export function toResult(c: BenchCase, gpu: GpuTiming, cpu: SideTiming | null): CaseResult {
  return {
    op: c.op, family: c.family, size: c.size, input: c.xShape, weight: c.wShape ?? null,
    stride: c.stride ?? null, padding: c.padding ?? null, r: c.r ?? null,
    flops: c.flops ?? null, bytes: c.bytes ?? null, gpu, cpu,
    speedup: cpu && gpu.warmMedianMs > 0 ? cpu.warmMedianMs / gpu.warmMedianMs : null,
    gpuGflops: rate(c.flops, gpu.warmMedianMs, 1e9),
    cpuGflops: rate(c.flops, cpu?.warmMedianMs, 1e9),
    gpuGBps: rate(c.bytes, gpu.warmMedianMs, 1e9),
    cpuGBps: rate(c.bytes, cpu?.warmMedianMs, 1e9),
  };
}

const num = (v: number | null, digits = 3): string => (v === null || !Number.isFinite(v) ? '—' : v.toPrecision(digits));
const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : fmtMs(v));

/** Fills `el` with the results table. */
export function renderTable(el: HTMLElement, results: CaseResult[], timestamps: boolean): void {
  const head = [
    'case', 'size', 'GPU cold', 'compiles', 'GPU warm', ...(timestamps ? ['GPU timestamps'] : []),
    'CPU cold', 'CPU warm', 'speed-up', 'GPU GFLOP/s', 'CPU GFLOP/s', 'GPU GB/s', 'CPU GB/s',
  ];
  const rows = results.map((r) =>
    h('tr', {},
      h('td', {}, r.family), h('td', {}, `${r.size}²`),
      h('td', {}, ms(r.gpu.coldMs)), h('td', {}, String(r.gpu.compiles)), h('td', {}, ms(r.gpu.warmMedianMs)),
      ...(timestamps ? [h('td', {}, ms(r.gpu.timestampMedianMs))] : []),
      h('td', {}, ms(r.cpu?.coldMs)), h('td', {}, ms(r.cpu?.warmMedianMs)),
      h('td', {}, r.speedup === null ? '—' : `${num(r.speedup)}×`),
      h('td', {}, num(r.gpuGflops)), h('td', {}, num(r.cpuGflops)), h('td', {}, num(r.gpuGBps)), h('td', {}, num(r.cpuGBps)),
    ),
  );
  el.replaceChildren(
    h('table', { class: 'results' },
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))),
      h('tbody', {}, ...rows),
    ),
  );
}
