/**
 * Known answers as data: loads and validates test/known-answers/<op>.json.
 *
 * The format follows ONNX Runtime's op test data (js/web/test/data/ops/*.jsonc:
 * an operator, attributes, and cases of flat data + dims), kept as small:
 *
 *   { "op": "convTranspose2d", "about": "the maths, in one line",
 *     "cases": [{
 *       "name": "k < s leaves gaps that hold exactly the bias",   what it shows (the test name)
 *       "why": "…",                                                how the answer was worked out by hand
 *       "options": { "stride": 3 },                                the engine's option names (PyTorch semantics)
 *       "inputs": [{ "data": [...], "shape": [...] }, ...],        the op's tensor arguments, in order
 *       "output": { "data": [...], "shape": [...] },
 *       "tolerance": { "abs": 2e-5, "why": "…" },                  optional; without it the answer must be exact
 *       "onnx": { "op": "ConvTranspose", "attributes": {...}, "constants": [...] }
 *            (a constant is { data, shape } (float32) or { int64, shape } (Pad's pads, Slice's starts))
 *            | null, "whyNoOnnx": "…"                              the same case as one ONNX node, or why not
 *     }] }
 *
 * The ops are the op table's forward rows (KNOWN_OPS below is derived from
 * src/registry/table.ts: a new forward op needs a file, and its tensor arity comes
 * from the row's `inputs`). Arguments the engine takes positionally rather than
 * as options travel in `options` under these names: `r` (depth-to-space
 * family), `negativeSlope` (leakyRelu), `scalar` (mul), `start` and `count`
 * (sliceChannels). A convolution's `residual` option is a tensor
 * ({ data, shape }). ONNX inputs are the case's inputs, then `constants` ('' skips
 * an optional input, e.g. Resize's roi); attributes use src/onnx/proto.ts's
 * forms (number INT, number[] INTS, string, { f } FLOAT, { floats } FLOATS).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { OPS, type OpName } from '../../src/registry/table.js';
import type { OnnxAttr } from './onnx.js';

/** The table's forward ops: every row whose name does not end in 'Backward'. */
export type ForwardOp = Exclude<OpName, `${string}Backward`>;

/**
 * Forward ops that have no known-answer file, each with the reason (its
 * arguments do not fit the format). `satisfies` keeps every key a real forward
 * op, so a renamed or removed op fails `npm run typecheck` here. Empty: every
 * forward op fits today.
 */
export const WITHOUT_KNOWN_ANSWERS = {} as const satisfies Partial<Record<ForwardOp, string>>;

/** The ops a file may name: the forward ops of the table (src/registry/table.ts) less the exclusions above. */
export type KnownOp = Exclude<ForwardOp, keyof typeof WITHOUT_KNOWN_ANSWERS>;

/**
 * How many tensors a row's `inputs` take, [min, max]: `'bias?'` may be left
 * out, `'inputs[]'` is one or more (a case lists the array's tensors).
 */
export function arityOf(inputs: readonly string[]): readonly [number, number] {
  const required = inputs.filter((name) => !name.endsWith('?')).length;
  return [required, inputs.some((name) => name.endsWith('[]')) ? Infinity : inputs.length];
}

/** Every op a file may name, with how many tensor inputs it takes: derived from OPS, so a new forward row needs a file. */
export const KNOWN_OPS = Object.fromEntries(
  Object.values(OPS)
    .filter(({ name }) => !name.endsWith('Backward') && !Object.hasOwn(WITHOUT_KNOWN_ANSWERS, name))
    .map((def) => [def.name, arityOf(def.inputs)]),
) as Record<KnownOp, readonly [number, number]>;

export interface KnownTensor {
  data: number[];
  shape: number[];
}

/** An int64 ONNX constant (pads, slice bounds): integers only. */
export interface KnownInt64Tensor {
  int64: number[];
  shape: number[];
}

export interface KnownOnnx {
  op: string;
  attributes: Record<string, OnnxAttr>;
  /** Appended after the case's inputs; '' skips an optional ONNX input. */
  constants: (KnownTensor | KnownInt64Tensor | '')[];
}

