/**
 * Checks for `engine.fromBuffer`: a caller's GPUBuffer wrapped as a tensor
 * without a copy. A GPUBuffer has no `device` field, so whether it belongs to
 * the engine's device is asked of the device itself: binding it in a tiny bind
 * group inside a validation error scope fails exactly when it does not (WebGPU
 * validates "valid to use with" the device at createBindGroup). The answer is
 * asynchronous; a buffer found good is remembered, so wrapping the same buffer
 * again (e.g. every frame) costs no round trip.
 */
import { ArgumentError, EngineMismatchError, ShapeError } from '../core/errors.js';
import { fmt, sizeOf, type Shape } from '../core/params.js';
import { BufferUsage, ShaderStage } from './constants.js';

export interface FromBufferOptions {
  /** Byte offset of the tensor's first element in the buffer: a multiple of minStorageBufferOffsetAlignment (256 on most devices). Default 0. */
  offset?: number;
}

function isGpuBuffer(v: unknown): v is GPUBuffer {
  return (
    !!v &&
    typeof v === 'object' &&
    typeof (v as GPUBuffer).size === 'number' &&
    typeof (v as GPUBuffer).usage === 'number' &&
    typeof (v as GPUBuffer).destroy === 'function'
  );
}

/** Synchronous checks: a GPUBuffer with STORAGE usage, an aligned offset, room for the shape. Returns the offset. */
export function checkBorrowedBuffer(device: GPUDevice, buffer: unknown, shape: Shape, options: FromBufferOptions): number {
  if (!isGpuBuffer(buffer))
    throw new ArgumentError(`fromBuffer: buffer must be a GPUBuffer, got ${buffer === null ? 'null' : typeof buffer}`);
  const offset = options.offset ?? 0;
  const align = device.limits.minStorageBufferOffsetAlignment;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0 || offset % align !== 0) {
    throw new ArgumentError(
      `fromBuffer: offset ${String(offset)} must be a non-negative multiple of minStorageBufferOffsetAlignment (${align})`,
    );
  }
  if (!(buffer.usage & BufferUsage.STORAGE)) {
    throw new ArgumentError(
      `fromBuffer: buffer usage 0x${buffer.usage.toString(16)} lacks STORAGE (0x80); the ops bind tensors as storage buffers`,
    );
  }
  const bytes = sizeOf(shape) * 4;
  if (offset + bytes > buffer.size) {
    throw new ShapeError(`fromBuffer: shape ${fmt(shape)} needs ${bytes} bytes from offset ${offset}, but buffer.size is ${buffer.size}`);
  }
  return offset;
}

const verified = new WeakMap<GPUDevice, WeakSet<GPUBuffer>>();
const layouts = new WeakMap<GPUDevice, GPUBindGroupLayout>();

/** Throws EngineMismatchError when `buffer` was created by another device. */
export async function checkSameDevice(device: GPUDevice, buffer: GPUBuffer, offset: number): Promise<void> {
  let seen = verified.get(device);
  if (!seen) verified.set(device, (seen = new WeakSet()));
  if (seen.has(buffer)) return;
  let layout = layouts.get(device);
  if (!layout) {
    layout = device.createBindGroupLayout({
      entries: [{ binding: 0, visibility: ShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } }],
    });
    layouts.set(device, layout);
  }
  device.pushErrorScope('validation');
  device.createBindGroup({ layout, entries: [{ binding: 0, resource: { buffer, offset, size: 4 } }] });
  const error = await device.popErrorScope();
  if (error)
    throw new EngineMismatchError(
      `fromBuffer: buffer cannot be used with this engine's device (${error.message.split('\n')[0]}); pass a buffer created by engine.device`,
    );
  seen.add(buffer);
}
