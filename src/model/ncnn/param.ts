/**
 * parseNcnnParam: an ncnn `.param` (text) as a checked list of layers.
 *
 * Format: line 1 the magic 7767517; line 2 `layerCount blobCount`; then one
 * layer per line, `Type name nIn nOut in… out… k=v…` (whitespace separated;
 * the npm copies use CRLF). A blob exists from the layer that first names it
 * as an output; weights follow in the `.bin` in layer order (./weights.ts).
 *
 * Values: ncnn reads a value with `.` or `e` as a float, else as an int
 * (ParamDict::load_param); arrays are `-233kk=n,v1,…,vn` for key kk, or
 * `k=v1,v2,…`. Floats are parsed here by a grammar (not the locale) and must
 * be finite as float32.
 *
 * Checked before anything is built: the magic, counts equal to what the file
 * holds (so a count of 999999999 allocates nothing), every blob produced once
 * and produced before it is read (which also rules out cycles), known layer
 * types, known keys of the right kind, bounded array lengths.
 */
import { IGNORED_KEYS, LAYERS, type KeySpec } from './schema.js';
import { ncnnError } from './where.js';

export type NcnnValue = number | number[];

export interface NcnnLayer {
  type: string;
  name: string;
  inputs: string[];
  outputs: string[];
  /** Parameter values by key (ignored keys 30/31 dropped). */
  params: Map<number, NcnnValue>;
  /** 1-based line of the layer in the .param. */
  line: number;
}

export interface ParseNcnnParamOptions {
  /** The file's name in error messages; default 'model.param'. */
  file?: string;
}

const MAGIC = 7767517;
/** Far more than any real model has (x4plus: 999 layers, 1782 blobs). */
const MAX_LAYERS = 100_000;
const MAX_ARRAY = 4096;
const MAX_NAME = 256;

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

interface Scalar {
  value: number;
  float: boolean;
}

/** One value token: an int32 or a float finite as float32; null when it is neither. */
function scalar(token: string): Scalar | null {
  if (INT_RE.test(token)) {
    const v = Number(token);
    return v >= -2147483648 && v <= 2147483647 ? { value: v, float: false } : null;
  }
  if (FLOAT_RE.test(token)) {
    const v = Math.fround(Number(token));
    return Number.isFinite(v) ? { value: v, float: true } : null;
  }
  return null;
}

function decode(param: string | ArrayBuffer | ArrayBufferView, file: string): string {
  if (typeof param === 'string') return param;
  const bytes = param instanceof ArrayBuffer ? new Uint8Array(param) : new Uint8Array(param.buffer, param.byteOffset, param.byteLength);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw ncnnError(file, null, 'is not UTF-8 text (is it the .bin?)');
  }
}

/** Parses and checks the .param text (or its bytes). Throws ModelError naming the file, layer and key. */
export function parseNcnnParam(param: string | ArrayBuffer | ArrayBufferView, options: ParseNcnnParamOptions = {}): NcnnLayer[] {
  const file = options.file ?? 'model.param';
  const lines = decode(param, file)
    .split(/\r\n|\r|\n/)
    .map((text, i) => ({
      tokens: text
        .trim()
        .split(/[ \t]+/)
        .filter(Boolean),
      line: i + 1,
    }))
    .filter((l) => l.tokens.length > 0);
  if (lines.length === 0 || lines[0].tokens.length !== 1 || lines[0].tokens[0] !== String(MAGIC)) {
    throw ncnnError(file, null, `line 1 must be the magic number ${MAGIC} (an ncnn .param), got '${lines[0]?.tokens.join(' ') ?? ''}'`);
  }
  const header = lines[1]?.tokens ?? [];
  const [layerCount, blobCount] = header.map(Number);
  if (header.length !== 2 || !header.every((t) => INT_RE.test(t)) || layerCount < 1 || blobCount < 1) {
    throw ncnnError(file, null, `line 2 must be 'layerCount blobCount' (two positive integers), got '${header.join(' ')}'`);
  }
  const body = lines.slice(2);
  if (layerCount > MAX_LAYERS || layerCount !== body.length) {
    throw ncnnError(file, null, `line 2 declares ${header[0]} layers but the file has ${body.length} layer lines`);
  }

  const produced = new Set<string>();
  const layers: NcnnLayer[] = [];
  for (const { tokens, line } of body) {
    const layer = parseLayer(tokens, line, file);
    for (const b of layer.inputs) {
      if (!produced.has(b)) {
        throw ncnnError(
          file,
          layer,
          `reads blob '${b}' before any layer produces it (line ${line}; a missing layer, a misspelt name or a cycle)`,
        );
      }
    }
    for (const b of layer.outputs) {
      if (produced.has(b)) throw ncnnError(file, layer, `produces blob '${b}', which an earlier layer already produced (line ${line})`);
      produced.add(b);
    }
    layers.push(layer);
  }
  if (produced.size !== blobCount) {
    throw ncnnError(file, null, `line 2 declares ${header[1]} blobs but the layers produce ${produced.size}`);
  }
  return layers;
}