export interface KnownCase {
  name: string;
  why: string;
  options: Record<string, unknown>;
  inputs: KnownTensor[];
  output: KnownTensor;
  /** Absent: the answer is exact (compared after rounding it to float32). */
  tolerance?: { abs: number; why: string };
  onnx: KnownOnnx | null;
  whyNoOnnx?: string;
}

export interface KnownAnswerFile {
  /** The file's path, for messages. */
  file: string;
  op: KnownOp;
  about: string;
  cases: KnownCase[];
}

/** A malformed known-answer file; the message names the file, the case and the field. */
export class KnownAnswerFormatError extends Error {
  override name = 'KnownAnswerFormatError';
}

/** conv-transpose2d.json ↔ convTranspose2d. */
export function fileNameOf(op: string): string {
  return `${op.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.json`;
}

/** Every *.json file in `dir`, parsed and validated, in file-name order. */
export function loadKnownAnswers(dir: string): KnownAnswerFile[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new KnownAnswerFormatError(`${dir}: no *.json files`);
  return files.map((f) => parseKnownAnswers(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
}

/** Parses and validates one file's text; `file` is used in messages and must be named after the op. */
export function parseKnownAnswers(text: string, file: string): KnownAnswerFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new KnownAnswerFormatError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const top = object(json, file, ['op', 'about', 'cases']);
  const op = string(top.op, `${file}: op`);
  if (!Object.hasOwn(KNOWN_OPS, op)) {
    throw new KnownAnswerFormatError(`${file}: op '${op}' is not one of ${Object.keys(KNOWN_OPS).join(', ')}`);
  }
  if (basename(file) !== fileNameOf(op)) {
    throw new KnownAnswerFormatError(`${file}: a file for op '${op}' must be named ${fileNameOf(op)}`);
  }
  const about = string(top.about, `${file}: about`);
  if (!Array.isArray(top.cases) || top.cases.length === 0) {
    throw new KnownAnswerFormatError(`${file}: cases must be a non-empty array`);
  }
  const names = new Set<string>();
  const cases = top.cases.map((c, i) => {
    const kase = parseCase(c, op as KnownOp, `${file}: cases[${i}]`);
    if (names.has(kase.name)) throw new KnownAnswerFormatError(`${file}: cases[${i}]: name "${kase.name}" is used twice`);
    names.add(kase.name);
    return kase;
  });
  return { file, op: op as KnownOp, about, cases };
}

const CASE_KEYS = ['name', 'why', 'options', 'inputs', 'output', 'tolerance', 'onnx', 'whyNoOnnx'];

function parseCase(json: unknown, op: KnownOp, where: string): KnownCase {
  const c = object(json, where, CASE_KEYS);
  const name = string(c.name, `${where}: name`);
  const at = `${where} "${name}"`;
  const why = string(c.why, `${at}: why`);
  const options = object(c.options, `${at}: options`, null);
  if (options.residual !== undefined) options.residual = tensor(options.residual, `${at}: options.residual`);
  if (!Array.isArray(c.inputs)) throw new KnownAnswerFormatError(`${at}: inputs must be an array of { data, shape }`);
  const [min, max] = KNOWN_OPS[op];
  if (c.inputs.length < min || c.inputs.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new KnownAnswerFormatError(`${at}: ${op} takes ${want} input tensors, the case has ${c.inputs.length}`);
  }
  const inputs = c.inputs.map((t, i) => tensor(t, `${at}: inputs[${i}]`));
  const output = tensor(c.output, `${at}: output`);
  let tolerance: KnownCase['tolerance'];
  if (c.tolerance !== undefined) {
    const t = object(c.tolerance, `${at}: tolerance`, ['abs', 'why']);
    if (typeof t.abs !== 'number' || !(t.abs > 0) || !Number.isFinite(t.abs)) {
      throw new KnownAnswerFormatError(`${at}: tolerance.abs ${String(t.abs)} must be a finite number > 0`);
    }
    tolerance = { abs: t.abs, why: string(t.why, `${at}: tolerance.why (derive the bound)`) };
  }
  let onnx: KnownOnnx | null;
  let whyNoOnnx: string | undefined;
  if (c.onnx === null) {
    whyNoOnnx = string(c.whyNoOnnx, `${at}: whyNoOnnx (required when onnx is null)`);
    onnx = null;
  } else {
    if (c.whyNoOnnx !== undefined) throw new KnownAnswerFormatError(`${at}: whyNoOnnx is only for onnx: null`);
    onnx = parseOnnx(c.onnx, `${at}: onnx`);
  }
  return { name, why, options, inputs, output, tolerance, onnx, whyNoOnnx };
}

function parseOnnx(json: unknown, where: string): KnownOnnx {
  if (json === undefined) throw new KnownAnswerFormatError(`${where} is missing: give { op, attributes } or null with whyNoOnnx`);
  const o = object(json, where, ['op', 'attributes', 'constants']);
  const op = string(o.op, `${where}.op`);
  const attributes = object(o.attributes, `${where}.attributes`, null);
  for (const [k, v] of Object.entries(attributes)) {
    if (!isOnnxAttr(v)) {
      throw new KnownAnswerFormatError(`${where}.attributes.${k}: ${JSON.stringify(v)} must be an int, int[], string, { f } or { floats }`);
    }
  }
  const constants = o.constants === undefined ? [] : o.constants;
  if (!Array.isArray(constants)) throw new KnownAnswerFormatError(`${where}.constants must be an array`);
  return {
    op,
    attributes: attributes as Record<string, OnnxAttr>,
    constants: constants.map((t, i) => (t === '' ? '' : constant(t, `${where}.constants[${i}]`))),
  };
}

function isOnnxAttr(v: unknown): boolean {
  const isInt = (x: unknown) => Number.isInteger(x);
  if (isInt(v) || typeof v === 'string') return true;
  if (Array.isArray(v)) return v.every(isInt);
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    const o = v as Record<string, unknown>;
    if (keys.length === 1 && keys[0] === 'f') return typeof o.f === 'number' && Number.isFinite(o.f);
    if (keys.length === 1 && keys[0] === 'floats') return Array.isArray(o.floats) && o.floats.every((x) => Number.isFinite(x));
  }
  return false;
}

