/**
 * Markdown for a benchmark run: the WebGPU table (ours vs the anchors, same
 * page, same adapter), the CPU-baseline table, our CPU backend on the model
 * cases (ORT-web WASM in the page, onnxruntime-node in Node) against our
 * WebGPU path, the training steps (ours vs tfjs, with their losses compared
 * step by step), the frames-per-second cases (bench/fps: GPU-resident vs CPU
 * round trip vs WebSR, with the issue's targets), and every anchor that could
 * not run with its exact error.
 */
import { caseBytes, caseFlops } from './cases.js';
import type { CpuResult } from './cpu-baselines.js';
import { FPS_METHOD, fpsNotes, fpsTable } from './fps/report.js';
import type { ImplResult } from './page/measure.js';
import type { PageReport } from './page/main.js';

/** One case's Node-side results, in the order of the page's results. */
export interface CpuCaseResult {
  name: string;
  cpuRef: CpuResult;
  ortNode: CpuResult;
  /** Our CPU backend (createOrtRunner on onnxruntime-node): model cases; absent in runs from before it existed. */
  oursCpu?: CpuResult;
}

export interface BenchRun {
  schema: 'webgpu-upsample-anchor-bench/1';
  date: string;
  mode: 'quick' | 'full';
  argv: string[];
  reps: number;
  budgetMs: number;
  /** The host the run came from (Node's view; the page reports the adapter). */
  machine: { cpu: string; cores: number; memGiB: number; node: string; platform: string };
  page: PageReport;
  cpu: CpuCaseResult[];
}

const ms = (v: number | undefined | null): string =>
  v === undefined || v === null || !Number.isFinite(v) ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);

function cold(r: ImplResult | CpuResult): string {
  if (r.status === 'ok') return ms(r.coldMs);
  return r.status === 'error' ? 'error' : 'skip';
}

function warm(r: ImplResult | CpuResult): string {
  if (r.status !== 'ok') return r.status === 'error' ? 'error' : 'skip';
  if (!r.warm) return '– (over budget)';
  return `${ms(r.warm.median)} (${ms(r.warm.min)}–${ms(r.warm.max)})`;
}

function median(r: ImplResult | CpuResult): number | null {
  return r.status === 'ok' && r.warm ? r.warm.median : null;
}

/** theirs / ours: > 1 means ours is faster. */
function ratio(ours: number | null, theirs: number | null): string {
  return ours && theirs ? `${(theirs / ours).toFixed(2)}×` : '–';
}

/**
 * Ours against an anchor: the warm ratio, or, where either side's first call
 * ran over the budget (so neither has warm reps to compare), the ratio of the cold calls, marked.
 */
function versus(ours: ImplResult, theirs: ImplResult): string {
  const w = ratio(median(ours), median(theirs));
  if (w !== '–' || ours.status !== 'ok' || theirs.status !== 'ok') return w;
  return `${ratio(ours.coldMs, theirs.coldMs)} (cold)`;
}

const loss = (v: number | undefined): string => (v === undefined ? '–' : v.toPrecision(5));

/** The training-step cases (none: no lines): ms per step, ours vs tfjs, and how well their losses agree. */
function trainTable(p: PageReport): string[] {
  const rows = p.results.filter((r) => r.train);
  if (rows.length === 0) return [];
  return [
    '',
    'Training steps (bench/train): forward + MSE loss + backward + Adam update of the decoder, from the same initial weights on the same batch; one call = one step with its loss read back (cold = the first step, compilation included; warm = median (min–max) of the next steps). "steps" = steps both sides took, whose losses are compared: "max rel. Δ" = max |ours − tfjs| / |tfjs| over them.',
    '',
    '| case | ours cold | ours warm | tfjs cold | tfjs warm | vs tfjs | steps | max rel. Δ loss | loss, step 1 → last compared (ours / tfjs) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const t = r.train!;
      const n = Math.min(t.oursLosses.length, t.tfjsLosses.length);
      const last = n || t.oursLosses.length; // the last step both took (ours alone when tfjs did not run)
      const span = (l: number[]): string => `${loss(l[0])} → ${loss(l[last - 1])}`;
      const losses = n ? `${span(t.oursLosses)} / ${span(t.tfjsLosses)}` : span(t.oursLosses);
      const rel = t.maxRelDiff === null ? '–' : t.maxRelDiff.toExponential(2);
      return `| ${r.name} | ${cold(r.ours)} | ${warm(r.ours)} | ${cold(r.tfjs)} | ${warm(r.tfjs)} | ${versus(r.ours, r.tfjs)} | ${n || '–'} | ${rel} | ${losses} |`;
    }),
  ];
}

