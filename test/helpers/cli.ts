/**
 * Runs the CLI as a user runs it: compiled by tsc (as `npm run upscale` does)
 * into a scratch folder inside the repo (so node_modules resolves) and
 * started with node. Image files are made and read with sharp, the CLI's own
 * codec, so tests compare pixels, not encodings.
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, '..', '..');
export const SAMPLE = join(ROOT, 'assets', 'sample.png');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Compiles bin/ and src/ into `outDir` and returns the CLI's path. Type errors
 * are `npm run typecheck`'s to report: tsc still emits, and the behaviour is tested here.
 */
export async function buildCli(outDir: string): Promise<string> {
  const cli = join(outDir, 'bin', 'webgpu-upsample.js');
  rmSync(outDir, { recursive: true, force: true });
  try {
    await run(process.execPath, [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(ROOT, 'bin', 'tsconfig.json'),
      '--outDir',
      outDir,
    ]);
  } catch (e) {
    if (!existsSync(cli)) throw e;
  }
  return cli;
}

/** Runs the CLI with node and collects its exit code, output and wall time. */
export async function runCli(cli: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  const t0 = performance.now();
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env, timeout: 300_000 });
    return { code: 0, stdout, stderr, ms: performance.now() - t0 };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '', ms: performance.now() - t0 };
  }
}

/** Runs a bash line (for ulimit and friends) and collects the same. */
export async function runShell(line: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  const t0 = performance.now();
  try {
    const { stdout, stderr } = await run('bash', ['-c', line], { env, timeout: 300_000 });
    return { code: 0, stdout, stderr, ms: performance.now() - t0 };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '', ms: performance.now() - t0 };
  }
}

export interface RawImage {
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  channels: number;
  format: string;
  bits: 8 | 16;
}

/** Decodes a file to raw samples as stored (no orientation, no colour conversion), with its format and depth. */
export async function readRaw(path: string): Promise<RawImage> {
  const meta = await sharp(path).metadata();
  const bits = meta.depth === 'ushort' ? 16 : 8;
  // 16-bit: without an explicit 16-bit colourspace sharp would hand back 8-bit values in 16-bit samples.
  const img = bits === 16 ? sharp(path).toColourspace((meta.channels ?? 3) >= 3 ? 'rgb16' : 'grey16') : sharp(path);
  const { data, info } = await img.raw({ depth: bits === 16 ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
  const samples = bits === 16 ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : new Uint8Array(data);
  return { data: samples, width: info.width, height: info.height, channels: info.channels, format: meta.format ?? '?', bits };
}

/** Largest absolute difference between two sample arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** max − min of one channel of interleaved samples: a blank image has 0. */
export function channelSpread(data: ArrayLike<number>, channels: number, c: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = c; i < data.length; i += channels) [lo, hi] = [Math.min(lo, data[i]), Math.max(hi, data[i])];
  return hi - lo;
}