function parseLayer(tokens: string[], line: number, file: string): NcnnLayer {
  const [type, name = '', nInTok = '', nOutTok = ''] = tokens;
  const ref = { type, name };
  const schema = Object.hasOwn(LAYERS, type) ? LAYERS[type] : undefined;
  if (!schema) throw ncnnError(file, ref, `unknown layer type '${type}' (line ${line}); supported: ${Object.keys(LAYERS).join(', ')}`);
  if (!name || name.length > MAX_NAME) throw ncnnError(file, ref, `line ${line} needs a layer name of at most ${MAX_NAME} characters`);
  if (!INT_RE.test(nInTok) || !INT_RE.test(nOutTok)) {
    throw ncnnError(file, ref, `line ${line}: the input and output blob counts must be integers, got '${nInTok}' '${nOutTok}'`);
  }
  const nIn = Number(nInTok);
  const nOut = Number(nOutTok);
  if (nIn < schema.inputs[0] || nIn > schema.inputs[1]) {
    throw ncnnError(file, ref, `takes ${schema.inputs.join('–')} input blobs, the file says ${nIn} (line ${line})`);
  }
  if (nOut < schema.outputs[0] || nOut > schema.outputs[1]) {
    throw ncnnError(file, ref, `makes ${schema.outputs.join('–')} output blobs, the file says ${nOut} (line ${line})`);
  }
  if (tokens.length < 4 + nIn + nOut) throw ncnnError(file, ref, `line ${line} names fewer blobs than its counts (${nIn} in, ${nOut} out)`);
  const inputs = tokens.slice(4, 4 + nIn);
  const outputs = tokens.slice(4 + nIn, 4 + nIn + nOut);
  for (const b of [...inputs, ...outputs]) {
    if (b.includes('=') || b.length > MAX_NAME) throw ncnnError(file, ref, `'${b}' is not a blob name (line ${line})`);
  }
  if (new Set(outputs).size !== outputs.length) throw ncnnError(file, ref, `names an output blob twice (line ${line})`);

  const params = new Map<number, NcnnValue>();
  for (const token of tokens.slice(4 + nIn + nOut)) {
    const eq = token.indexOf('=');
    const keyTok = token.slice(0, eq);
    const valueTok = token.slice(eq + 1);
    if (eq < 0 || !INT_RE.test(keyTok)) throw ncnnError(file, ref, `'${token}' is not key=value (line ${line})`);
    let key = Number(keyTok);
    const arrayForm = key <= -23300;
    if (arrayForm) key = -key - 23300;
    if (!Number.isInteger(key) || key < 0 || key > 31)
      throw ncnnError(file, ref, `ncnn keys are 0–31 (arrays −23300 to −23331), not ${keyTok}`, keyTok);
    if (IGNORED_KEYS.has(key)) continue;
    const spec = schema.keys[key];
    if (!spec) throw ncnnError(file, ref, `unknown parameter for ${type} (line ${line})`, key);
    if (params.has(key)) throw ncnnError(file, ref, `given twice (line ${line})`, key, spec.name);
    params.set(
      key,
      parseValue(valueTok, arrayForm, spec, (m) => ncnnError(file, ref, `${m} (line ${line})`, key, spec.name)),
    );
  }
  return { type, name, inputs, outputs, params, line };
}

function parseValue(text: string, arrayForm: boolean, spec: KeySpec, fail: (m: string) => Error): NcnnValue {
  const isArray = spec.kind === 'ints' || spec.kind === 'floats';
  let items: string[];
  if (arrayForm) {
    const [countTok, ...rest] = text.split(',');
    if (!INT_RE.test(countTok) || Number(countTok) < 0 || Number(countTok) > MAX_ARRAY) {
      throw fail(`array length '${countTok}' must be an integer in 0..${MAX_ARRAY}`);
    }
    if (rest.length !== Number(countTok)) throw fail(`array says ${countTok} values but lists ${rest.length}`);
    items = rest;
  } else if (text.includes(',')) {
    items = text.split(',');
    if (items.length > MAX_ARRAY) throw fail(`array of more than ${MAX_ARRAY} values`);
  } else {
    items = [text];
  }
  if (isArray !== (arrayForm || items.length > 1))
    throw fail(isArray ? 'must be an array (-233kk=n,v1,… or k=v1,v2,…)' : 'must be a single value, not an array');
  const wantFloat = spec.kind === 'float' || spec.kind === 'floats';
  const values = items.map((t) => {
    const s = scalar(t);
    if (!s) throw fail(`'${t}' is not a number (ints must fit int32, floats must be finite as float32)`);
    // ncnn stores an int or a float in a union and reads the field the layer asks for.
    if (s.float && !wantFloat) throw fail(`'${t}' is a float where ncnn reads an integer`);
    if (!s.float && wantFloat && s.value !== 0)
      throw fail(`'${t}' is an integer where ncnn reads a float (its bits would be read as one): write ${t}.0`);
    return s.value;
  });
  return isArray ? values : values[0];
}

/** An int parameter (validated by the parser), or its default. */
export function intParam(layer: NcnnLayer, key: number, def: number): number {
  const v = layer.params.get(key);
  return typeof v === 'number' ? v : def;
}

/** A float parameter, or its default. */
export const floatParam: (layer: NcnnLayer, key: number, def: number) => number = intParam;

/** An array parameter, or an empty array. */
export function arrayParam(layer: NcnnLayer, key: number): number[] {
  const v = layer.params.get(key);
  return Array.isArray(v) ? v : [];
}
