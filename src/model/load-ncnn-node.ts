/**
 * Node: ncnn models from disk. The .bin defaults to the .param's sibling
 * (`x.param` → `x.bin`), as the native programs pair them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Engine } from '../engine.js';
import { ModelError } from './errors.js';
import type { ModelGraph } from './ir.js';
import type { NcnnFamily } from './ncnn/family.js';
import { loadNcnnModel, parseNcnnModel, type NcnnModelDescription, type NcnnModelSource } from './ncnn/model.js';
import type { UpscaleModel } from './types.js';

/** A .param larger than this is not a model description (x4plus's is 117 KB). */
const MAX_PARAM_BYTES = 16 * 1024 * 1024;

/** Reads a .param and its .bin (default: the sibling with '.bin'). Throws ModelError for a missing or oversized file. */
export function readNcnnFiles(paramPath: string, binPath?: string): NcnnModelSource {
  const bin = binPath ?? paramPath.replace(/(\.param)?$/, '.bin');
  for (const p of [paramPath, bin])
    if (!existsSync(p)) throw new ModelError(`${p}: no such file${p === bin && !binPath ? ` (the .bin beside ${paramPath})` : ''}`);
  const size = statSync(paramPath).size;
  if (size > MAX_PARAM_BYTES) throw new ModelError(`${paramPath}: ${size} bytes is too large for an ncnn .param (is it the .bin?)`);
  const b = readFileSync(bin);
  return { param: readFileSync(paramPath), bin: new Uint8Array(b.buffer, b.byteOffset, b.byteLength), file: paramPath, binFile: bin };
}

/** parseNcnnModel from files: no engine, no GPU (for exportOnnx and the CPU backend). */
export function parseNcnnModelFromFiles(paramPath: string, binPath?: string): NcnnModelDescription {
  return parseNcnnModel(readNcnnFiles(paramPath, binPath));
}

/** loadNcnnModel from files. */
export function loadNcnnModelFromFiles(
  engine: Engine,
  paramPath: string,
  binPath?: string,
): UpscaleModel & { maxChannels: number; graph: ModelGraph; family: NcnnFamily } {
  return loadNcnnModel(engine, readNcnnFiles(paramPath, binPath));
}
