/**
 * readNcnnWeights: an ncnn `.bin` read in layer order (ncnn's ModelBin).
 *
 * The file is the layers' data concatenated, no header. Convolution,
 * ConvolutionDepthWise, Deconvolution and InnerProduct weights start with a
 * uint32 LE tag: 0 or 0x0002C056 → float32 values; 0x01306B47 → float16
 * values padded to 4 bytes; 0x000D4B38 (int8) and any other tag (a 256-entry
 * quantization table + u8 indices) are refused. Biases, PReLU slopes and
 * Scale data are raw float32 with no tag.
 *
 * Every length is checked against the bytes left BEFORE anything is
 * allocated; a truncated file, bytes left over at the end, and weights that
 * are not finite as float32 (fp16 inf/NaN included) are ModelErrors naming
 * the layer and the index.
 */
import { halfTable } from './fp16.js';
import { intParam, type NcnnLayer } from './param.js';
import { ncnnError } from './where.js';

/** The tensors one layer reads from the .bin, by role (weight, bias, slope, scale). */
export type NcnnLayerWeights = Partial<Record<'weight' | 'bias' | 'slope' | 'scale', Float32Array>>;

export interface ReadNcnnWeightsOptions {
  /** The file's name in error messages; default 'model.bin'. */
  file?: string;
}

/** Typed arrays use the platform's byte order; the .bin is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const TAG_FP32 = 0x0002c056;
const TAG_FP16 = 0x01306b47;
const TAG_INT8 = 0x000d4b38;

class BinReader {
  offset = 0;
  readonly view: DataView;
  constructor(
    bytes: ArrayBuffer | ArrayBufferView,
    readonly file: string,
  ) {
    this.view = bytes instanceof ArrayBuffer ? new DataView(bytes) : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** A copy of the next `n` bytes (aligned, whatever the source view's offset). */
  private bytes(n: number): ArrayBuffer {
    const start = this.view.byteOffset + this.offset;
    return (this.view.buffer as ArrayBuffer).slice(start, start + n);
  }
  get left(): number {
    return this.view.byteLength - this.offset;
  }
  /** Throws unless `bytes` more bytes are there (checked before any allocation). */
  need(layer: NcnnLayer, what: string, bytes: number): void {
    if (bytes > this.left) {
      throw ncnnError(
        this.file,
        layer,
        `${what} needs ${bytes} bytes at offset ${this.offset} but the file has ${this.left} left (truncated, or the .bin of another model)`,
      );
    }
  }
  /** `count` raw float32 values (no tag). */
  raw(layer: NcnnLayer, what: string, count: number): Float32Array {
    this.need(layer, `${what} (${count} float32)`, count * 4);
    const out = new Float32Array(count);
    if (LITTLE_ENDIAN) out.set(new Float32Array(this.bytes(count * 4)));
    else for (let i = 0; i < count; i++) out[i] = this.view.getFloat32(this.offset + 4 * i, true);
    this.offset += count * 4;
    return finite(out, this.file, layer, what);
  }
  /** `count` values behind a storage tag. */
  tagged(layer: NcnnLayer, what: string, count: number): Float32Array {
    this.need(layer, `${what}'s storage tag`, 4);
    const tag = this.view.getUint32(this.offset, true);
    this.offset += 4;
    if (tag === 0 || tag === TAG_FP32) return this.raw(layer, what, count);
    if (tag === TAG_FP16) {
      const bytes = Math.ceil((count * 2) / 4) * 4;
      this.need(layer, `${what} (${count} float16)`, bytes);
      const out = new Float32Array(count);
      const half = halfTable();
      if (LITTLE_ENDIAN) {
        const h = new Uint16Array(this.bytes(count * 2));
        for (let i = 0; i < count; i++) out[i] = half[h[i]];
      } else for (let i = 0; i < count; i++) out[i] = half[this.view.getUint16(this.offset + 2 * i, true)];
      this.offset += bytes;
      return finite(out, this.file, layer, what);
    }
    const hex = `0x${tag.toString(16).padStart(8, '0')}`;
    if (tag === TAG_INT8)
      throw ncnnError(this.file, layer, `${what} is stored as int8 (tag ${hex}); only float32 and float16 weights are supported`);
    throw ncnnError(
      this.file,
      layer,
      `${what} has storage tag ${hex}: a quantization table (or not an ncnn .bin); only float32 and float16 weights are supported`,
    );
  }
}

