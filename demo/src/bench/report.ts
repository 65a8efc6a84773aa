/**
 * Benchmark results: one record per case (each contender's timings, speed-up
 * and output difference from the CPU reference), the JSON document that
 * collects them with the environment, and the table.
 */
import type { AdapterDescription } from '../../../src/index.js';
import { fmtMs, h } from '../dom.js';
import type { BenchCase, BenchConfig, Contender } from './cases.js';
import type { CallTiming, OursTiming } from './measure.js';

/** What one contender did on one case. */
export type ContenderResult =
  | (CallTiming & {
      status: 'ok';
      /** Untimed preparation (weight upload and layout conversion, ONNX session creation), ms; peers only. */
      setupMs?: number;
      /** How a peer was driven. */
      note?: string;
      /** max |this − CPU reference| over the output (null when the reference was not run). */
      maxAbsDiffVsRef: number | null;
      /** max |this − ours| (null when ours did not run). */
      maxAbsDiffVsOurs: number | null;
      /** This contender's warm median ÷ ours (> 1: ours is faster); null for ours itself. */
      timeVsOurs: number | null;
    })
  | { status: 'error'; error: string }
  | { status: 'skipped'; reason: string };

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
  contenders: Record<Contender, ContenderResult>;
  /**
   * Ours without the read-back (flush) and from GPU timestamps, and its rates
   * from the flush median (the op's own work, as close as wall clock gets); null when ours did not run.
   */
  ours: (Omit<OursTiming, keyof CallTiming> & { gflops: number | null; gbps: number | null }) | null;
  /** The CPU reference: its one call's time, and max |v| of its output (the scale the differences compare with). */
  reference: { ms: number; absMax: number } | null;
}

export interface BenchReport {
  schema: 'webgpu-upsample-bench/2';
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

const rate = (amount: number | undefined, ms: number, unit: number): number | null =>
  amount !== undefined && ms > 0 ? amount / (ms / 1000) / unit : null;

/** A contender's ok result; comparisons are filled in by `compare` and the caller. */
export function okResult(t: CallTiming, extra: { setupMs?: number; note?: string } = {}): ContenderResult {
  return { status: 'ok', ...t, ...extra, maxAbsDiffVsRef: null, maxAbsDiffVsOurs: null, timeVsOurs: null };
}

/** Ours' extra timings with GFLOP/s and GB/s from the flush median. */
export function oursExtra(c: BenchCase, t: OursTiming): NonNullable<CaseResult['ours']> {
  const { compiles, flushMs, flushMedianMs, timestampMs, timestampMedianMs } = t;
  return {
    compiles,
    flushMs,
    flushMedianMs,
    timestampMs,
    timestampMedianMs,
    gflops: rate(c.flops, flushMedianMs, 1e9),
    gbps: rate(c.bytes, flushMedianMs, 1e9),
  };
}

/** One case's record. */
export function toCaseResult(
  c: BenchCase,
  contenders: CaseResult['contenders'],
  ours: CaseResult['ours'],
  reference: CaseResult['reference'],
): CaseResult {
  return {
    op: c.op,
    family: c.family,
    size: c.size,
    input: c.xShape,
    weight: c.wShape ?? null,
    stride: c.stride ?? null,
    padding: c.padding ?? null,
    r: c.r ?? null,
    flops: c.flops ?? null,
    bytes: c.bytes ?? null,
    contenders,
    ours,
    reference,
  };
}

/** Fills in each contender's warm time ÷ ours. */
export function compare(results: Record<Contender, ContenderResult>): void {
  const ours = results.ours;
  for (const [name, r] of Object.entries(results)) {
    if (r.status !== 'ok' || name === 'ours' || ours.status !== 'ok' || !(ours.warmMedianMs > 0)) continue;
    r.timeVsOurs = r.warmMedianMs / ours.warmMedianMs;
  }
}

const num = (v: number | null, digits = 3): string => (v === null || !Number.isFinite(v) ? '—' : v.toPrecision(digits));
const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : fmtMs(v));
const diff = (v: number | null): string => (v === null ? '—' : v === 0 ? '0' : v.toExponential(1));

/** A cell for a contender that did not run: '—', or 'error' with the message on hover. */
function missing(r: ContenderResult): HTMLTableCellElement {
  return r.status === 'error'
    ? h('td', { class: 'error', title: r.error }, 'error')
    : h('td', { title: r.status === 'skipped' ? r.reason : '' }, '—');
}

const SHORT: Record<Contender, string> = { ours: 'ours', 'tfjs-webgpu': 'tfjs', 'ort-webgpu': 'ORT WebGPU', 'ort-wasm': 'ORT WASM' };

function table(el: HTMLElement, head: string[], rows: HTMLTableCellElement[][]): void {
  el.replaceChildren(
    h(
      'table',
      { class: 'results' },
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))),
      h('tbody', {}, ...rows.map((cells) => h('tr', {}, ...cells))),
    ),
  );
}

/**
 * Fills `times` with the timings (ours' columns, then each peer's warm median
 * with its ratio to ours) and `outputs` with each contender's max |Δ| from the
 * CPU reference, for the contenders in `shown`.
 */
export function renderTables(
  times: HTMLElement,
  outputs: HTMLElement,
  results: CaseResult[],
  shown: Contender[],
  timestamps: boolean,
): void {
  const peers = shown.filter((n) => n !== 'ours');
  const hasOurs = shown.includes('ours');
  const oursHead = ['ours cold', 'compiles', 'ours warm', 'ours flush', ...(timestamps ? ['ours GPU ts'] : []), 'GFLOP/s', 'GB/s'];
  table(
    times,
    ['case', 'size', ...(hasOurs ? oursHead : []), ...peers.map((n) => `${SHORT[n]} warm${hasOurs ? ' (÷ ours)' : ''}`)],
    results.map((r) => {
      const cells = [h('td', {}, r.family), h('td', {}, `${r.size}²`)];
      const o = r.contenders.ours;
      if (hasOurs && o.status === 'ok' && r.ours) {
        cells.push(
          h('td', {}, ms(o.coldMs)),
          h('td', {}, String(r.ours.compiles)),
          h('td', {}, ms(o.warmMedianMs)),
          h('td', {}, ms(r.ours.flushMedianMs)),
        );
        if (timestamps) cells.push(h('td', {}, ms(r.ours.timestampMedianMs)));
        cells.push(h('td', {}, num(r.ours.gflops)), h('td', {}, num(r.ours.gbps)));
      } else if (hasOurs) {
        cells.push(missing(o), ...oursHead.slice(1).map(() => h('td', {}, '—')));
      }
      for (const n of peers) {
        const p = r.contenders[n];
        const ratio = p.status === 'ok' && p.timeVsOurs !== null ? ` (${num(p.timeVsOurs)}×)` : '';
        cells.push(p.status === 'ok' ? h('td', { title: p.note ?? '' }, `${ms(p.warmMedianMs)}${ratio}`) : missing(p));
      }
      return cells;
    }),
  );
  table(
    outputs,
    ['case', 'size', 'reference time', 'max |ref|', ...shown.map((n) => `|Δ| ${SHORT[n]}`)],
    results.map((r) => [
      h('td', {}, r.family),
      h('td', {}, `${r.size}²`),
      h('td', {}, r.reference ? ms(r.reference.ms) : '—'),
      h('td', {}, r.reference ? num(r.reference.absMax) : '—'),
      ...shown.map((n) => {
        const p = r.contenders[n];
        return p.status === 'ok' ? h('td', {}, diff(p.maxAbsDiffVsRef)) : missing(p);
      }),
    ]),
  );
}
