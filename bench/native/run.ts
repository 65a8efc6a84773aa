/**
 * `npm run bench -- --filter native`: ours against the native ncnn upscalers (waifu2x-, realcugan- and
 * realesrgan-ncnn-vulkan, fetched by scripts/fetch-native.sh), same machine, same models, same images,
 * in one run. Per model, on a folder of N photos (bench/native/images.ts):
 *   GPU  native Vulkan path (`-g 0`: this machine's adapter, SwiftShader without a GPU) vs ours on WebGPU
 *        on the same adapter;
 *   CPU  native ncnn CPU path (`-g -1`, waifu2x and realcugan only) vs ours on the CPU backend (the graph
 *        exported to ONNX, run by onnxruntime-node).
 * Each side is a separate process on the whole folder; its wall time is split into start-up and per image
 * from its outputs' mtimes (bench/native/timing.ts); ours also reports its warm per-image time from
 * inside. Both sides run one tile per image (tile ≥ the image). Outputs are compared (max / mean |Δ| in
 * 8-bit levels), so that a fast wrong result cannot pass as a win. Markdown on stdout, JSON + markdown in
 * --out.
 *
 *   npm run bench -- --filter native [--quick] [--images N] [--size S] [--models a,b] [--no-cpu] [--no-gpu] [--no-ours] [--out DIR]
 *   npm run bench -- --filter native --parity [--gpu] [--only TEXT]   (bench/native/parity.ts)
 *   npm run bench -- --filter native --render bench-results/native-….json   (re-prints a saved run)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { rolldown } from 'rolldown';
import { readRgb, writeBenchImages } from './images.js';
import { benchModels, type NativeBenchModel } from './models.js';
import type { OursChildReport } from './ours-child.js';
import { nativeMarkdown, type NativeBenchRun, type NativeRow, type SideResult } from './report.js';
import { splitOf, timeProcess } from './timing.js';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const USAGE =
  'usage: npm run bench -- --filter native [--quick] [--images N] [--size S] [--models a,b] [--no-cpu] [--no-gpu] [--no-ours] [--out DIR]';

interface Options {
  quick: boolean;
  images: number;
  size: number;
  models: string[] | null;
  cpu: boolean;
  gpu: boolean;
  ours: boolean;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, images: 3, size: 96, models: null, cpu: true, gpu: true, ours: true, out: 'bench-results' };
  let images: number | null = null;
  let size: number | null = null;
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
    if (a === '--filter')
      i++; // bench/run.ts routed us here on `--filter native`
    else if (a === '--quick') o.quick = true;
    else if (a === '--no-cpu') o.cpu = false;
    else if (a === '--no-gpu') o.gpu = false;
    else if (a === '--no-ours') o.ours = false;
    else if (a === '--images') images = positiveInt(value(i++, a), a);
    else if (a === '--size') size = positiveInt(value(i++, a), a);
    else if (a === '--models') o.models = value(i++, a).split(',').filter(Boolean);
    else if (a === '--out') o.out = value(i++, a);
    else throw new Error(`unknown argument ${a}; ${USAGE}`);
  }
  // --quick: a smoke run (two small images, the two cheapest models), not a measurement.
  o.images = images ?? (o.quick ? 2 : 3);
  o.size = size ?? (o.quick ? 32 : 96);
  if (o.quick && !o.models) o.models = ['animevideov3-x4', 'upconv7-x2'];
  if (!o.cpu && !o.gpu) throw new Error(`--no-cpu and --no-gpu leave nothing to run; ${USAGE}`);
  if (o.size > 128) throw new Error(`--size ${o.size}: the bench photo is 128×128`);
  return o;
}

/** Bundles bench/native/ours-child.ts into one .mjs (our sources inlined, packages left to node_modules). */
async function bundleOurs(root: string, out: string): Promise<void> {
  const bundle = await rolldown({
    input: join(root, 'bench/native/ours-child.ts'),
    cwd: root,
    platform: 'node',
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
    transform: { target: 'node20' },
    logLevel: 'warn',
  });
  await bundle.write({ file: out, format: 'esm', codeSplitting: false });
  await bundle.close();
}

