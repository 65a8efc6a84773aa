/**
 * One uniform buffer for a whole batch of dispatches. Each dispatch packs its
 * `Params` into its own slot of a CPU-side copy; slots start at multiples of
 * minUniformBufferOffsetAlignment (256 bytes on most devices) because a
 * binding's offset must be. The copy is written to the GPU buffer once, right
 * before the batch is submitted, and each bind group binds its slot by offset.
 *
 * Why one buffer can serve every batch without waiting for the GPU:
 * `queue.writeBuffer` is a queue operation, ordered after every command
 * buffer submitted before it, so the next batch's write cannot overtake the
 * previous batch's reads. Only within one batch must slots differ.
 */
import { BufferUsage } from './constants.js';

/** Creates and destroys the arena's buffer (the pool, which counts live buffers). */
export interface BufferMaker {
  create(size: number, usage: number, label?: string): GPUBuffer;
  destroy(buf: GPUBuffer): void;
}

export class UniformArena {
  private buffer: GPUBuffer | null = null;
  private readonly data: ArrayBuffer;
  /** The CPU-side copy that dispatches pack their params into. */
  readonly view: DataView;
  private used = 0;

  /**
   * @param align the device's minUniformBufferOffsetAlignment
   * @param capacity bytes; a batch whose slots would exceed it is submitted first
   */
  constructor(
    private readonly maker: BufferMaker,
    readonly align: number,
    readonly capacity: number,
  ) {
    this.data = new ArrayBuffer(capacity);
    this.view = new DataView(this.data);
  }

  /** Bytes a slot for `bytes` of params takes. */
  slotBytes(bytes: number): number {
    return Math.ceil(bytes / this.align) * this.align;
  }

  /** Whether the current batch has room for a slot of `bytes` more. */
  fits(bytes: number): boolean {
    return this.used + this.slotBytes(bytes) <= this.capacity;
  }

  /** True while slots are handed out and not yet uploaded. */
  get inUse(): boolean {
    return this.used > 0;
  }

  /** Reserves a slot; pack into `view` at `offset`, bind `binding`. Check `fits` first. */
  slot(bytes: number): { offset: number; binding: GPUBufferBinding } {
    const offset = this.used;
    this.used += this.slotBytes(bytes);
    this.buffer ??= this.maker.create(this.capacity, BufferUsage.UNIFORM | BufferUsage.COPY_DST, 'uniform arena');
    return { offset, binding: { buffer: this.buffer, offset, size: bytes } };
  }

  /** Writes the slots of this batch to the GPU (call right before the submit) and starts a new batch. */
  upload(queue: GPUQueue): void {
    if (this.used === 0) return;
    queue.writeBuffer(this.buffer!, 0, this.data, 0, this.used);
    this.used = 0;
  }

  /** Forgets the slots of a batch that will never be submitted. */
  discard(): void {
    this.used = 0;
  }

  /** Destroys the GPU buffer unless a batch holds slots in it; it is made again on the next slot. */
  release(): void {
    if (this.used > 0 || !this.buffer) return;
    this.maker.destroy(this.buffer);
    this.buffer = null;
  }
}
