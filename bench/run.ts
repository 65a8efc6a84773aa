/**
 * The benchmark's Node side (started by bench/run.mjs): drives the page
 * (bench/page) in headless Chromium, where ours, TensorFlow.js WebGPU and ONNX
 * Runtime Web WebGPU run one after the other on the same adapter (and, for
 * model cases, our CPU backend on ORT-web WASM); then runs the CPU baselines
 * and our CPU backend on onnxruntime-node here on the same inputs (not for the
 * training-step cases, which have no CPU baseline); writes JSON + markdown to
 * bench-results/ and prints the markdown. The frames-per-second cases
 * (bench/fps: GPU-resident vs CPU round trip vs WebSR, on VideoFrames) run in
 * the page only; `--filter fps` selects just them. `--filter native` runs the
 * comparison with the native ncnn programs instead (bench/native/run.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './chromium.js';
import { QUICK_CASES, caseData, caseName, fullCases, type RunCase } from './cases.js';
import { fpsFullCases, fpsQuickCases } from './fps/cases.js';
import { runCpuReference, runOrtNode, runOursCpuBackend } from './cpu-baselines.js';
import type { AnchorName, PageConfig, PageReport } from './page/main.js';
import { toMarkdown, type BenchRun, type CpuCaseResult } from './report.js';

interface Options {
  mode: 'quick' | 'full';
  reps: number;
  budgetMs: number;
  filter: string | null;
  anchors: AnchorName[];
  cpu: boolean;
  out: string;
}

const USAGE = 'usage: npm run bench -- [--full] [--reps N] [--budget MS] [--filter TEXT] [--anchors tfjs,ort] [--no-cpu] [--out DIR]';

function parseArgs(argv: string[]): Options {
  const o: Options = { mode: 'quick', reps: 5, budgetMs: 20_000, filter: null, anchors: ['tfjs', 'ort'], cpu: true, out: 'bench-results' };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value; ${USAGE}`);
    return v;
  };
  const positiveInt = (v: string, flag: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--full') o.mode = 'full';
    else if (a === '--quick') o.mode = 'quick';
    else if (a === '--no-cpu') o.cpu = false;
    else if (a === '--reps') o.reps = positiveInt(value(i++, a), a);
    else if (a === '--budget') o.budgetMs = positiveInt(value(i++, a), a);
    else if (a === '--filter') o.filter = value(i++, a);
    else if (a === '--out') o.out = value(i++, a);
    else if (a === '--anchors') {
      const names = value(i++, a).split(',').filter(Boolean);
      for (const n of names) if (n !== 'tfjs' && n !== 'ort') throw new Error(`--anchors: unknown anchor "${n}" (tfjs, ort)`);
      o.anchors = names as AnchorName[];
    } else if (a === '--help' || a === '-h') throw new Error(USAGE);
    else throw new Error(`unknown argument ${a}; ${USAGE}`);
  }
  return o;
}

function machine(): BenchRun['machine'] {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Runs the benchmark; returns the process exit code. */
export async function main(argv: string[], baseUrl: string): Promise<number> {
  // `--filter native`: ours against the native ncnn programs, in Node (bench/native/run.ts), no page.
  const filterAt = argv.indexOf('--filter');
  if (filterAt >= 0 && argv[filterAt + 1] === 'native') return (await import('./native/run.js')).main(argv);
  // `--filter video`: the video-file path against a Video2X-style pipeline, in Node (bench/video/run.ts).
  if (filterAt >= 0 && argv[filterAt + 1] === 'video') return (await import('./video/run.js')).main(argv);
  let opts: Options;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  let cases: RunCase[] = opts.mode === 'full' ? [...fullCases(), ...fpsFullCases()] : [...QUICK_CASES, ...fpsQuickCases()];
  if (opts.filter) cases = cases.filter((c) => caseName(c).includes(opts.filter!));
  if (cases.length === 0) {
    console.error(`no case matches --filter ${opts.filter}`);
    return 2;
  }
  console.log(
    `webgpu-upsample bench: ${cases.length} cases (${opts.mode}), anchors ${opts.anchors.join(', ') || 'none'}, ${opts.reps} warm reps`,
  );

  const browser = await launchChromium();
  let report: PageReport;
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
      else if (m.type() === 'log' && m.text().startsWith('[bench] ')) console.log(`  page: ${m.text().slice(8)}`);
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${baseUrl}/bench/page/index.html`);
    await page.waitForFunction(() => document.body.dataset.state === 'ready', undefined, { timeout: 120_000 });
    const config: PageConfig = { cases, anchors: opts.anchors, reps: opts.reps, budgetMs: opts.budgetMs, cpuBackend: opts.cpu };
    report = await page.evaluate((cfg) => window.__benchRun!(cfg), config);
    if (errors.length) console.log(`page console errors (kept in the JSON):\n  ${errors.join('\n  ')}`);
    report.consoleErrors = errors;
  } finally {
    await browser.close();
  }

  const cpu: CpuCaseResult[] = [];
  if (opts.cpu) {
    for (const [i, c] of cases.entries()) {
      const name = caseName(c);
      if (c.op === 'train' || c.op === 'fps') {
        // No CPU baseline for a training step (the CPU references have no optimizer loop) or an fps case
        // (its round-trip path is the CPU comparison); the report leaves them out.
        const none = { status: 'skipped', reason: 'not requested' } as const;
        cpu.push({ name, cpuRef: none, ortNode: none, oursCpu: none });
        continue;
      }
      console.log(`  node: ${name} (CPU baselines)…`);
      const data = caseData(c, 1000 + i); // the page's seed for case i
      cpu.push({
        name,
        cpuRef: await runCpuReference(c, data, opts.reps, opts.budgetMs),
        ortNode: await runOrtNode(c, data, opts.reps, opts.budgetMs),
        oursCpu: await runOursCpuBackend(c, data, opts.reps, opts.budgetMs),
      });
    }
  }

  const date = new Date().toISOString();
  const run: BenchRun = {
    schema: 'webgpu-upsample-anchor-bench/1',
    date,
    mode: opts.mode,
    argv,
    reps: opts.reps,
    budgetMs: opts.budgetMs,
    machine: machine(),
    page: report,
    cpu,
  };
  const md = toMarkdown(run);
  mkdirSync(opts.out, { recursive: true });
  const stem = join(opts.out, `bench-${date.replace(/[:.]/g, '-')}`);
  writeFileSync(`${stem}.json`, JSON.stringify(run, null, 1));
  writeFileSync(`${stem}.md`, md);
  console.log(`\n${md}\nwrote ${stem}.json and ${stem}.md`);
  const ours = report.results.filter((r) => r.ours.status !== 'ok');
  if (ours.length) {
    console.error(`our engine failed on: ${ours.map((r) => r.name).join(', ')}`);
    return 1;
  }
  return 0;
}
