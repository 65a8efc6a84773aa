/**
 * A GPU tensor: an NCHW float32 array living in a pooled storage buffer.
 * Tensors are immutable once made, which is what lets the engine cache a
 * prepacked copy of a weight tensor. `dispose()` returns the buffer to the
 * pool and is idempotent.
 */
import { DisposedError } from './errors.js';
import { sizeOf, type Shape } from './params.js';

/** What a tensor needs from its engine. */
export interface TensorOwner {
  readTensor(t: Tensor): Promise<Float32Array>;
  releaseTensor(t: Tensor): void;
}

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  private buf: GPUBuffer | null;

  /** @internal Made by the engine; use `engine.tensor(data, shape)` or `engine.fromBuffer(...)`. */
  constructor(
    readonly owner: TensorOwner,
    shape: Shape,
    buffer: GPUBuffer,
    /** Where the tensor's `size · 4` bytes start in `buffer`: 0 except for `engine.fromBuffer(…, { offset })`. */
    readonly byteOffset = 0,
    /** True for `engine.fromBuffer`: the caller owns the buffer; `dispose()` neither pools nor destroys it. */
    readonly borrowed = false,
  ) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.buf = buffer;
  }

  /**
   * The storage buffer, for other WebGPU code to bind (`{ buffer: t.buffer,
   * offset: t.byteOffset, size: t.byteLength }`; NCHW float32, tightly packed).
   * Valid until `dispose()`: after that the engine may pool the buffer and reuse
   * it for another tensor, so do not keep it. The buffer may be larger than
   * `byteLength` (pooled size classes). Throws once disposed.
   */
  get buffer(): GPUBuffer {
    if (!this.buf) throw new DisposedError(`tensor [${this.shape.join(', ')}] was used after dispose()`);
    return this.buf;
  }

  get byteLength(): number {
    return this.size * 4;
  }

  get disposed(): boolean {
    return this.buf === null;
  }

  /** Copies the tensor back to the CPU. */
  read(): Promise<Float32Array> {
    return this.owner.readTensor(this);
  }

  /** Returns the GPU buffer to the engine's pool. Safe to call twice. */
  dispose(): void {
    if (!this.buf) return;
    this.owner.releaseTensor(this);
    this.buf = null;
  }

  /** @internal */
  detach(): GPUBuffer | null {
    const b = this.buf;
    this.buf = null;
    return b;
  }
}
