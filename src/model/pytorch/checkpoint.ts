/**
 * `parsePytorchCheckpoint`: a torch.save file → its state dict, name →
 * { data: Float32Array, shape }. Both of torch's formats:
 *
 *   zip (torch ≥ 1.6)   <archive>/data.pkl, the pickle; <archive>/data/<key>,
 *                       each storage's raw little-endian bytes (./zip.ts)
 *   legacy              five things in a row (torch/serialization.py
 *                       `_legacy_load`): a pickled magic number
 *                       0x1950a86a20f9469cfc6c, the protocol version 1001,
 *                       sys_info {little_endian, …}, the main pickle, the
 *                       list of storage keys; then per key an int64 element
 *                       count and the storage's bytes
 *
 * The pickles are read by ./pickle.ts with the allow-list of ./globals.ts.
 * The state dict is then found as spandrel does: inside `params_ema`
 * (preferred: Real-ESRGAN's releases), `params`, `state_dict`, `model`, …,
 * or a lone key, with a common `module.` prefix (DataParallel) removed.
 */
import { ModelError } from '../errors.js';
import { torchHooks } from './globals.js';
import { describe, PickleDict, PickleTuple, unpickle } from './pickle.js';
import { ELEMENT_BYTES, materialise, type Storage, TensorView } from './tensor.js';
import { isZip, readZip } from './zip.js';

/** A state dict: tensor name → float32 data and shape. A null-prototype object. */
export type TensorMap = Record<string, { data: Float32Array; shape: number[] }>;

export interface CheckpointOptions {
  /** The file's name, for messages. Default 'checkpoint'. */
  file?: string;
}

/** Names that would reach Object.prototype's machinery in a plain object: never tensor names. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const WRAPPERS = ['params_ema', 'params-ema', 'params', 'state_dict', 'model_state_dict', 'model', 'net', 'netG'];
const PREFIXES = ['module.', 'netG.'];
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function readZipCheckpoint(bytes: Uint8Array, file: string, storages: Map<string, Storage>): unknown {
  const entries = readZip(bytes, file);
  const pkl = [...entries.keys()].filter((k) => /^[^/]*\/data\.pkl$/.test(k) || k === 'data.pkl');
  if (pkl.length !== 1) throw new ModelError(`${file}: a torch zip checkpoint has one '<archive>/data.pkl', found ${pkl.length}`);
  const prefix = pkl[0].slice(0, -'data.pkl'.length);
  const entry = (name: string) => {
    const e = entries.get(prefix + name);
    return e ? bytes.subarray(e.offset, e.offset + e.size) : undefined;
  };
  const order = entry('byteorder');
  if (order && new TextDecoder().decode(order).trim() !== 'little')
    throw new ModelError(`${file}: big-endian checkpoints are not supported`);
  const { value } = unpickle(entry('data.pkl')!, 0, torchHooks(file, bytes.length, storages), file);
  for (const s of storages.values()) {
    const data = entry(`data/${s.key}`);
    if (!data) throw new ModelError(`${file}: storage '${s.key}' has no entry '${prefix}data/${s.key}'`);
    if (data.length !== s.numel * ELEMENT_BYTES[s.dtype]) {
      throw new ModelError(
        `${file}: storage '${s.key}' holds ${data.length} bytes, ${s.numel} ${s.dtype} need ${s.numel * ELEMENT_BYTES[s.dtype]}`,
      );
    }
    s.bytes = data;
  }
  return value;
}

function readLegacyCheckpoint(bytes: Uint8Array, file: string, storages: Map<string, Storage>): unknown {
  // The three header pickles are plain values: no global is allowed in them.
  const plain = torchHooks(file, bytes.length, new Map());
  let magic: { value: unknown; end: number };
  try {
    magic = unpickle(bytes, 0, plain, file);
  } catch (e) {
    throw new ModelError(`${file}: not a PyTorch checkpoint (neither a zip archive nor a legacy pickle: ${(e as Error).message})`);
  }
  if (magic.value !== LEGACY_MAGIC)
    throw new ModelError(`${file}: not a PyTorch checkpoint (neither a zip archive nor the legacy magic number)`);
  const version = unpickle(bytes, magic.end, plain, file);
  if (version.value !== 1001) throw new ModelError(`${file}: legacy checkpoint protocol ${describe(version.value)}, only 1001 is read`);
  const sysInfo = unpickle(bytes, version.end, plain, file);
  if (!(sysInfo.value instanceof PickleDict) || sysInfo.value.map.get('little_endian') !== true) {
    throw new ModelError(`${file}: the checkpoint was not written on a little-endian machine`);
  }
  const main = unpickle(bytes, sysInfo.end, torchHooks(file, bytes.length, storages), file);
  const keys = unpickle(bytes, main.end, plain, file);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new ModelError(`${file}: the storage key list is ${describe(keys.value)}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = keys.end;
  for (const key of keys.value as string[]) {
    const s = storages.get(key);
    if (!s) throw new ModelError(`${file}: the key list names storage '${key}', which no tensor uses`);
    if (p + 8 > bytes.length) throw new ModelError(`${file}: storage '${key}' is cut off (the file ends at byte ${bytes.length})`);
    const count = view.getBigInt64(p, true);
    if (count !== BigInt(s.numel))
      throw new ModelError(`${file}: storage '${key}' has ${count} elements in the data, ${s.numel} in the pickle`);
    const end = p + 8 + s.numel * ELEMENT_BYTES[s.dtype];
    if (end > bytes.length) throw new ModelError(`${file}: storage '${key}' runs ${end - bytes.length} bytes past the end of the file`);
    s.bytes = bytes.subarray(p + 8, end);
    p = end;
  }
  return main.value;
}

/** The dict that holds the tensors, found as spandrel's canonicalize_state_dict does. */
function unwrap(value: unknown, file: string): PickleDict {
  if (!(value instanceof PickleDict)) throw new ModelError(`${file}: the checkpoint holds ${describe(value)}, not a dict of tensors`);
  let d = value;
  for (const w of WRAPPERS) {
    const inner = d.map.get(w);
    if (inner instanceof PickleDict) {
      d = inner;
      break;
    }
  }
  if (d.map.size === 1) {
    const only = d.map.values().next().value;
    if (only instanceof PickleDict) d = only;
  }
  return d;
}

