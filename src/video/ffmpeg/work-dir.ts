/**
 * The work folder of a segmented run (`out.mp4.parts/`): one finished file
 * per segment and a manifest that binds them to the input (path, size,
 * modification time) and to everything that changes the output's bytes
 * (model, scale, codec, quality, backend, ffmpeg version, segment plan).
 * `--resume` reuses the segments the manifest lists as done when all of that
 * matches; anything else starts over.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { VideoProbe } from './types.js';
import type { Segment } from './segments.js';

export interface Manifest {
  version: 1;
  input: { file: string; size: number; mtimeMs: number };
  /** Everything else the output depends on, as one string (see VideoJobKey). */
  key: string;
  segments: { startPts: number; endPts: number | null; frames: number }[];
  /** Finished segments: index → bytes of its file. */
  done: Record<string, number>;
}

export function workDirOf(output: string): string {
  return `${output}.parts`;
}

export function segmentFile(workDir: string, index: number, ext: string): string {
  return join(workDir, `segment-${String(index).padStart(5, '0')}${ext}`);
}

function manifestPath(workDir: string): string {
  return join(workDir, 'manifest.json');
}

function writeManifest(workDir: string, m: Manifest): void {
  const tmp = `${manifestPath(workDir)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(m, null, 1)}\n`);
  renameSync(tmp, manifestPath(workDir));
}

export function readManifest(workDir: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(manifestPath(workDir), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

export interface WorkDir {
  dir: string;
  manifest: Manifest;
  /** Segments already finished (reused by --resume). */
  reused: number[];
  /** Why earlier parts were not reused (when there were some). */
  discarded?: string;
  markDone(index: number, file: string): void;
  isDone(index: number): boolean;
  remove(): void;
}

/** Opens (resume) or creates the work folder for `output`. */
export function openWorkDir(
  output: string,
  probe: VideoProbe,
  plan: readonly Segment[],
  key: string,
  ext: string,
  resume: boolean,
): WorkDir {
  const dir = workDirOf(output);
  const fresh: Manifest = {
    version: 1,
    input: { file: resolve(probe.file), size: probe.size, mtimeMs: probe.mtimeMs },
    key,
    segments: plan.map((s) => ({ startPts: s.startPts, endPts: s.endPts, frames: s.frames })),
    done: {},
  };
  const old = existsSync(dir) ? readManifest(dir) : null;
  let manifest = fresh;
  let discarded: string | undefined;
  const reused: number[] = [];
  if (old && resume) {
    const why =
      old.version !== 1
        ? 'another version'
        : old.input.file !== fresh.input.file || old.input.size !== fresh.input.size || old.input.mtimeMs !== fresh.input.mtimeMs
          ? 'the input file changed'
          : old.key !== key
            ? 'the options changed'
            : JSON.stringify(old.segments) !== JSON.stringify(fresh.segments)
              ? 'the segment plan changed'
              : null;
    if (why) discarded = why;
    else {
      manifest = { ...old, done: {} };
      for (const [i, bytes] of Object.entries(old.done)) {
        const f = segmentFile(dir, Number(i), ext);
        try {
          if (statSync(f).size === bytes) {
            manifest.done[i] = bytes;
            reused.push(Number(i));
          }
        } catch {
          // missing: redo it
        }
      }
    }
  } else if (old && Object.keys(old.done).length) {
    discarded = 'no --resume';
  }
  if (manifest === fresh) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // A process killed outright (SIGKILL, power loss) can leave a segment's temporary file: never a finished one.
  for (const name of readdirSync(dir)) if (name.includes('.tmp-')) rmSync(join(dir, name), { force: true });
  writeManifest(dir, manifest);
  return {
    dir,
    manifest,
    reused: reused.sort((a, b) => a - b),
    discarded,
    markDone(index, file) {
      manifest.done[String(index)] = statSync(file).size;
      writeManifest(dir, manifest);
    },
    isDone: (index) => String(index) in manifest.done,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
