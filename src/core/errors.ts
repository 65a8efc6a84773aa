/**
 * One error hierarchy for the whole library. Every message names the op, the
 * argument, its value and the rule it broke, so a failure is fixable from the
 * message alone.
 */

/** Base class of every error this library throws on purpose. */
export class UpsampleError extends Error {
  override name = 'UpsampleError';
}

/** An option or argument has a bad value (non-integer size, NaN, op >= max(s, d), ...). */
export class ArgumentError extends UpsampleError {
  override name = 'ArgumentError';
}

/** Tensor ranks or dimensions do not fit together (wrong rank, channel mismatch, empty output). */
export class ShapeError extends UpsampleError {
  override name = 'ShapeError';
}

/** A tensor was used after `dispose()`, or an engine after `destroy()`. */
export class DisposedError extends UpsampleError {
  override name = 'DisposedError';
}

/** A tensor created by one engine was passed to another. */
export class EngineMismatchError extends UpsampleError {
  override name = 'EngineMismatchError';
}

/** The GPU device was lost; create a new engine to continue. */
export class DeviceLostError extends UpsampleError {
  override name = 'DeviceLostError';
  constructor(
    message: string,
    readonly reason: string = 'unknown',
  ) {
    super(message);
  }
}

/**
 * The GPU rejected work on this engine's device (a validation, out-of-memory
 * or internal error, e.g. a tensor's buffer destroyed behind the engine's back,
 * or an allocation the driver refused). Reported at the next read, flush or
 * timing instead of returning zeros; outputs computed since the previous check
 * are not valid. The engine stays usable. `gpuErrors` holds the device's messages.
 */
export class GpuError extends UpsampleError {
  override name = 'GpuError';
  constructor(
    message: string,
    readonly gpuErrors: readonly string[] = [],
  ) {
    super(message);
  }
}

/** The work cannot be split to fit the device's limits (e.g. one weight tensor over the binding size). */
export class LimitError extends UpsampleError {
  override name = 'LimitError';
}

/** No WebGPU adapter or device could be obtained. */
export class NoWebGPUError extends UpsampleError {
  override name = 'NoWebGPUError';
}

/** The CPU backend was asked for, but ONNX Runtime (`onnxruntime-node`, an optional peer dependency) could not be loaded. */
export class NoOnnxRuntimeError extends UpsampleError {
  override name = 'NoOnnxRuntimeError';
}