/** The names without a prefix they all share: 'module.' (DataParallel) or 'netG.' (GAN trainers). */
export function withoutCommonPrefix(names: string[]): string[] {
  for (const prefix of PREFIXES) {
    if (names.length && names.every((k) => k.startsWith(prefix))) names = names.map((k) => k.slice(prefix.length));
  }
  return names;
}

/** Reads a torch.save checkpoint (zip or legacy) into its state dict; anything unexpected is a ModelError naming the file. */
export function parsePytorchCheckpoint(bytes: Uint8Array, options: CheckpointOptions = {}): TensorMap {
  const file = options.file ?? 'checkpoint';
  if (!(bytes instanceof Uint8Array)) throw new ModelError(`${file}: the checkpoint must be a Uint8Array`);
  const storages = new Map<string, Storage>();
  const value = isZip(bytes) ? readZipCheckpoint(bytes, file, storages) : readLegacyCheckpoint(bytes, file, storages);
  const d = unwrap(value, file);
  const names = withoutCommonPrefix([...d.map.keys()].map((k) => (typeof k === 'string' ? k : `${describe(k)}`)));
  const out = Object.create(null) as TensorMap;
  let total = 0;
  [...d.map.entries()].forEach(([k, v], i) => {
    const name = names[i];
    if (typeof k !== 'string') throw new ModelError(`${file}: a state-dict key is ${describe(k)}, not a string`);
    if (RESERVED_NAMES.has(name)) throw new ModelError(`${file}: a tensor is named '${name}', which is reserved`);
    if (!(v instanceof TensorView)) {
      throw new ModelError(
        `${file}: '${k}' is ${v instanceof PickleTuple ? 'a tuple' : describe(v)}, not a tensor (a state dict holds only tensors)`,
      );
    }
    total += v.shape.reduce((a, b) => a * b, 1);
    // Shared storages can make tensors add up to more than the file, but not by much.
    if (total > 4 * bytes.length) throw new ModelError(`${file}: the tensors add up to ${total} elements, far more than the file holds`);
    out[name] = materialise(v, k, file);
  });
  return out;
}
