/**
 * Ours against TensorFlow.js WebGPU in one Node process on Dawn (the `webgpu` package), for GPU
 * machines that have no browser: the cases of bench/cases.ts through the same timing loops as the
 * page (bench/page/measure.ts, runOurs, runTrain), tfjs through the page's peer (bench/peers/tfjs.ts).
 * Both libraries share one Dawn instance, so they run on the same adapter. UpscalerJS models are
 * served to both by a static HTTP server in this process, from node_modules/@upscalerjs.
 *
 *   npm run bench:node -- [--size small|quick|gpu] [--reps N] [--filter A,B] [--no-tfjs] [--deadline S] [--fps] [--variants]
 *                          [--conv-kernel auto|direct|tiled]
 *   node dist/bench/node-gpu.mjs …   (the same, bundled by scripts/build-node-bench.mjs: needs only node_modules/webgpu)
 *
 * `small`: tiny cases for a SwiftShader smoke run (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).
 * `gpu`: sizes that load a datacentre GPU, within about 4 minutes. Cases that would start after
 * --deadline seconds are skipped, so the table always comes out. Prints progress, then the table;
 * with OUT set, also writes node-gpu-<size>.{json,md} there.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine } from '../src/index.js';
import { QUICK_CASES, caseBytes, caseData, caseFlops, caseName, type BenchCase, type SuiteCase } from './cases.js';
import type { ImplResult, TimingConfig } from './page/measure.js';
import { timeCalls } from './page/measure.js';
import { modelUrl, runOurs, type GpuTiming } from './page/ours.js';
import { caseJob } from './page/peer.js';
import { runTrain, type TrainComparison } from './page/train.js';
import { errorText, maxAbsDiff, type Peer, type PeerJob } from './peers/job.js';

type Size = 'small' | 'quick' | 'gpu';

interface Options {
  size: Size;
  reps: number;
  filter: string | null;
  tfjs: boolean;
  fps: boolean;
  /** Also run the conv kernel experiment (bench/kernel-variants.ts: workgroup-shared tiles, f16). */
  variants: boolean;
  /** createEngine's convKernel (auto: tiled on hardware, direct on software adapters). */
  convKernel: 'auto' | 'direct' | 'tiled';
  deadlineS: number;
}

interface CaseResult {
  name: string;
  case: SuiteCase;
  seconds: number;
  ours: ImplResult;
  oursGpu: GpuTiming | null;
  tfjs: ImplResult;
  train?: TrainComparison;
}

const USAGE =
  'usage: node bench/node-gpu.mjs [--size small|gpu] [--reps N] [--filter TEXT] [--no-tfjs] [--deadline S] [--fps] [--variants] [--conv-kernel auto|direct|tiled]';

function parseArgs(argv: string[]): Options {
  const value = (i: number, flag: string): string => {
    if (i + 1 >= argv.length) throw new Error(`${flag} needs a value; ${USAGE}`);
    return argv[i + 1];
  };
  let size: Size = 'small';
  let reps: number | null = null;
  let deadlineS: number | null = null;
  const o = { filter: null as string | null, tfjs: true, fps: false, variants: false, convKernel: 'auto' as 'auto' | 'direct' | 'tiled' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size') {
      const v = value(i++, a);
      if (v !== 'small' && v !== 'quick' && v !== 'gpu') throw new Error(`--size ${v}: must be small, quick or gpu`);
      size = v;
    } else if (a === '--reps') reps = Number(value(i++, a));
    else if (a === '--deadline') deadlineS = Number(value(i++, a));
    else if (a === '--filter') o.filter = value(i++, a);
    else if (a === '--no-tfjs') o.tfjs = false;
    else if (a === '--fps') o.fps = true;
    else if (a === '--variants') o.variants = true;
    else if (a === '--conv-kernel') {
      const v = value(i++, a);
      if (v !== 'auto' && v !== 'direct' && v !== 'tiled') throw new Error(`--conv-kernel ${v}: must be auto, direct or tiled`);
      o.convKernel = v;
    } else throw new Error(`unknown argument ${a}; ${USAGE}`);
  }
  // The GPU run must end within about 4 minutes with the fps suite after it; SwiftShader just needs to finish.
  return { size, reps: reps ?? (size === 'gpu' ? 20 : 3), deadlineS: deadlineS ?? (size === 'gpu' ? (o.fps ? 150 : 200) : 600), ...o };
}

const convT = (cin: number, cout: number, h: number, k: number, s: number, p: number, op_ = 0): BenchCase => ({
  op: 'convTranspose2d',
  cin,
  cout,
  h,
  k,
  s,
  p,
  op_,
});