/** Max and mean |a − b| over two RGB PNG folders' files of the same names; null when a file is missing or sizes differ. */
function compareFolders(a: string, b: string): { max: number; mean: number } | null {
  let max = 0;
  let sum = 0;
  let n = 0;
  for (const f of readdirSync(a)) {
    if (!existsSync(join(b, f))) return null;
    const x = readRgb(join(a, f));
    const y = readRgb(join(b, f));
    if (x.width !== y.width || x.height !== y.height) return null;
    for (let i = 0; i < x.data.length; i++) {
      const d = Math.abs(x.data[i] - y.data[i]);
      if (d > max) max = d;
      sum += d;
    }
    n += x.data.length;
  }
  return n ? { max, mean: sum / n } : null;
}

function freshDir(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function runNative(nativeDir: string, m: NativeBenchModel, inDir: string, outDir: string, gpu: boolean): Promise<SideResult> {
  const tile = Math.max(32, m.size);
  const args = ['-i', inDir, '-o', freshDir(outDir), ...m.args, '-t', `${tile}`, '-g', gpu ? '0' : '-1'];
  const command = [m.binary, ...args].join(' ');
  const t = await timeProcess(join(nativeDir, m.binary), args, {
    cwd: nativeDir,
    env: { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? ICD },
    outDir,
  });
  const images = readdirSync(inDir).length;
  if (t.exitCode !== 0 || t.outputsAtMs.length !== images) {
    return { status: 'failed', command, reason: `exit ${t.exitCode}, ${t.outputsAtMs.length}/${images} outputs: ${t.stderr.slice(-400)}` };
  }
  return { status: 'ok', command, wallMs: t.wallMs, split: splitOf(t) };
}

async function runOurs(
  childJs: string,
  nativeDir: string,
  m: NativeBenchModel,
  inDir: string,
  outDir: string,
  backend: 'webgpu' | 'cpu',
): Promise<SideResult> {
  const args = [
    childJs,
    '--backend',
    backend,
    '--param',
    join(nativeDir, `${m.files}.param`),
    '--bin',
    join(nativeDir, `${m.files}.bin`),
    '--in',
    inDir,
    '--out',
    freshDir(outDir),
    '--tile',
    `${Math.max(32, m.size)}`,
  ];
  const command = ['node', ...args].join(' ');
  const t = await timeProcess(process.execPath, args, {
    cwd: process.cwd(),
    env: { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? ICD },
    outDir,
  });
  const last = t.stdout.trim().split('\n').pop() ?? '';
  if (t.exitCode !== 0 || !last.startsWith('{'))
    return { status: 'failed', command, reason: `exit ${t.exitCode}: ${t.stderr.slice(-600)}` };
  const report = JSON.parse(last) as OursChildReport;
  const warm = report.imagesMs.slice(1);
  return {
    status: 'ok',
    command,
    wallMs: t.wallMs,
    split: splitOf(t),
    readyMs: report.readyMs,
    firstImageMs: report.imagesMs[0],
    warmImageMs: warm.length ? warm.reduce((a, b) => a + b, 0) / warm.length : null,
    adapter: report.adapter,
  };
}

function machine(): NativeBenchRun['machine'] {
  const c = cpus();
  return { cpu: c[0]?.model.trim() ?? 'unknown', cores: c.length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
}

/** Runs the native comparison; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--parity')) return (await import('./parity.js')).parityMain(argv);
  const renderAt = argv.indexOf('--render');
  if (renderAt >= 0) {
    // Re-print a saved run's table (e.g. after a change to the report).
    console.log(nativeMarkdown(JSON.parse(readFileSync(argv[renderAt + 1], 'utf8')) as NativeBenchRun));
    return 0;
  }
  let opts: Options;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  const root = process.cwd();
  const nativeDir = resolve(root, '.native');
  if (!existsSync(join(nativeDir, '.stamp'))) {
    console.error('no native programs: run `bash scripts/fetch-native.sh` first (it fills .native/)');
    return 2;
  }
  let models = benchModels(opts.size);
  if (opts.models) {
    const unknown = opts.models.filter((id) => !models.some((m) => m.id === id));
    if (unknown.length) {
      console.error(`--models: unknown ${unknown.join(', ')} (${models.map((m) => m.id).join(', ')})`);
      return 2;
    }
    models = models.filter((m) => opts.models!.includes(m.id));
  }
  const work = resolve(root, opts.out, 'native-work');
  mkdirSync(work, { recursive: true });
  let childJs: string | null = null;
  let oursProblem: string | null = opts.ours ? null : 'not requested (--no-ours)';
  if (opts.ours) {
    childJs = join(work, 'ours-child.mjs');
    try {
      await bundleOurs(root, childJs);
    } catch (e) {
      oursProblem = `could not build ours (bench/native/ours-child.ts): ${(e as Error).message.split('\n')[0]}`;
      childJs = null;
    }
  }
  console.log(
    `native bench: ${models.map((m) => m.id).join(', ')}; ${opts.images} images per model; ${opts.cpu ? (opts.gpu ? 'GPU and CPU paths' : 'CPU path only') : 'GPU path only'}` +
      (oursProblem ? `; ours: ${oursProblem}` : ''),
  );

  const rows: NativeRow[] = [];
  const skipped = (reason: string): SideResult => ({ status: 'skipped', reason });
  for (const m of models) {
    const inDir = join(work, `in-${m.size}-${opts.images}`);
    if (!existsSync(inDir) || readdirSync(inDir).length !== opts.images) writeBenchImages(freshDir(inDir), opts.images, m.size);
    const dirs = {
      nativeGpu: join(work, `${m.id}-native-gpu`),
      nativeCpu: join(work, `${m.id}-native-cpu`),
      oursGpu: join(work, `${m.id}-ours-gpu`),
      oursCpu: join(work, `${m.id}-ours-cpu`),
    };
    let nativeGpu = skipped('not requested (--no-gpu)');
    if (opts.gpu) {
      console.log(`  ${m.id} (${m.size}²): native GPU path…`);
      nativeGpu = await runNative(nativeDir, m, inDir, dirs.nativeGpu, true);
    }
    let nativeCpu = skipped(opts.cpu ? 'no CPU path in this program' : 'not requested (--no-cpu)');
    if (opts.cpu && m.nativeCpu) {
      console.log(`  ${m.id}: native CPU path…`);
      nativeCpu = await runNative(nativeDir, m, inDir, dirs.nativeCpu, false);
    }
    let oursGpu = skipped(oursProblem ?? (opts.gpu ? '' : 'not requested (--no-gpu)'));
    let oursCpu = skipped(oursProblem ?? (opts.cpu ? '' : 'not requested (--no-cpu)'));
    if (childJs) {
      if (opts.gpu) {
        console.log(`  ${m.id}: ours on WebGPU…`);
        oursGpu = await runOurs(childJs, nativeDir, m, inDir, dirs.oursGpu, 'webgpu');
      }
      if (opts.cpu) {
        console.log(`  ${m.id}: ours on the CPU backend…`);
        oursCpu = await runOurs(childJs, nativeDir, m, inDir, dirs.oursCpu, 'cpu');
      }
    }
    const ok = (s: SideResult) => s.status === 'ok';
    rows.push({
      model: m.id,
      size: m.size,
      images: opts.images,
      nativeGpu,
      nativeCpu,
      oursGpu,
      oursCpu,
      diffGpu: ok(nativeGpu) && ok(oursGpu) ? compareFolders(dirs.nativeGpu, dirs.oursGpu) : null,
      // realesrgan has no CPU path: ours on the CPU against its Vulkan output then.
      diffCpu:
        ok(oursCpu) && (ok(nativeCpu) || ok(nativeGpu))
          ? compareFolders(ok(nativeCpu) ? dirs.nativeCpu : dirs.nativeGpu, dirs.oursCpu)
          : null,
    });
  }

  const date = new Date().toISOString();
  const run: NativeBenchRun = {
    schema: 'webgpu-upsample-native-bench/1',
    date,
    argv,
    machine: machine(),
    packages: readFileSync(join(nativeDir, '.stamp'), 'utf8').trim(),
    rows,
  };
  const md = nativeMarkdown(run);
  const stem = join(opts.out, `native-${date.replace(/[:.]/g, '-')}`);
  writeFileSync(`${stem}.json`, JSON.stringify(run, null, 1));
  writeFileSync(`${stem}.md`, md);
  console.log(`\n${md}\nwrote ${stem}.json and ${stem}.md`);
  const failed = rows.flatMap((r) =>
    (['nativeGpu', 'nativeCpu', 'oursGpu', 'oursCpu'] as const).filter((k) => r[k].status === 'failed').map((k) => `${r.model} ${k}`),
  );
  if (failed.length) {
    console.error(`failed: ${failed.join(', ')}`);
    return 1;
  }
  return 0;
}