/** A float32 { data, shape } or an int64 { int64, shape } constant. */
function constant(json: unknown, where: string): KnownTensor | KnownInt64Tensor {
  if (json === null || typeof json !== 'object' || !('int64' in json)) return tensor(json, where);
  const t = object(json, where, ['int64', 'shape']);
  const { int64, shape } = t;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new KnownAnswerFormatError(`${where}: shape ${JSON.stringify(shape)} must be an array of integers ≥ 1`);
  }
  if (!Array.isArray(int64) || !int64.every((v) => Number.isSafeInteger(v))) {
    throw new KnownAnswerFormatError(`${where}: int64 must be an array of integers`);
  }
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (int64.length !== size)
    throw new KnownAnswerFormatError(`${where}: shape [${shape.join(', ')}] holds ${size} values, int64 has ${int64.length}`);
  return { int64: int64 as number[], shape: shape as number[] };
}

function tensor(json: unknown, where: string): KnownTensor {
  const t = object(json, where, ['data', 'shape']);
  const { data, shape } = t;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new KnownAnswerFormatError(`${where}: shape ${JSON.stringify(shape)} must be an array of integers ≥ 1`);
  }
  if (!Array.isArray(data) || !data.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new KnownAnswerFormatError(`${where}: data must be an array of finite numbers`);
  }
  const size = shape.reduce((a: number, b: number) => a * b, 1);
  if (data.length !== size) {
    throw new KnownAnswerFormatError(`${where}: shape [${shape.join(', ')}] holds ${size} values, data has ${data.length}`);
  }
  return { data: data as number[], shape: shape as number[] };
}

/** A plain object; with `keys`, any other key is an error (catches a misspelt "tolerence"). */
function object(json: unknown, where: string, keys: readonly string[] | null): Record<string, unknown> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new KnownAnswerFormatError(`${where} must be an object, got ${JSON.stringify(json)}`);
  }
  if (keys) {
    for (const k of Object.keys(json)) {
      if (!keys.includes(k)) throw new KnownAnswerFormatError(`${where}: unknown key '${k}' (known: ${keys.join(', ')})`);
    }
  }
  return { ...(json as Record<string, unknown>) };
}

function string(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new KnownAnswerFormatError(`${where} must be a non-empty string`);
  return v;
}
