/** The native comparison's result types and its markdown table (bench/native/run.ts). */

export type SideResult =
  | {
      status: 'ok';
      command: string;
      /** Whole process, spawn to exit, for the folder. */
      wallMs: number;
      /** From the outputs' mtimes; null with one image. */
      split: { startupMs: number; perImageMs: number } | null;
      /** Ours only: process start → model ready, first upscale() call, mean of the later ones. */
      readyMs?: number;
      firstImageMs?: number;
      warmImageMs?: number | null;
      adapter?: string;
    }
  | { status: 'failed'; command: string; reason: string }
  | { status: 'skipped'; reason: string };

export interface NativeRow {
  model: string;
  size: number;
  images: number;
  nativeGpu: SideResult;
  nativeCpu: SideResult;
  oursGpu: SideResult;
  oursCpu: SideResult;
  /** 8-bit levels, ours vs native on the same path (CPU: against the Vulkan output where the program has no CPU path). */
  diffGpu: { max: number; mean: number } | null;
  diffCpu: { max: number; mean: number } | null;
}

export interface NativeBenchRun {
  schema: 'webgpu-upsample-native-bench/1';
  date: string;
  argv: string[];
  machine: { cpu: string; cores: number; memGiB: number; node: string };
  packages: string;
  rows: NativeRow[];
}

const s = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '–' : (ms / 1000).toFixed(ms < 1000 ? 2 : 1));
const ratio = (a: number | null | undefined, b: number | null | undefined): string =>
  a === null || a === undefined || b === null || b === undefined || b <= 0 ? '–' : `${(a / b).toFixed(2)}×`;

function cell(r: SideResult): string {
  if (r.status === 'ok') return s(r.wallMs);
  return r.status === 'failed' ? 'failed' : '–';
}

function pathRow(model: string, path: string, native: SideResult, ours: SideResult, diff: NativeRow['diffGpu']): string {
  const n = native.status === 'ok' ? native : null;
  const o = ours.status === 'ok' ? ours : null;
  const oursPer = o ? (o.warmImageMs ?? o.split?.perImageMs ?? null) : null;
  return (
    `| ${model} | ${path} | ${cell(native)} | ${cell(ours)} | ${ratio(n?.wallMs, o?.wallMs)} | ` +
    `${s(n?.split?.startupMs)} / ${s(n?.split?.perImageMs)} | ${s(o?.readyMs)} / ${s(o?.firstImageMs)} / ${s(oursPer)} | ` +
    `${ratio(n?.split?.perImageMs, oursPer)} | ${diff ? `${diff.max} / ${diff.mean.toFixed(3)}` : '–'} |`
  );
}

/** Outputs further apart than this (8-bit levels) make a timing comparison void: one side is wrong. */
const VOID_DIFF = 32;

export function nativeMarkdown(run: NativeBenchRun): string {
  const m = run.machine;
  const lines = [
    `## Ours vs the native ncnn programs (${run.date.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Node ${m.node}; ${run.packages}. GPU path: native Vulkan (\`-g 0\`) vs ours on WebGPU, same adapter; ` +
      'CPU path: native `-g -1` (ncnn CPU, fp32) vs ours on the CPU backend (ONNX Runtime). Whole-process wall time for the folder; ' +
      'native start-up / per image from the outputs\u2019 mtimes (per image = throughput); ours from inside: process start → model ready, ' +
      'the first upscale() (with shader compiles) and the mean of the later ones (warm). ' +
      'Ratios are native ÷ ours (> 1: ours faster). Δ: 8-bit levels, ours vs native.',
    '',
    '| model | path | native s | ours s | native÷ours (wall) | native start-up / per image s | ours ready / first / warm s | native÷ours (per image, warm) | max / mean Δ |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of run.rows) {
    const label = `${r.model} (${r.images}× ${r.size}²)`;
    lines.push(pathRow(label, 'GPU', r.nativeGpu, r.oursGpu, r.diffGpu));
    if (r.nativeCpu.status !== 'skipped' || r.oursCpu.status !== 'skipped')
      lines.push(pathRow(label, 'CPU', r.nativeCpu, r.oursCpu, r.diffCpu));
  }
  const notes: string[] = [];
  for (const r of run.rows) {
    for (const [path, d] of [
      ['GPU', r.diffGpu],
      ['CPU', r.diffCpu],
    ] as const) {
      if (d && d.max > VOID_DIFF)
        notes.push(
          `- ${r.model} ${path}: the outputs differ by up to ${d.max} levels (mean ${d.mean.toFixed(1)}): one side is wrong, the timing comparison is void`,
        );
    }
    for (const [k, v] of Object.entries({ nativeGpu: r.nativeGpu, nativeCpu: r.nativeCpu, oursGpu: r.oursGpu, oursCpu: r.oursCpu })) {
      if (v.status === 'failed') notes.push(`- ${r.model} ${k} failed: ${v.reason.replace(/\s+/g, ' ').slice(0, 300)}`);
      else if (v.status === 'skipped' && v.reason && k.startsWith('ours')) notes.push(`- ${r.model} ${k}: ${v.reason}`);
    }
  }
  if (notes.length) lines.push('', ...[...new Set(notes)]);
  return `${lines.join('\n')}\n`;
}
