/**
 * Running ffmpeg/ffprobe as child processes: collect output, turn a failure
 * into a message that names the file (the last meaningful stderr lines, not
 * ffmpeg's whole banner).
 */
import { spawn } from 'node:child_process';
import { VideoFileError } from './errors.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; resolves with its exit code and text output (never rejects on a non-zero exit). */
export function runProgram(program: string, args: string[], signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** The last few distinct lines of an ffmpeg stderr, without progress noise: what went wrong, in ffmpeg's words. */
export function ffmpegComplaint(stderr: string, lines = 3): string {
  const kept = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(frame=|size=|Press \[q\]|Stream mapping|Input #|Output #|Duration:|Metadata:|\[Parsed_showinfo)/.test(l));
  return [...new Set(kept.slice(-lines))].join('; ') || 'no message';
}

/** Throws a VideoFileError for `file` unless the run succeeded. */
export function checkRun(file: string, what: string, r: RunResult): void {
  if (r.code !== 0) throw new VideoFileError(file, `${what} failed: ${ffmpegComplaint(r.stderr)}`);
}
