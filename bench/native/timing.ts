/**
 * Whole-process timing of a program that upscales a folder: wall time from spawn to exit, and the
 * moments its output files were last written (their mtimes), from which the start-up / per-image split
 * is read the same way for the native programs and ours: per image = (last − first output) / (N − 1)
 * (a throughput: the native programs overlap loading, processing and saving), start-up = wall − N × per
 * image. With one image there is no split.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcessTiming {
  wallMs: number;
  /** Milliseconds from spawn to each output's last write, ascending. */
  outputsAtMs: number[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface Split {
  startupMs: number;
  perImageMs: number;
}

/** Runs `command args` with `env` in `cwd`; times it and reads the output folder's mtimes. */
export function timeProcess(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; outDir: string },
): Promise<ProcessTiming> {
  return new Promise((resolve, reject) => {
    const startWall = Date.now();
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const outputsAtMs = readdirSync(opts.outDir)
        .map((f) => statSync(join(opts.outDir, f)).mtimeMs - startWall)
        .sort((a, b) => a - b);
      resolve({ wallMs, outputsAtMs, exitCode: code, stdout, stderr });
    });
  });
}

export function splitOf(t: ProcessTiming): Split | null {
  const n = t.outputsAtMs.length;
  if (n < 2) return null;
  const perImageMs = (t.outputsAtMs[n - 1] - t.outputsAtMs[0]) / (n - 1);
  return { startupMs: t.wallMs - n * perImageMs, perImageMs };
}
