/**
 * The safetensors format (huggingface/safetensors), for state dicts:
 *
 *   8 bytes   N, the header's length, unsigned 64-bit little-endian
 *   N bytes   a UTF-8 JSON object: name → { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] },
 *             plus an optional "__metadata__" of string → string; may end in spaces (padding)
 *   the rest  the tensors' bytes, little-endian, row-major; offsets count from here,
 *             and the tensors cover it exactly (no holes, no overlaps)
 *
 * PyTorch: `torch.nn.Sequential` of the same layers has the same names
 * ('0.weight', '0.bias', …) and layouts (conv [Cout, Cin/g, kH, kW], convT
 * [Cin, Cout/g, kH, kW]), so `safetensors.torch.load_file(path)` gives a
 * dict `model.load_state_dict()` takes, and `save_file(model.state_dict(), path)`
 * gives a file fromSafetensors reads (F32; F16, BF16 and F64 are widened/narrowed to float32).
 * The writer pads the header with spaces to a multiple of 8 bytes, as the
 * reference implementation does, so the data section is aligned.
 */
import { ModelError } from '../model/errors.js';
import type { StateDict } from './sequential.js';

/** Bytes per element by dtype; a null-prototype table, so 'constructor' or 'toString' is no dtype. */
const BYTES: Readonly<Record<string, number>> = Object.assign(Object.create(null) as Record<string, number>, {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
});

/** Names that would reach Object.prototype's machinery in a plain object: never tensor names. */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** Serialises a state dict (F32), tensors in the dict's order. `metadata` goes into "__metadata__" (default { format: 'pt' }, what transformers looks for). */
export function toSafetensors(sd: StateDict, metadata: Record<string, string> = { format: 'pt' }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of Object.entries(sd)) {
    if (name === '__metadata__') throw new ModelError(`toSafetensors: '__metadata__' is reserved by the format and cannot name a tensor`);
    if (RESERVED.has(name)) throw new ModelError(`toSafetensors: '${name}' cannot name a tensor`);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (!(t.data instanceof Float32Array) || t.data.length !== count) {
      throw new ModelError(`toSafetensors: '${name}' data must be a Float32Array of ${count} values for shape [${t.shape.join(', ')}]`);
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of Object.values(sd)) {
    // Little-endian explicitly (typed arrays use the platform's order).
    for (let i = 0; i < t.data.length; i++) view.setFloat32(at + 4 * i, t.data[i], true);
    at += t.data.byteLength;
  }
  return out;
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 is the top half of a float32. */
function bf16(h: number): number {
  scratch.setUint32(0, h << 16);
  return scratch.getFloat32(0);
}

export interface FromSafetensorsOptions {
  /** The file's name, for messages. */
  file?: string;
}

/**
 * Parses a safetensors file into a state dict (float32), tensors in file order: a
 * null-prototype object. A malformed file, a reserved tensor name ('__proto__',
 * 'constructor', 'prototype') or a weight that is not finite as float32 is a ModelError
 * naming the file (and the tensor and index).
 */
export function fromSafetensors(bytes: Uint8Array, options: FromSafetensorsOptions = {}): StateDict {
  const bad: (msg: string) => never = (msg) => {
    throw new ModelError(`fromSafetensors: ${options.file ? `${options.file}: ` : ''}${msg}`);
  };
  if (!(bytes instanceof Uint8Array)) bad('bytes must be a Uint8Array');
  if (bytes.length < 8) bad(`${bytes.length} bytes is too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) bad(`header length ${n} exceeds the ${bytes.length - 8} bytes after it`);
  const headerLen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    bad(`the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) bad('the header must be a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    if (RESERVED.has(name)) bad(`a tensor is named '${name}', which is reserved`);
    const { dtype, shape, data_offsets: off } = (v ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype))
      bad(`'${name}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(BYTES).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      bad(`'${name}' shape ${JSON.stringify(shape)} must be an array of integers >= 0`);
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((o) => Number.isInteger(o) && o >= 0) ||
      off[0] > off[1] ||
      off[1] > dataLen
    ) {
      bad(`'${name}' data_offsets ${JSON.stringify(off)} must be [begin, end] with 0 <= begin <= end <= ${dataLen}`);
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (off[1] - off[0] !== count * BYTES[dtype])
      bad(`'${name}' holds ${off[1] - off[0]} bytes, ${dtype} [${(shape as number[]).join(', ')}] needs ${count * BYTES[dtype]}`);
    entries.push({ name, dtype, shape: shape as number[], begin: off[0], end: off[1] });
  }
  entries.sort((a, b) => a.begin - b.begin);
  let expected = 0;
  for (const t of entries) {
    if (t.begin !== expected)
      bad(`'${t.name}' starts at byte ${t.begin}, expected ${expected}: the tensors must cover the data without holes or overlaps`);
    expected = t.end;
  }
  if (expected !== dataLen) bad(`the tensors cover ${expected} of the ${dataLen} data bytes`);
  const sd = Object.create(null) as StateDict;
  for (const t of entries) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    const at = dataStart + t.begin;
    for (let i = 0; i < count; i++) {
      data[i] =
        t.dtype === 'F32'
          ? view.getFloat32(at + 4 * i, true)
          : t.dtype === 'F64'
            ? view.getFloat64(at + 8 * i, true)
            : t.dtype === 'F16'
              ? f16(view.getUint16(at + 2 * i, true))
              : bf16(view.getUint16(at + 2 * i, true));
      // 1e39 as F64 is finite as a double and Infinity as float32: either way the weight is unusable.
      if (!Number.isFinite(data[i])) bad(`'${t.name}' element ${i} is ${data[i]}, not finite as float32`);
    }
    sd[t.name] = { shape: [...t.shape], data };
  }
  return sd;
}
