/**
 * Argument normalisation shared by every shape rule: per-axis pairs, integer
 * checks and shape checks. Each check throws a typed error that names the op,
 * the argument and the value.
 */
import { ArgumentError, ShapeError } from './errors.js';

/** A per-axis option: one number for both axes, or `[h, w]`. */
export type Pair = number | readonly [number, number];

export type Shape = readonly number[];

export interface IntRule {
  /** Smallest allowed value (inclusive). */
  min: number;
}

function describe(v: unknown): string {
  if (typeof v === 'number') return String(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * The keys an options type accepts, as a value. Written as a Record so the
 * compiler insists on every key of T and on nothing else.
 */
export function optionKeys<T>(keys: Record<keyof T, true>): readonly string[] {
  return Object.keys(keys);
}

/** Levenshtein distance: insertions, deletions and substitutions, each costing 1. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/** How `checkOptions` words an unknown key beyond its name and the suggestion. */
export interface OptionCheck {
  /** Names a nested options object in messages, e.g. 'depthToSpace.' (`unknown option 'depthToSpace.mod'`). */
  prefix?: string;
  /**
   * 'unless-suggested' (the ops): `; known options: a, b` only when no key is near;
   * 'always' (entry points such as upscale(), whose few keys are worth showing):
   * `; the options are a, b` after the suggestion too.
   */
  list?: 'unless-suggested' | 'always';
}

/**
 * The one option-key check (ops, layers, optimizers, upscale(), the video
 * upscaler): undefined means `{}`; anything but a plain object is refused, and
 * so is every key not in `known`, since a typo (`strid: 2`) would otherwise be
 * ignored and the call would silently run with the default. The ArgumentError
 * names the key and suggests the nearest known one within 2 edits, case
 * ignored (`'onprogress'` → `'onProgress'`). Returns the options as a record.
 */
export function checkOptions(
  op: string,
  options: unknown,
  known: readonly string[],
  how: string | OptionCheck = {},
): Record<string, unknown> {
  const { prefix = '', list = 'unless-suggested' } = typeof how === 'string' ? { prefix: how } : how;
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(`${op}: ${prefix ? `${prefix.slice(0, -1)} ` : 'options '}${describe(options)} must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    let best: string | null = null;
    let bestDistance = 3;
    for (const k of known) {
      const d = editDistance(key.toLowerCase(), k.toLowerCase());
      if (d < bestDistance) [best, bestDistance] = [k, d];
    }
    const names = known.map((k) => prefix + k).join(', ');
    const hint = best ? ` (did you mean '${prefix}${best}'?)` : '';
    const tail = list === 'always' ? `; the options are ${names}` : best ? '' : `; known options: ${names}`;
    throw new ArgumentError(`${op}: unknown option '${prefix}${key}'${hint}${tail}`);
  }
  return options as Record<string, unknown>;
}

/** Checks that `v` is an integer >= rule.min and returns it. */
export function int(op: string, name: string, v: unknown, rule: IntRule): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ArgumentError(`${op}: ${name} ${describe(v)} must be a finite number`);
  }
  if (!Number.isInteger(v)) throw new ArgumentError(`${op}: ${name} ${v} must be an integer`);
  if (v < rule.min) throw new ArgumentError(`${op}: ${name} ${v} must be >= ${rule.min}`);
  return v;
}

/** Normalises a number-or-pair option to `[h, w]`, each checked by `int`. */
export function pair(op: string, name: string, v: unknown, def: number, rule: IntRule): [number, number] {
  if (v === undefined) return [def, def];
  if (Array.isArray(v)) {
    if (v.length !== 2) {
      throw new ArgumentError(`${op}: ${name} ${describe(v)} must be a number or an [h, w] pair`);
    }
    return [int(op, `${name}[0]`, v[0], rule), int(op, `${name}[1]`, v[1], rule)];
  }
  const n = int(op, name, v, rule);
  return [n, n];
}

/** Checks a finite real number (e.g. a negative slope or a scalar factor). */
export function real(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ArgumentError(`${op}: ${name} ${describe(v)} must be a finite number`);
  }
  return v;
}

/** Checks that a shape has the given rank and only positive integer dimensions. */
export function checkShape(op: string, name: string, shape: Shape, rank: number): void {
  if (!Array.isArray(shape) && !(shape as unknown as { length?: number })?.length) {
    throw new ShapeError(`${op}: ${name} shape ${describe(shape)} must be an array`);
  }
  if (shape.length !== rank) {
    throw new ShapeError(`${op}: ${name} must have rank ${rank}, got shape [${shape.join(', ')}]`);
  }
  shape.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) {
      throw new ShapeError(`${op}: ${name} dimension ${i} is ${describe(d)}, must be a positive integer`);
    }
  });
}

/** Number of elements of a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}
