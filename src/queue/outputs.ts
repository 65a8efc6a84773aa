/**
 * Outputs of queued jobs: written to a temporary name in the output's own
 * folder and renamed (POSIX rename is atomic within a file system, also on
 * NFS and SMB shares), so a reader never sees half a file, and a job retried
 * after a crash replaces the result rather than adding a second one. What a
 * killed worker leaves is its hidden temporary file; the retry removes it.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** `.<name>.<pid>.<8 hex>.tmp` next to `file`: the shape the image writer uses, and the one used here. */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Removes what an earlier, killed attempt left: `.<name>.<pid>.<hex>.tmp` files beside `file`. Returns how many. */
export function removeStaleTemps(file: string): number {
  const dir = dirname(file);
  const prefix = `.${basename(file)}.`;
  const shape = /^\d+\.[0-9a-f]{8}\.tmp$/;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    if (name.startsWith(prefix) && shape.test(name.slice(prefix.length))) {
      rmSync(join(dir, name), { force: true });
      n++;
    }
  }
  return n;
}

/** Runs `write(tmp)` and renames tmp over `file`; on failure the temporary file is removed. */
export async function writeAtomically(file: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(file);
  try {
    await write(tmp);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