function suite(size: Size): SuiteCase[] {
  // The browser bench's quick matrix (npm run bench), for compute-only comparisons on the same cases.
  if (size === 'quick') return QUICK_CASES;
  if (size === 'small') {
    return [
      convT(8, 8, 16, 4, 2, 1),
      { op: 'pixelShuffle', c: 16, h: 32, r: 2 },
      { op: 'model', pkg: 'esrgan-slim', scale: 2, h: 16 },
      { op: 'train', batch: 1, cin: 3, width: 8, h: 8 },
    ];
  }
  return [
    convT(64, 64, 128, 4, 2, 1),
    convT(64, 64, 256, 4, 2, 1),
    convT(32, 32, 256, 3, 2, 1, 1),
    convT(3, 64, 128, 8, 4, 2),
    { op: 'conv2d', cin: 64, cout: 64, h: 256, k: 3, p: 1 },
    { op: 'pixelShuffle', c: 48, h: 512, r: 2 },
    { op: 'pixelShuffle', c: 48, h: 256, r: 4 },
    { op: 'model', pkg: 'esrgan-slim', scale: 2, h: 128 },
    { op: 'model', pkg: 'esrgan-slim', scale: 2, h: 256 },
    { op: 'model', pkg: 'esrgan-slim', scale: 4, h: 128 },
    { op: 'model', pkg: 'esrgan-slim', scale: 4, h: 256 },
    { op: 'model', pkg: 'esrgan-medium', scale: 2, h: 128 },
    { op: 'train', batch: 8, cin: 3, width: 32, h: 32 },
    { op: 'train', batch: 16, cin: 3, width: 64, h: 64 },
  ];
}

/** The folder holding node_modules/@upscalerjs: above this file (repository or bundle), else the working directory. */
function packageRoot(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', '@upscalerjs'))) return d;
    if (dirname(d) === d) return process.cwd();
  }
}

