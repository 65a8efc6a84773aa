/**
 * Torch tensors as a checkpoint's pickle describes them: a storage (a flat
 * array of one dtype, found by key) and a strided view of it,
 * `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`.
 * Element (i₀, i₁, …) of the view is storage[offset + Σ iₖ·strideₖ].
 *
 * The pickle is read before the storages' bytes are located (legacy files
 * keep them after it), so the view is checked against the storage's element
 * count at once and read later by `materialise`, widened/narrowed to float32.
 */
import { ModelError } from '../errors.js';

export type StorageDtype = 'float32' | 'float16' | 'bfloat16' | 'float64';

/** torch.<Name>Storage → dtype, for the storage types this loader reads. */
export const STORAGE_TYPES: Readonly<Record<string, StorageDtype>> = Object.assign(Object.create(null) as Record<string, StorageDtype>, {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
});

export const ELEMENT_BYTES: Readonly<Record<StorageDtype, number>> = { float32: 4, float16: 2, bfloat16: 2, float64: 8 };

/** The marker `find` returns for torch.FloatStorage and the like. */
export class StorageType {
  constructor(
    readonly name: string,
    readonly dtype: StorageDtype,
  ) {}
}

export class Storage {
  /** The storage's bytes, once located (little-endian). */
  bytes: Uint8Array | null = null;
  constructor(
    readonly key: string,
    readonly dtype: StorageDtype,
    /** Element count. */
    readonly numel: number,
  ) {}
}

/** A strided view of a storage, not yet read. */
export class TensorView {
  constructor(
    readonly storage: Storage,
    readonly offset: number,
    readonly shape: number[],
    readonly strides: number[],
  ) {}
}

const natural = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Checks a view against its storage: every element it can address lies inside. */
export function makeView(
  storage: Storage,
  offset: unknown,
  shape: unknown,
  strides: unknown,
  file: string,
  maxElements: number,
): TensorView {
  const what = `${file}: a tensor on storage '${storage.key}'`;
  if (!natural(offset)) throw new ModelError(`${what} has storage offset ${String(offset)}, not an integer >= 0`);
  if (!Array.isArray(shape) || !shape.every(natural)) throw new ModelError(`${what} has size ${JSON.stringify(shape)}, not integers >= 0`);
  if (!Array.isArray(strides) || strides.length !== shape.length || !strides.every(natural)) {
    throw new ModelError(`${what} has stride ${JSON.stringify(strides)} for size [${shape.join(', ')}]`);
  }
  let count = 1;
  for (const d of shape) count *= d;
  if (count > maxElements) throw new ModelError(`${what} of size [${shape.join(', ')}] has more elements than the file could hold`);
  if (count > 0) {
    let last = offset;
    for (let k = 0; k < shape.length; k++) last += (shape[k] - 1) * strides[k];
    if (last >= storage.numel) {
      throw new ModelError(
        `${what}: size [${shape.join(', ')}], stride [${strides.join(', ')}] at offset ${offset} reach element ${last}, the storage holds ${storage.numel}`,
      );
    }
  }
  return new TensorView(storage, offset, shape, strides);
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Reads a view into a new Float32Array (row-major); a value not finite as float32 is a ModelError naming `name` and the index. */
export function materialise(t: TensorView, name: string, file: string): { data: Float32Array; shape: number[] } {
  const { storage, shape, strides } = t;
  const bytes = storage.bytes;
  if (!bytes) throw new ModelError(`${file}: tensor '${name}': storage '${storage.key}' has no data in the file`);
  const size = ELEMENT_BYTES[storage.dtype];
  if (bytes.length < storage.numel * size) {
    throw new ModelError(
      `${file}: storage '${storage.key}' holds ${bytes.length} bytes, ${storage.numel} ${storage.dtype} need ${storage.numel * size}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read =
    storage.dtype === 'float32'
      ? (i: number) => view.getFloat32(4 * i, true)
      : storage.dtype === 'float64'
        ? (i: number) => view.getFloat64(8 * i, true)
        : storage.dtype === 'float16'
          ? (i: number) => f16(view.getUint16(2 * i, true))
          : (i: number) => bf16(view.getUint16(2 * i, true));
  const count = shape.reduce((a, b) => a * b, 1);
  if (storage.dtype === 'float32' && LITTLE_ENDIAN && isContiguous(shape, strides)) {
    // The common case, a whole row-major float32 tensor: one copy, then the finiteness check.
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 4 * t.offset, bytes.byteOffset + 4 * (t.offset + count)));
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new ModelError(`${file}: tensor '${name}' element ${bad} is ${data[bad]}, not finite as float32`);
    return { data, shape: [...shape] };
  }
  const data = new Float32Array(count);
  // Walk the indices in row-major order, carrying like an odometer.
  const index = new Array<number>(shape.length).fill(0);
  let at = t.offset;
  for (let i = 0; i < count; i++) {
    const v = Math.fround(read(at));
    if (!Number.isFinite(v)) {
      throw new ModelError(`${file}: tensor '${name}' element ${i} is ${read(at)}, not finite as float32`);
    }
    data[i] = v;
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) {
        at += strides[k];
        break;
      }
      index[k] = 0;
      at -= (shape[k] - 1) * strides[k];
    }
  }
  return { data, shape: [...shape] };
}

/** Typed arrays use the platform's byte order; storages are little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Row-major with no gaps: stride[k] = ∏ shape[k+1…]. */
function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    if (shape[k] !== 1 && strides[k] !== expected) return false;
    expected *= shape[k];
  }
  return true;
}

const scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 is the top half of a float32. */
function bf16(h: number): number {
  scratch.setUint32(0, h << 16);
  return scratch.getFloat32(0);
}
