/**
 * What upscale() and upscalePlanes() accept: the option keys (a typo such as
 * `{ modle }` or `{ tilesize }` would otherwise be ignored silently and the
 * run would use the default) and the UpscaleModel contract.
 *
 * `optionKeys` and `editDistance` mirror the engine ops' checks being added to
 * src/ops/params.ts; this local copy is meant to be replaced by them.
 */
import { ArgumentError } from '../errors.js';
import type { UpscaleModel, UpscaleModelInfo } from '../model/types.js';
import type { Range } from './image.js';

/** The keys an options type accepts, as a value: a Record, so the compiler insists on every key of T and nothing else. */
export function optionKeys<T>(keys: Record<keyof T, true>): readonly string[] {
  return Object.keys(keys);
}

/** Levenshtein distance: insertions, deletions and substitutions, each costing 1. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * Refuses every own key of `options` that is not in `known`, naming it and
 * suggesting the nearest known key (case-insensitive edit distance at most 2).
 */
export function checkOptionKeys(op: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    let best: string | null = null;
    let bestDistance = 3;
    for (const k of known) {
      const d = editDistance(key.toLowerCase(), k.toLowerCase());
      if (d < bestDistance) [best, bestDistance] = [k, d];
    }
    const hint = best ? ` (did you mean '${best}'?)` : '';
    throw new ArgumentError(`${op}: unknown option '${key}'${hint}; the options are ${known.join(', ')}`);
  }
}

/** Checks an options object that must carry a usable `model`, and its keys. */
export function checkUpscaleOptions(op: string, options: unknown, known: readonly string[]): void {
  if (!options || typeof options !== 'object') throw new ArgumentError(`${op}: options { model, … } are required, got ${String(options)}`);
  checkOptionKeys(op, options, known);
  const { model, onProgress } = options as { model?: UpscaleModel; onProgress?: unknown };
  if (!model || typeof model.run !== 'function') throw new ArgumentError(`${op}: options.model must be an UpscaleModel (with run())`);
  checkModelInfo(op, model);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new ArgumentError(`${op}: onProgress must be a function`);
}

/**
 * Checks the options of a run on a TileRunner, which carries its own model:
 * the keys (`model` is refused with a reason) and the runner's model facts.
 */
export function checkRunnerOptions(op: string, runnerModel: UpscaleModelInfo, options: unknown, known: readonly string[]): void {
  if (options !== undefined && (!options || typeof options !== 'object'))
    throw new ArgumentError(`${op}: options must be an object, got ${String(options)}`);
  if (options && 'model' in options) {
    throw new ArgumentError(`${op}: options.model is not taken with a TileRunner: the runner runs its own model '${runnerModel?.name}'`);
  }
  if (options) checkOptionKeys(op, options, known);
  checkModelInfo(op, runnerModel);
  const onProgress = (options as { onProgress?: unknown } | undefined)?.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new ArgumentError(`${op}: onProgress must be a function`);
}

/** The facts tiling relies on: an integer scale, a receptive radius, two value ranges, an optional width. */
function checkModelInfo(op: string, model: UpscaleModelInfo): void {
  if (!model || typeof model !== 'object')
    throw new ArgumentError(`${op}: the model must be an object with scale, receptiveRadius, inputRange and outputRange`);
  if (!Number.isInteger(model.scale) || model.scale < 1)
    throw new ArgumentError(`${op}: model.scale ${model.scale} must be an integer >= 1`);
  if (!Number.isInteger(model.receptiveRadius) || model.receptiveRadius < 0) {
    throw new ArgumentError(`${op}: model.receptiveRadius ${model.receptiveRadius} must be an integer >= 0`);
  }
  for (const name of ['inputRange', 'outputRange'] as const) checkRange(op, `model.${name}`, model[name]);
  if (model.maxChannels !== undefined && !(Number.isInteger(model.maxChannels) && model.maxChannels >= 1)) {
    throw new ArgumentError(`${op}: model.maxChannels ${String(model.maxChannels)} must be an integer >= 1 when given`);
  }
}

function checkRange(op: string, name: string, r: Range): void {
  if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || r[0] === r[1]) {
    throw new ArgumentError(`${op}: ${name} ${JSON.stringify(r)} must be two different finite numbers [lo, hi]`);
  }
}