export function toMarkdown(run: BenchRun): string {
  const p = run.page;
  const lines: string[] = [];
  const a = p.adapter;
  const m = run.machine;
  lines.push(`Run ${run.date}, mode ${run.mode}, ${run.reps} warm reps, per-rep budget ${run.budgetMs} ms.`);
  lines.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.platform}, Node ${m.node}.`);
  const header = lines.length + 1; // the op tables start after the adapter line
  lines.push(
    `Adapter: ${a ? `${a.vendor} / ${a.architecture} / ${a.description || a.device}${a.software ? ' (software)' : ''}` : 'unknown'}; ${p.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? p.userAgent}; crossOriginIsolated ${p.crossOriginIsolated}; performance.now() step ${p.timerResolutionMs.toFixed(3)} ms.`,
  );
  lines.push('');
  lines.push(
    'Times in ms: median (min–max) of warm reps; one call = dispatch on a GPU-resident input + readback of the output. "×" = anchor median / ours median (> 1: ours faster); "(cold)": a first call ran over the budget, so the first calls are compared.',
  );
  lines.push(
    '"timeGpu" = our op alone: submit → queue idle (wall) and the pass time from timestamp queries. Throughput is from that wall median: GFLOP/s counts only multiply-adds on real input (no inserted zeros, no padding); GB/s counts each element read once and written once, next to a plain vec4 copy kernel of the same bytes timed the same way, each copy rep right after one of ours (its GB/s in brackets); "pass" is the same from timestamp-query pass times, where the adapter has them.',
  );
  lines.push('');
  lines.push(
    '| case | ours cold | ours warm | ours timeGpu wall / GPU ts | tfjs cold | tfjs warm | ORT-web cold | ORT-web warm | vs tfjs | vs ORT-web | ours throughput |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of p.results) {
    if (r.case.op === 'train' || r.case.op === 'fps') continue;
    const g = r.oursGpu;
    const flops = caseFlops(r.case);
    const bytes = caseBytes(r.case);
    let rate = '';
    const wallMed = g?.wall?.median ?? null;
    if (flops && wallMed) rate = `${(flops / (wallMed * 1e6)).toFixed(2)} GFLOP/s`;
    if (bytes && wallMed) {
      const gbps = bytes / (wallMed * 1e6);
      const copy = r.copy && !('error' in r.copy) ? r.copy : null;
      rate = `wall ${gbps.toFixed(2)} GB/s${copy ? ` = ${((100 * gbps) / copy.gbps).toFixed(0)}% of copy (${copy.gbps.toFixed(2)})` : ''}`;
      const gpuMed = g?.gpu?.median;
      if (gpuMed) {
        const passGbps = bytes / (gpuMed * 1e6);
        const copyPass = copy?.gpu ? bytes / (copy.gpu.median * 1e6) : null;
        rate += `; pass ${passGbps.toFixed(2)} GB/s${copyPass ? ` = ${((100 * passGbps) / copyPass).toFixed(0)}% of copy (${copyPass.toFixed(2)})` : ''}`;
      }
    }
    const gpuCell = g ? `${ms(g.wall?.median)} / ${g.gpu ? ms(g.gpu.median) : 'n/a'}` : '–';
    lines.push(
      `| ${r.name} | ${cold(r.ours)} | ${warm(r.ours)} | ${gpuCell} | ${cold(r.tfjs)} | ${warm(r.tfjs)} | ${cold(r.ort)} | ${warm(r.ort)} | ${versus(r.ours, r.tfjs)} | ${versus(r.ours, r.ort)} | ${rate} |`,
    );
  }
  lines.push('');
  lines.push(
    'CPU baselines (Node, same inputs): our CPU reference (plain loops) and onnxruntime-node CPU EP. "ours WebGPU ×" = CPU median / ours WebGPU warm median (> 1: our WebGPU path is faster).',
  );
  lines.push('');
  lines.push('| case | ours WebGPU warm | ours CPU reference | onnxruntime-node CPU | ours WebGPU × CPU ref | ours WebGPU × ORT-node |');
  lines.push('|---|---|---|---|---|---|');
  p.results.forEach((r, i) => {
    const c = run.cpu[i];
    if (!c || r.case.op === 'train' || r.case.op === 'fps') return;
    const o = median(r.ours);
    lines.push(
      `| ${r.name} | ${o === null ? '–' : ms(o)} | ${warm(c.cpuRef)} | ${warm(c.ortNode)} | ${ratio(o, median(c.cpuRef))} | ${ratio(o, median(c.ortNode))} |`,
    );
  });
  // A run of training steps or fps cases only (--filter train, --filter fps): no empty op tables.
  if (p.results.every((r) => r.case.op === 'train' || r.case.op === 'fps')) lines.length = header;
  const models = p.results.map((r, i) => ({ r, c: run.cpu[i] })).filter(({ r }) => r.case.op === 'model');
  if (models.some(({ r, c }) => r.oursWasm?.status === 'ok' || c?.oursCpu?.status === 'ok')) {
    lines.push('');
    lines.push(
      'Our CPU backend on the model cases: the TileRunner `upscale()` uses without WebGPU (createOrtRunner: our ONNX export of the graph in one ONNX Runtime session), one `runModel` on the whole input, timed like ours on WebGPU; in the page on ONNX Runtime Web WASM, in Node on onnxruntime-node\'s CPU provider. "× WebGPU" = ours WebGPU warm median / CPU backend median (> 1: the CPU backend is faster than our WebGPU path on this adapter).',
    );
    lines.push('');
    lines.push(
      '| case | ours WebGPU warm | ours CPU backend, ORT-web WASM | ours CPU backend, ORT-node | WASM × WebGPU | ORT-node × WebGPU |',
    );
    lines.push('|---|---|---|---|---|---|');
    for (const { r, c } of models) {
      const o = median(r.ours);
      const wasm = r.oursWasm ?? { status: 'skipped', reason: 'not run' };
      const node = c?.oursCpu ?? { status: 'skipped', reason: 'not run' };
      lines.push(
        `| ${r.name} | ${o === null ? '–' : ms(o)} | ${warm(wasm)} | ${warm(node)} | ${ratio(median(wasm), o)} | ${ratio(median(node), o)} |`,
      );
    }
  }
  lines.push(...trainTable(p));
  const fps = p.results.flatMap((r) => (r.fps ? [r.fps] : []));
  if (fps.length) lines.push('', FPS_METHOD, '', ...fpsTable(fps));
  const problems: string[] = [...fpsNotes(fps)];
  if (p.tfjsInitError) problems.push(`- tfjs WebGPU backend init: \`${p.tfjsInitError}\``);
  p.results.forEach((r, i) => {
    if (r.copy && 'error' in r.copy) problems.push(`- ${r.name}, copy yardstick: error \`${r.copy.error}\``);
    const sides = [
      ['ours', r.ours],
      ['tfjs', r.tfjs],
      ['ORT-web', r.ort],
      ['ours CPU backend (ORT-web WASM)', r.oursWasm],
      ['CPU ref', run.cpu[i]?.cpuRef],
      ['ORT-node', run.cpu[i]?.ortNode],
      ['ours CPU backend (ORT-node)', run.cpu[i]?.oursCpu],
    ] as const;
    if (r.train && !(r.train.maxRelDiff !== null && r.train.maxRelDiff < 1e-3) && r.tfjs.status === 'ok') {
      problems.push(`- ${r.name}: losses differ from tfjs's, max relative difference ${r.train.maxRelDiff}`);
    }
    for (const [who, res] of sides) {
      if (!res) continue;
      if (res.status === 'error') problems.push(`- ${r.name}, ${who}: error \`${res.error.replace(/`/g, "'").slice(0, 400)}\``);
      else if (res.status === 'skipped' && res.reason !== 'not requested') problems.push(`- ${r.name}, ${who}: skipped (${res.reason})`);
      else if (res.status === 'ok' && res.note) problems.push(`- ${r.name}, ${who}: ${res.note}`);
      if (res.status === 'ok' && 'maxAbsDiffVsOurs' in res && res.maxAbsDiffVsOurs !== undefined) {
        const d = res.maxAbsDiffVsOurs;
        if (!(d < 1e-2)) problems.push(`- ${r.name}, ${who}: output differs from ours, max |Δ| = ${d}`);
      }
    }
  });
  lines.push('');
  lines.push('Notes, skips and errors:');
  lines.push('');
  lines.push(...(problems.length ? problems : ['- none']));
  const diffs = p.results.flatMap((r) =>
    [r.tfjs, r.ort].flatMap((x) => (x.status === 'ok' && x.maxAbsDiffVsOurs !== undefined ? [x.maxAbsDiffVsOurs] : [])),
  );
  if (diffs.length)
    lines.push(
      `- cross-check: ${diffs.length} anchor outputs compared with ours, largest max |Δ| = ${Math.max(...diffs).toExponential(2)}`,
    );
  const cpuDiffs = p.results.flatMap((r) =>
    r.oursWasm?.status === 'ok' && r.oursWasm.maxAbsDiffVsOurs !== undefined ? [r.oursWasm.maxAbsDiffVsOurs] : [],
  );
  if (cpuDiffs.length)
    lines.push(
      `- cross-check: our CPU backend (ORT-web WASM) against our WebGPU output on ${cpuDiffs.length} model cases, largest max |Δ| = ${Math.max(...cpuDiffs).toExponential(2)}`,
    );
  return lines.join('\n') + '\n';
}