/** Serves `root`/node_modules/** read-only on 127.0.0.1, for `modelUrl` (ours and tfjs-layers fetch the same files). */
async function serveNodeModules(root: string): Promise<{ server: Server; base: string }> {
  const top = join(root, 'node_modules') + sep;
  const server = createServer((req, res) => {
    const file = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    if (!file.startsWith(top) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/**
 * What TensorFlow.js needs in Node, installed before it is imported: Dawn (the `webgpu` package's
 * GPU* constants as globals, and `navigator.gpu`: tfjs-backend-webgpu registers its backend only if
 * navigator.gpu exists when it loads), and `require`, which tfjs-core's ESM build calls for 'util'
 * when it finds itself in Node. createEngine() then takes the same GPU object: one Dawn instance.
 */
async function installTfjsGlobals(): Promise<GPU> {
  const g = globalThis as { navigator?: { gpu?: GPU }; require?: NodeJS.Require };
  g.require ??= createRequire(import.meta.url);
  const specifier = 'webgpu'; // external to the bundle: Dawn's native binary cannot be bundled
  const { create, globals } = (await import(/* @vite-ignore */ specifier)) as { create(flags: string[]): GPU; globals: object };
  Object.assign(globalThis, globals);
  // Dawn rounds timestamp queries to 65.5 µs by default (a browser anti-fingerprinting measure); a benchmark wants them exact.
  const gpu = create(['disable-dawn-features=timestamp_quantization']);
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return gpu;
}

/** tfjs on one op or network case, timed like the page's runPeer, with model URLs on our server. */
async function runTfjs(peer: Peer, c: BenchCase, base: string, ours: Float32Array | null, cfg: TimingConfig, seed: number) {
  const data = caseData(c, seed);
  const job: PeerJob =
    c.op === 'model'
      ? { op: 'model', x: data.x, xShape: [1, 3, c.h, c.h], modelUrl: new URL(modelUrl(c), base).href, scale: c.scale }
      : caseJob(c, data);
  const session = await peer.open(job);
  try {
    const { result, output } = await timeCalls(session.call, cfg);
    result.setupMs = session.setupMs;
    result.note = [result.note, session.note].filter(Boolean).join('; ') || undefined;
    if (ours) result.maxAbsDiffVsOurs = maxAbsDiff(ours, session.toNchw(output));
    return result;
  } finally {
    await session.dispose();
  }
}

async function runCase(engine: Engine, c: SuiteCase, seed: number, cfg: TimingConfig, tfjs: Peer | string | null, base: string) {
  if (c.op === 'train') return runTrain(engine, c, seed, cfg, tfjs);
  let ours: ImplResult;
  let oursGpu: GpuTiming | null = null;
  let out: Float32Array | null = null;
  try {
    const r = await runOurs(engine, c, caseData(c, seed), cfg, undefined, base);
    [ours, oursGpu, out] = [r.result, r.gpu, r.output];
  } catch (e) {
    ours = { status: 'error', error: errorText(e) };
  }
  let theirs: ImplResult = { status: 'skipped', reason: 'not requested' };
  if (typeof tfjs === 'string') theirs = { status: 'error', error: `init: ${tfjs}` };
  else if (tfjs) theirs = await runTfjs(tfjs, c, base, out, cfg, seed).catch((e): ImplResult => ({ status: 'error', error: errorText(e) }));
  return { ours, oursGpu, tfjs: theirs };
}

const fmt = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '–'
    : v >= 100
      ? v.toFixed(0)
      : v !== 0 && Math.abs(v) < 1e-3
        ? v.toExponential(digits - 1)
        : v.toPrecision(digits);
const warmMs = (r: ImplResult): number | null => (r.status === 'ok' ? (r.warm?.median ?? r.coldMs) : null);
const cell = (r: ImplResult): string =>
  r.status === 'ok' ? fmt(warmMs(r)) + (r.warm ? '' : ' (cold)') : r.status === 'error' ? 'error' : 'skip';

/** GFLOP/s (convolutions) or GB/s (data movement) at `ms`. */
function rate(c: SuiteCase, ms: number | null): string {
  if (c.op === 'train' || !ms) return '–';
  const flops = caseFlops(c);
  if (flops) return `${fmt(flops / (ms * 1e6))} GFLOP/s`;
  const bytes = caseBytes(c);
  return bytes ? `${fmt(bytes / (ms * 1e6))} GB/s` : '–';
}

function table(results: CaseResult[]): string {
  const rows = [
    '| case | ours ms | ours GPU ms | ours submit→idle ms | tfjs ms | tfjs/ours | max abs diff | ours rate (GPU) | tfjs rate |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const [o, t] = [warmMs(r.ours), warmMs(r.tfjs)];
    const gpuMs = r.oursGpu?.gpu?.median ?? null;
    const diff = r.train
      ? r.train.maxRelDiff === null
        ? '–'
        : `loss rel ${fmt(r.train.maxRelDiff, 2)}`
      : r.tfjs.status === 'ok'
        ? fmt(r.tfjs.maxAbsDiffVsOurs, 2)
        : '–';
    const ratio = o && t ? `${(t / o).toFixed(2)}×` : '–';
    const gpuRate = rate(r.case, gpuMs ?? r.oursGpu?.wall?.median ?? null);
    const oi = r.oursGpu?.wall?.median ?? null;
    rows.push(
      `| ${r.name} | ${cell(r.ours)} | ${fmt(gpuMs)} | ${fmt(oi)} | ${cell(r.tfjs)} | ${ratio} | ${diff} | ${gpuRate} | ${rate(r.case, t)} |`,
    );
  }
  return rows.join('\n');
}

function errorLines(results: CaseResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    if (r.ours.status === 'skipped' && r.ours === r.tfjs) {
      lines.push(`- ${r.name}: skipped (${r.ours.reason})`);
      continue;
    }
    for (const [who, x] of [
      ['ours', r.ours],
      ['tfjs', r.tfjs],
    ] as const) {
      if (x.status === 'error') lines.push(`- ${r.name}, ${who}: ${x.error.slice(0, 200)}`);
      else if (x.status === 'skipped' && x.reason !== 'not requested') lines.push(`- ${r.name}, ${who}: skipped (${x.reason})`);
      else if (x.status === 'ok' && x.note) lines.push(`- ${r.name}, ${who}: ${x.note.slice(0, 200)}`);
    }
  }
  return lines;
}

/** The fps suite (bench/fps/node.ts) on this engine; a failure is one line. */
async function fpsSuite(engine: Engine, size: Size): Promise<string> {
  try {
    const { runFpsNode } = await import('./fps/node.js');
    return await runFpsNode(engine, { size: size === 'gpu' ? 'gpu' : 'small' });
  } catch (e) {
    return `fps suite (bench/fps/node.ts) did not run: ${errorText(e).slice(0, 300)}`;
  }
}

/** The conv kernel experiment (bench/kernel-variants.ts) on this engine; a failure is one line. */
async function variantSuite(engine: Engine, size: Size): Promise<string> {
  try {
    const { runKernelVariants } = await import('./kernel-variants.js');
    return await runKernelVariants(engine, { size: size === 'gpu' ? 'gpu' : 'small' });
  } catch (e) {
    return `kernel variants (bench/kernel-variants.ts) did not run: ${errorText(e).slice(0, 300)}`;
  }
}

export async function main(argv: string[]): Promise<number> {
  const o = parseArgs(argv);
  const t0 = performance.now();
  const elapsed = (): number => (performance.now() - t0) / 1000;
  const gpuObject = o.tfjs ? await installTfjsGlobals() : null;
  const engine = await createEngine({ powerPreference: 'high-performance', convKernel: o.convKernel });
  const a = engine.adapterInfo;
  const adapter = `${a.description || a.device || '?'} (${a.vendor}${a.architecture ? `, ${a.architecture}` : ''}${a.software ? ', software' : ''})`;
  console.log(
    `adapter: ${adapter}; timestamp queries: ${engine.canTimeGpu ? 'yes' : 'no'}; conv kernel: ${engine.convKernel}; node ${process.version}`,
  );
  const { server, base } = await serveNodeModules(packageRoot());
  let tfjs: Peer | string | null = null;
  if (o.tfjs) tfjs = await import('./peers/tfjs.js').then((m) => m.tfjsWebgpu, errorText);
  const cfg: TimingConfig = { reps: o.reps, budgetMs: o.size === 'gpu' ? 10_000 : 30_000 };
  // --filter a,b: cases whose name contains any of the comma-separated parts.
  const parts = o.filter?.split(',').filter(Boolean) ?? [];
  const cases = suite(o.size).filter((c) => parts.length === 0 || parts.some((f) => caseName(c).includes(f)));
  const results: CaseResult[] = [];
  try {
    for (const [i, c] of cases.entries()) {
      const name = caseName(c);
      const tag = `[${i + 1}/${cases.length}] ${name}`;
      const skip = (reason: string): void => {
        const s: ImplResult = { status: 'skipped', reason };
        results.push({ name, case: c, seconds: 0, ours: s, oursGpu: null, tfjs: s });
        console.log(`${tag}: skipped (${reason})`);
      };
      if (elapsed() > o.deadlineS) skip(`past --deadline ${o.deadlineS} s`);
      else if (c.op === 'model' && !existsSync(join(packageRoot(), 'node_modules', '@upscalerjs', c.pkg)))
        skip(`@upscalerjs/${c.pkg} is not installed`);
      else {
        const ts = performance.now();
        const r = await runCase(engine, c, 1000 + i, cfg, tfjs, base).catch((e): Omit<CaseResult, 'name' | 'case' | 'seconds'> => {
          const err: ImplResult = { status: 'error', error: errorText(e) };
          return { ours: err, oursGpu: null, tfjs: err };
        });
        const row: CaseResult = { name, case: c, seconds: (performance.now() - ts) / 1000, oursGpu: null, ...r };
        results.push(row);
        const gpu = row.oursGpu?.gpu ? ` (GPU ${fmt(row.oursGpu.gpu.median)})` : '';
        console.log(`${tag}: ours ${cell(row.ours)}${gpu} | tfjs ${cell(row.tfjs)} (ms) | ${row.seconds.toFixed(1)} s`);
      }
    }
    const fps = o.fps ? await fpsSuite(engine, o.size) : null;
    const variants = o.variants ? await variantSuite(engine, o.size) : null;
    const errors = errorLines(results);
    const md = [
      `## Node + Dawn: ours vs TensorFlow.js WebGPU (--size ${o.size}, ${o.reps} warm reps, medians)`,
      '',
      `Adapter: ${adapter}. Conv kernel: ${engine.convKernel}. Node ${process.version}, ${new Date().toISOString()}, ${elapsed().toFixed(0)} s.`,
      '"ms": warm median of one call = dispatch on a resident input + read back to the CPU; the first (cold, compiling) call is in the JSON.',
      '"ours GPU ms": our pass time from timestamp queries (engine.timeGpu); rates from it, or from its submit→idle wall time without them.',
      '"ours submit→idle ms": one call without the read-back, record + submit → GPU queue idle (engine.timeGpu wall). tfjs has no comparable hook: its submitQueue + onSubmittedWorkDone returned in ~1 ms for work that takes SwiftShader 100+ ms, and disturbed its later outputs, so its time is only ever end to end.',
      '"max abs diff": ours vs tfjs over the output; training rows compare the losses step by step (largest relative difference).',
      '',
      table(results),
      ...(errors.length ? ['', 'Notes and errors:', ...errors] : []),
      ...(fps ? ['', fps] : []),
      ...(variants ? ['', variants] : []),
    ].join('\n');
    if (process.env.OUT) {
      mkdirSync(process.env.OUT, { recursive: true });
      const stem = join(process.env.OUT, `node-gpu-${o.size}-${engine.convKernel}`);
      const json = {
        schema: 'webgpu-upsample-node-gpu-bench/1',
        date: new Date().toISOString(),
        argv,
        options: o,
        adapter: a,
        results,
        fps,
        variants,
      };
      writeFileSync(`${stem}.json`, JSON.stringify(json, null, 1));
      writeFileSync(`${stem}.md`, `${md}\n`);
    }
    console.log(`\n${md}`);
    return results.some((r) => r.ours.status === 'ok') ? 0 : 1;
  } finally {
    server.close();
    engine.destroy();
    void gpuObject; // held until here so Dawn's instance outlives every device made from it
  }
}
