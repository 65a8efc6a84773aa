/**
 * Where ffmpeg and ffprobe are. In order: an explicit path (--ffmpeg; its
 * ffprobe is looked for beside it), $WEBGPU_UPSAMPLE_FFMPEG, the npm packages
 * @ffmpeg-installer/ffmpeg + @ffprobe-installer/ffprobe when the user installed
 * them (they ship the binaries inside their tarballs), then `ffmpeg`/`ffprobe`
 * on the PATH (Debian's, which scripts/setup.sh installs).
 *
 * Why the npm packages are not a dependency of ours: they add ~70 MB to every
 * install, ship an ffmpeg 4.x without ffprobe in the same package, and the
 * system ffmpeg of any distribution has more encoders (libx265, libvpx-vp9,
 * libaom/libsvtav1). A user who has no system ffmpeg can still install them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { FfmpegMissingError } from './errors.js';

export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
  /** The first line of `ffmpeg -version`. */
  version: string;
  /** Where they came from, for the log. */
  source: 'option' | 'env' | 'npm' | 'path';
}

function isExecutable(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `ffmpeg -version`'s first line, or null when the program does not run. */
function versionOf(program: string): string | null {
  const r = spawnSync(program, ['-version'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) return null;
  return r.stdout.split('\n')[0] ?? '';
}

/** ffprobe next to an ffmpeg path (same folder, same naming: ffmpeg.exe → ffprobe.exe). */
function probeBeside(ffmpeg: string): string {
  if (!/[\\/]/.test(ffmpeg)) return basename(ffmpeg).replace(/ffmpeg/i, 'ffprobe');
  return join(dirname(ffmpeg), basename(ffmpeg).replace(/ffmpeg/i, 'ffprobe'));
}

function fromNpm(): { ffmpeg: string; ffprobe: string } | null {
  const require = createRequire(import.meta.url);
  try {
    const a = require('@ffmpeg-installer/ffmpeg') as { path: string };
    const b = require('@ffprobe-installer/ffprobe') as { path: string };
    return existsSync(a.path) && existsSync(b.path) ? { ffmpeg: a.path, ffprobe: b.path } : null;
  } catch {
    return null;
  }
}

/**
 * Finds a working ffmpeg + ffprobe pair; throws FfmpegMissingError saying
 * what was tried and how to install one.
 */
export function findFfmpeg(explicit?: string, env: NodeJS.ProcessEnv = process.env): FfmpegBinaries {
  const tried: string[] = [];
  const candidates: { ffmpeg: string; ffprobe: string; source: FfmpegBinaries['source'] }[] = [];
  if (explicit) {
    if (!isExecutable(explicit) && /[\\/]/.test(explicit)) throw new FfmpegMissingError(`--ffmpeg ${explicit}: no such file`);
    candidates.push({ ffmpeg: explicit, ffprobe: probeBeside(explicit), source: 'option' });
  } else {
    if (env.WEBGPU_UPSAMPLE_FFMPEG) {
      candidates.push({ ffmpeg: env.WEBGPU_UPSAMPLE_FFMPEG, ffprobe: probeBeside(env.WEBGPU_UPSAMPLE_FFMPEG), source: 'env' });
    }
    const npm = fromNpm();
    if (npm) candidates.push({ ...npm, source: 'npm' });
    candidates.push({ ffmpeg: 'ffmpeg', ffprobe: 'ffprobe', source: 'path' });
  }
  for (const c of candidates) {
    const version = versionOf(c.ffmpeg);
    if (version === null) {
      tried.push(`${c.ffmpeg} (does not run)`);
      continue;
    }
    if (versionOf(c.ffprobe) === null) {
      tried.push(`${c.ffprobe} (ffprobe, beside ${c.ffmpeg}: does not run)`);
      continue;
    }
    return { ...c, version };
  }
  throw new FfmpegMissingError(
    `video files need ffmpeg and ffprobe; tried ${tried.join(', ')}. Install them (Debian/Ubuntu: sudo apt-get install ffmpeg; ` +
      `macOS: brew install ffmpeg; or npm install @ffmpeg-installer/ffmpeg @ffprobe-installer/ffprobe) or pass --ffmpeg PATH`,
  );
}

/** The encoders this ffmpeg has (`ffmpeg -encoders`), by name. */
export function ffmpegEncoders(bins: Pick<FfmpegBinaries, 'ffmpeg'>): Set<string> {
  const r = spawnSync(bins.ffmpeg, ['-hide_banner', '-encoders'], { encoding: 'utf8', timeout: 20_000 });
  const names = new Set<string>();
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = /^\s[VAS][A-Z.]{5}\s+(\S+)/.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}
