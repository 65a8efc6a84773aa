/** The CPU side's tensor: a plain NCHW array and its shape. */
import { ShapeError } from '../core/errors.js';
import { fmt, sizeOf, type Shape } from '../core/params.js';

export interface CpuTensor {
  data: Float32Array;
  shape: number[];
}

export function cpuTensor(data: Float32Array, shape: Shape): CpuTensor {
  if (!(data instanceof Float32Array)) throw new ShapeError('cpu: data must be a Float32Array');
  if (data.length !== sizeOf(shape)) {
    throw new ShapeError(`cpu: data has ${data.length} elements but shape ${fmt(shape)} needs ${sizeOf(shape)}`);
  }
  return { data, shape: [...shape] };
}

export function zeros(shape: Shape): CpuTensor {
  return { data: new Float32Array(sizeOf(shape)), shape: [...shape] };
}

/**
 * Zeros of `shape` with the element type of `like`'s data: the references are
 * written for Float32Array, but given Float64Array data they compute and
 * return float64, which is what finite-difference tests of the backward ops
 * differentiate (a float32 forward would drown h² in rounding).
 */
export function zerosLike(like: CpuTensor, shape: Shape): CpuTensor {
  const data = like.data instanceof Float64Array ? new Float64Array(sizeOf(shape)) : new Float32Array(sizeOf(shape));
  return { data: data as Float32Array, shape: [...shape] };
}