function finite(values: Float32Array, file: string, layer: NcnnLayer, what: string): Float32Array {
  // Exponent bits all ones = ±Inf or NaN; integer tests on the bits are much faster than Number.isFinite per value.
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i] & 0x7f800000) === 0x7f800000)
      throw ncnnError(file, layer, `${what}[${i}] is ${values[i]}: weights must be finite float32 values`);
  }
  return values;
}

/** A count from the .param that sizes data in the .bin: a positive integer. */
function count(file: string, layer: NcnnLayer, key: number, keyName: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw ncnnError(file, layer, `must be a positive count, got ${value}`, key, keyName);
  return value;
}

/** Refuses a layer whose flag `key` is set: its .bin layout is one this reader does not follow. */
function unsupported(file: string, layer: NcnnLayer, key: number, keyName: string, why: string): void {
  if (intParam(layer, key, 0) !== 0) throw ncnnError(file, layer, why, key, keyName);
}

/** Reads every layer's tensors from the .bin, in layer order. Result[i] belongs to layers[i]. */
export function readNcnnWeights(
  bin: ArrayBuffer | ArrayBufferView,
  layers: readonly NcnnLayer[],
  options: ReadNcnnWeightsOptions = {},
): NcnnLayerWeights[] {
  const file = options.file ?? 'model.bin';
  const r = new BinReader(bin, file);
  const out = layers.map((layer): NcnnLayerWeights => {
    switch (layer.type) {
      case 'Convolution':
      case 'ConvolutionDepthWise':
      case 'Deconvolution': {
        unsupported(file, layer, 8, 'int8_scale_term', 'int8 quantized convolutions are not supported');
        unsupported(file, layer, layer.type === 'Deconvolution' ? 28 : 19, 'dynamic_weight', 'weights from a blob are not supported');
        const weight = r.tagged(layer, 'weight', count(file, layer, 6, 'weight_data_size', intParam(layer, 6, 0)));
        const hasBias = intParam(layer, 5, 0) !== 0;
        const bias = hasBias ? r.raw(layer, 'bias', count(file, layer, 0, 'num_output', intParam(layer, 0, 0))) : undefined;
        return { weight, bias };
      }
      case 'InnerProduct': {
        unsupported(file, layer, 8, 'int8_scale_term', 'int8 quantized layers are not supported');
        const weight = r.tagged(layer, 'weight', count(file, layer, 2, 'weight_data_size', intParam(layer, 2, 0)));
        const hasBias = intParam(layer, 1, 0) !== 0;
        const bias = hasBias ? r.raw(layer, 'bias', count(file, layer, 0, 'num_output', intParam(layer, 0, 0))) : undefined;
        return { weight, bias };
      }
      case 'PReLU':
        return { slope: r.raw(layer, 'slope', count(file, layer, 0, 'num_slope', intParam(layer, 0, 0))) };
      case 'Scale': {
        const size = intParam(layer, 0, 0);
        // 0=-233: the scale is the second input blob; nothing in the .bin.
        if (size === -233) return {};
        const scale = r.raw(layer, 'scale', count(file, layer, 0, 'scale_data_size', size));
        const bias = intParam(layer, 1, 0) !== 0 ? r.raw(layer, 'bias', size) : undefined;
        return { scale, bias };
      }
      default:
        return {};
    }
  });
  if (r.left !== 0) {
    throw ncnnError(file, null, `${r.left} bytes are left after the last layer's data (${r.offset} read): not the .bin of this .param`);
  }
  return out;
}
