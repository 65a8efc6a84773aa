/**
 * What upscale() and upscalePlanes() accept: the option keys (a typo such as
 * `{ modle }` or `{ tilesize }` would otherwise be ignored silently and the
 * run would use the default; the check is src/core/params.ts's `checkOptions`,
 * the one every op and entry point uses) and the UpscaleModel contract.
 */
import { ArgumentError } from '../core/errors.js';
import type { UpscaleModel, UpscaleModelInfo } from '../model/types.js';
import { checkOptions } from '../core/params.js';
import type { Range } from './image.js';

/** Entry points list their few keys in every unknown-key message: `; the options are model, onProgress, …`. */
const ENTRY_POINT = { list: 'always' } as const;

/** Checks an options object that must carry a usable `model`, and its keys. */
export function checkUpscaleOptions(op: string, options: unknown, known: readonly string[]): void {
  if (!options || typeof options !== 'object') throw new ArgumentError(`${op}: options { model, … } are required, got ${String(options)}`);
  checkOptions(op, options, known, ENTRY_POINT);
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
  if (options) checkOptions(op, options, known, ENTRY_POINT);
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
