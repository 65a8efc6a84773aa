/**
 * The package as users get it, not as this repository runs it: packed with
 * `npm pack` and installed from the tarball, installed from a git URL, and
 * installed browser-only (--omit=optional), each into a fresh project outside
 * the repository. Every install is checked the way a user would use it: ESM
 * import, CommonJS require(), strict TypeScript under `nodenext` and under
 * `bundler`, and the `webgpu-upsample` command on the sample image.
 *
 * The source is a snapshot of the working tree (tracked files plus untracked,
 * not ignored ones, so uncommitted work is what gets tested), committed into a
 * scratch git repository with no dist/: what a clean checkout packs is what
 * `prepare` builds. Installs use npm's cache (--prefer-offline), so after
 * `npm ci` has run they fetch nothing new.
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const SAMPLE = join(ROOT, 'assets', 'sample.png');
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
const MINUTE = 60_000;

interface Run {
  stdout: string;
  stderr: string;
}

/** npm settings a user's shell may carry (which cache, which registry, how to reach it): kept. */
const KEEP_NPM_ENV = /^npm_config_(cache|userconfig|registry|https?_proxy|proxy|noproxy|cafile|strict_ssl)$/i;

/**
 * The environment of a user's shell: the variables `npm test` adds for its
 * scripts (npm_config_local_prefix names this repository as the project,
 * npm_package_*, npm_lifecycle_*) and the test setup's Vulkan override are
 * removed, so children behave as in a terminal.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if ((/^npm_/i.test(k) && !KEEP_NPM_ENV.test(k)) || k === 'INIT_CWD' || k === 'VK_ICD_FILENAMES') continue;
    env[k] = v;
  }
  return env;
}

/** Runs a command; on failure the error carries the command, its exit code and its output. */
function run(file: string, args: string[], options: ExecFileOptions & { cwd: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: userEnv(), maxBuffer: 64 << 20, timeout: 4 * MINUTE, ...options, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `${file} ${args.join(' ')} (in ${options.cwd}) failed: ${error.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
            ),
          );
        else resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const npm = (cwd: string, args: string[]): Promise<Run> => run('npm', [...args, ...NPM_FLAGS], { cwd });

/** Width and height from a PNG's IHDR chunk (bytes 16–23), without a decoder. */
function pngSize(path: string): [number, number] {
  const b = readFileSync(path);
  expect(b.subarray(12, 16).toString('latin1'), `${path} is a PNG`).toBe('IHDR');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

/** A consumer project with a package.json and nothing installed. */
function newProject(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true }, null, 2));
  return dir;
}

// What a user writes: ESM and CommonJS scripts and strict TypeScript, copied into each consumer.
const ESM_CHECK = `
import { parseLayersModel, ModelError } from 'webgpu-upsample';
import * as cpu from 'webgpu-upsample/cpu';
import { packagedScales, readPackagedModel } from 'webgpu-upsample/node';

// ConvTranspose2d of one pixel (2) by a 2×2 kernel at stride 2 writes 2·kernel.
const y = cpu.convTranspose2d(
  { data: Float32Array.from([2]), shape: [1, 1, 1, 1] },
  { data: Float32Array.from([1, 2, 3, 4]), shape: [1, 1, 2, 2] },
  null,
  { stride: 2 },
);
const files = readPackagedModel('default-model');
const graph = parseLayersModel(files.modelJson, files.weightShards);
let missing = null;
try { readPackagedModel('esrgan-medium'); } catch (e) { missing = { isModelError: e instanceof ModelError, message: e.message }; }
console.log(JSON.stringify({
  convT: { shape: y.shape, data: [...y.data] },
  model: { name: files.name, scale: files.scale, nodes: graph.nodes.length },
  slimScales: packagedScales('esrgan-slim'),
  missing,
}));
`;

const CJS_CHECK = `
const main = require('webgpu-upsample');
const cpu = require('webgpu-upsample/cpu');
const node = require('webgpu-upsample/node');
console.log(JSON.stringify({
  main: typeof main.createEngine,
  cpu: typeof cpu.conv2d,
  node: node.packagedScales('default-model'),
}));
`;

const TS_CHECK = `
import { createEngine, parseLayersModel, type Engine } from 'webgpu-upsample';
import * as cpu from 'webgpu-upsample/cpu';
import { readPackagedModel, type PackagedModel } from 'webgpu-upsample/node';

// GPUDevice must come with the package's types (@webgpu/types), not from the consumer.
export async function main(device?: GPUDevice): Promise<number> {
  const engine: Engine = await createEngine(device ? { device } : {});
  const name: PackagedModel = 'default-model';
  const files = readPackagedModel(name);
  const graph = parseLayersModel(files.modelJson, files.weightShards);
  const y = cpu.relu(cpu.cpuTensor(new Float32Array([-1, 2]), [2]));
  engine.destroy();
  return graph.nodes.length + y.data[1];
}
`;

const CTS_CHECK = `
import upsample = require('webgpu-upsample');
import cpu = require('webgpu-upsample/cpu');
import node = require('webgpu-upsample/node');
export const entries: unknown[] = [upsample.createEngine, cpu.conv2d, node.packagedScales];
export type Device = GPUDevice;
`;

/**
 * Strict settings with skipLibCheck off, so the package's .d.ts are checked
 * too, and `types: []`, so nothing from @types (no @types/node) is loaded.
 */
const tsconfig = (options: Record<string, string>, files: string[]): string =>
  JSON.stringify({ compilerOptions: { ...options, strict: true, skipLibCheck: false, noEmit: true, types: [] }, files }, null, 2);

function writeChecks(dir: string): void {
  writeFileSync(join(dir, 'check.mjs'), ESM_CHECK);
  writeFileSync(join(dir, 'check.cjs'), CJS_CHECK);
  writeFileSync(join(dir, 'check.mts'), TS_CHECK);
  writeFileSync(join(dir, 'check.cts'), CTS_CHECK);
  writeFileSync(join(dir, 'check-bundler.ts'), TS_CHECK);
  writeFileSync(
    join(dir, 'tsconfig.nodenext.json'),
    tsconfig({ module: 'nodenext', moduleResolution: 'nodenext' }, ['check.mts', 'check.cts']),
  );
  writeFileSync(
    join(dir, 'tsconfig.bundler.json'),
    tsconfig({ module: 'esnext', moduleResolution: 'bundler', target: 'es2022' }, ['check-bundler.ts']),
  );
}

/** The working tree as a clean checkout: tracked and untracked-not-ignored files, committed, no dist/. */
async function snapshotRepo(dest: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT });
  for (const file of new Set(stdout.split('\0').filter(Boolean))) {
    const from = join(ROOT, file);
    if (!existsSync(from) || !statSync(from).isFile()) continue; // deleted in the working tree, or a submodule
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(from, join(dest, file));
  }
  const git = (args: string[]) =>
    run('git', ['-c', 'user.name=packaging test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgsign=false', ...args], { cwd: dest });
  await git(['init', '-q']);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', 'snapshot of the working tree']);
}

/** The checks every Node install must pass, whatever it was installed from. */
function describeNodeInstall(label: string, project: () => string): void {
  describe(label, () => {
    it('has no TensorFlow.js and no @upscalerjs package in node_modules (the default models are bundled)', () => {
      const nm = join(project(), 'node_modules');
      expect(existsSync(join(nm, 'webgpu-upsample', 'dist', 'src', 'index.js')), 'dist/ was built').toBe(true);
      expect(existsSync(join(nm, '@tensorflow')), '@tensorflow installed').toBe(false);
      expect(existsSync(join(nm, '@upscalerjs')), '@upscalerjs installed').toBe(false);
      expect(existsSync(join(nm, 'webgpu')), "optional 'webgpu' installed").toBe(true);
      expect(readdirSync(join(nm, 'webgpu-upsample', 'dist', 'models', 'esrgan-slim')).sort()).toEqual([
        'LICENSE',
        'SOURCE',
        'x2',
        'x3',
        'x4',
        'x8',
      ]);
    });

    it('ESM: CPU reference ops, the bundled model parsed, and a missing model says what to install', async () => {
      const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: project() });
      const r = JSON.parse(stdout);
      expect(r.convT).toEqual({ shape: [1, 1, 2, 2], data: [2, 4, 6, 8] });
      expect(r.model.name).toBe('default-model-x2');
      expect(r.model.nodes).toBeGreaterThan(10);
      expect(r.slimScales).toEqual([2, 3, 4, 8]);
      expect(r.missing).toEqual({
        isModelError: true,
        message: expect.stringContaining('`npm install @upscalerjs/esrgan-medium --omit=peer`'),
      });
    });

    it("CommonJS: require() of '.', './cpu' and './node' (Node ≥ 20.19 loads the ESM synchronously)", async () => {
      const { stdout } = await run(process.execPath, ['check.cjs'], { cwd: project() });
      expect(JSON.parse(stdout)).toEqual({ main: 'function', cpu: 'function', node: [2] });
    });

    it('TypeScript --strict, skipLibCheck off, no @types/node: nodenext (ESM and CJS files) and bundler', async () => {
      // One build-mode run checks both projects and parses the DOM and WebGPU declarations once.
      await run(process.execPath, [TSC, '--build', 'tsconfig.nodenext.json', 'tsconfig.bundler.json'], { cwd: project() });
    });

    it('the installed command upscales assets/sample.png ×2 with the bundled default model', async () => {
      const out = join(project(), 'sample-x2.png');
      // VK_ICD_FILENAMES is unset (userEnv): without a GPU the command finds SwiftShader by itself.
      const bin = join(project(), 'node_modules', '.bin', 'webgpu-upsample');
      const { stderr } = await run(bin, [SAMPLE, out], { cwd: project() });
      const [w, h] = pngSize(SAMPLE);
      expect(pngSize(out)).toEqual([2 * w, 2 * h]);
      // onnxruntime-node is an optional peer, not installed here: without a GPU the command says what would help.
      if (/SwiftShader/.test(stderr))
        expect(stderr).toMatch(/hint: no GPU here; `npm install onnxruntime-node` runs the models on the CPU/);
      const cpu = await run(bin, [SAMPLE, join(project(), 'cpu.png'), '--backend', 'cpu'], { cwd: project() }).then(
        () => 'exit 0',
        (e: Error) => e.message,
      );
      expect(cpu).toMatch(/NoOnnxRuntimeError: .*run `npm install onnxruntime-node`/);
    });
  });
}

describe('packaging: what npm installs', () => {
  let work: string;
  let snapshot: string;
  let tarball: string;
  const projects = { tarball: '', git: '', browser: '' };
  let gitInstall: Promise<unknown>;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'webgpu-upsample-packaging-'));
    snapshot = join(work, 'repo');
    await snapshotRepo(snapshot);
    expect(existsSync(join(snapshot, 'dist')), 'the snapshot has no dist/ (a clean checkout)').toBe(false);

    // The git install clones the snapshot and runs its own `npm install` + prepare; start it now, it is the slow one.
    projects.git = newProject(work, 'from-git');
    gitInstall = npm(projects.git, ['install', `git+file://${snapshot}`]);
    gitInstall.catch(() => {}); // awaited (and reported) in its describe block

    // `npm pack` of a clean checkout: prepare must build dist/. It borrows this repository's
    // node_modules (as after `npm ci`); linked after the commit, so git never sees it.
    symlinkSync(join(ROOT, 'node_modules'), join(snapshot, 'node_modules'), 'dir');
    await npm(snapshot, ['pack', '--pack-destination', work]);
    const tgz = readdirSync(work).filter((f) => f.endsWith('.tgz'));
    expect(tgz).toHaveLength(1);
    tarball = join(work, tgz[0]);

    projects.tarball = newProject(work, 'from-tarball');
    projects.browser = newProject(work, 'browser-only');
    await npm(projects.tarball, ['install', tarball]);
    await npm(projects.browser, ['install', tarball, '--omit=optional']);
    for (const p of Object.values(projects)) writeChecks(p);
  }, 5 * MINUTE);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the tarball holds the built package, the bundled models and their licence, and no sources, tests or demos', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball], { cwd: work });
    const files = stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    for (const f of [
      'package.json',
      'README.md',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/cpu/index.js',
      'dist/src/node.js',
      'dist/bin/webgpu-upsample.js',
      'dist/models/default-model/model.json',
      'dist/models/default-model/LICENSE',
      'dist/models/esrgan-slim/LICENSE',
      ...[2, 3, 4, 8].map((s) => `dist/models/esrgan-slim/x${s}/model.json`),
      ...[2, 3, 4].map((s) => `dist/models/ncnn/realesr-animevideov3/realesr-animevideov3-x${s}.param`),
      'dist/models/ncnn/realesr-animevideov3/realesr-animevideov3.bin',
      'dist/models/ncnn/realesr-animevideov3/LICENSE',
      'dist/models/ncnn/waifu2x-upconv7-anime/scale2.0x_model.bin',
      ...[0, 1, 2, 3].map((n) => `dist/models/ncnn/waifu2x-upconv7-anime/noise${n}_scale2.0x_model.param`),
      'dist/models/ncnn/waifu2x-upconv7-anime/LICENSE',
    ]) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(f))).toEqual([]);
    expect(readFileSync(join(projects.tarball, 'node_modules', 'webgpu-upsample', 'dist', 'src', 'index.d.ts'), 'utf8')).toContain(
      '/// <reference types="@webgpu/types" preserve="true" />',
    );
    // UpscalerJS's two models (~4 MB) and the zoo's bundled ncnn models (~6 MB of fp16 weights, which barely compress).
    expect(statSync(tarball).size).toBeLessThan(15e6);
  });

  describeNodeInstall('installed from the tarball (npm pack → npm install)', () => projects.tarball);

  it('a user adds esrgan-medium with --omit=peer: it loads, and TensorFlow.js stays out', async () => {
    const p = projects.tarball;
    await npm(p, ['install', '@upscalerjs/esrgan-medium', '--omit=peer']);
    expect(existsSync(join(p, 'node_modules', '@tensorflow'))).toBe(false);
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { packagedScales } from 'webgpu-upsample/node'; console.log(JSON.stringify(packagedScales('esrgan-medium')))",
      ],
      { cwd: p },
    );
    expect(JSON.parse(stdout)).toEqual([2, 3, 4, 8]);
  });

  describe('installed from a git URL (npm runs prepare in the clone)', () => {
    beforeAll(async () => {
      await gitInstall;
      writeChecks(projects.git);
    }, 5 * MINUTE);
    describeNodeInstall('git+file://', () => projects.git);
  });

  describe('browser-only install (--omit=optional): no Dawn, no sharp', () => {
    it('leaves out webgpu, sharp and TensorFlow.js', () => {
      const nm = join(projects.browser, 'node_modules');
      expect(
        readdirSync(nm)
          .filter((d) => !d.startsWith('.'))
          .sort(),
      ).toEqual(['@types', '@webgpu', 'mediabunny', 'webgpu-upsample', 'wgsl-preprocessor']);
    });

    it("createEngine in Node then throws NoWebGPUError naming the missing 'webgpu' package and its install command", async () => {
      const script = `
        import { createEngine, NoWebGPUError } from 'webgpu-upsample';
        try { await createEngine(); console.log(JSON.stringify({ threw: false })); }
        catch (e) { console.log(JSON.stringify({ threw: true, isNoWebGPUError: e instanceof NoWebGPUError, message: e.message })); }`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: projects.browser });
      expect(JSON.parse(stdout)).toEqual({ threw: true, isNoWebGPUError: true, message: expect.stringContaining('`npm install webgpu`') });
    });

    it('the CPU reference ops and the bundled models still work, from ESM and CommonJS', async () => {
      const esm = JSON.parse((await run(process.execPath, ['check.mjs'], { cwd: projects.browser })).stdout);
      expect(esm.convT.data).toEqual([2, 4, 6, 8]);
      expect(esm.model.name).toBe('default-model-x2');
      const cjs = JSON.parse((await run(process.execPath, ['check.cjs'], { cwd: projects.browser })).stdout);
      expect(cjs).toEqual({ main: 'function', cpu: 'function', node: [2] });
    });
  });
});
