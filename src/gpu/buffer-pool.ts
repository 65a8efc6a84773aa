/**
 * The one owner of GPU buffer lifetimes. Every buffer the engine creates goes
 * through `create`/`destroy` here, so `live` is an exact count for leak tests.
 *
 * - Storage buffers are recycled by size class: sizes are rounded up to
 *   1/8-octave steps (at most 12.5 % waste) so that a tensor of a slightly
 *   different size reuses a free buffer instead of allocating.
 * - Uniforms live in one arena per batch (uniform-arena.ts): one buffer, one
 *   256-byte slot per dispatch, written once before the submit.
 * - Pending releases: a buffer released while a batch is being recorded may
 *   still be read by a dispatch of that batch, so it waits in `pending` and
 *   joins the free lists only after `submit`. Hence a free buffer is never used
 *   by unsubmitted work, and anything may be done to it at once: a
 *   `queue.writeBuffer` upload (the queue orders it after all submitted work),
 *   or `destroy` (destroying a buffer a recorded command uses would make the
 *   submit fail). This is the whole "submit before reusing" rule; the runner
 *   only has to call `beginBatch` when it opens a command encoder and submit
 *   through `submit` here.
 * - Staging buffers (MAP_READ, for `read()`) are recycled too, by the same size
 *   classes, up to `maxStagingBytes`: a new mappable buffer costs an allocation,
 *   Dawn's zero fill and, on first touch of its mapping, a page fault per 4 KiB
 *   (on an H100 a 16 MiB read took 9.6 ms this way against tfjs's 5.3 ms with
 *   its reused ones). A staging buffer is free only once unmapped.
 */
import { BufferUsage } from './constants.js';
import { UniformArena } from './uniform-arena.js';

export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** Rounds up to the next size class: 256 B minimum, then 8 steps per power of two. */
export function sizeClass(bytes: number): number {
  const b = Math.max(256, Math.ceil(bytes / 4) * 4);
  const octave = 2 ** Math.floor(Math.log2(b));
  const step = Math.max(octave / 8, 4);
  return Math.ceil(b / step) * step;
}

export interface PoolStats {
  /** Buffers created and not yet destroyed (tensors, free, pending, the uniform arena, staging). */
  live: number;
  /** Of those, storage and staging buffers waiting in the free lists. */
  free: number;
  freeBytes: number;
  /** Storage buffers released during the open batch, free after its submit. */
  pending: number;
  pendingBytes: number;
}

export interface BufferPoolOptions {
  /** Free buffers beyond this many bytes are destroyed rather than kept. */
  maxFreeBytes?: number;
  /**
   * Pending releases wait for the submit, so a batch of large tensors holds more
   * memory than the few buffers in use at once; past this many pending bytes the
   * runner submits early.
   */
  maxPendingBytes?: number;
  /** Free staging (read-back) buffers beyond this many bytes are destroyed rather than kept. */
  maxStagingBytes?: number;
  /** Uniform slots per batch (the runner's batch size): the arena's capacity. */
  uniformSlots?: number;
}

const STAGING_USAGE = BufferUsage.MAP_READ | BufferUsage.COPY_DST;

export class BufferPool {
  private readonly freeLists = new Map<number, GPUBuffer[]>();
  private freeBytes = 0;
  private readonly stagingLists = new Map<number, GPUBuffer[]>();
  private stagingBytes = 0;
  private live = 0;
  private pending: GPUBuffer[] = [];
  private pendingSize = 0;
  /** True from the first dispatch recorded into a command encoder until that encoder is submitted. */
  private recording = false;
  readonly maxFreeBytes: number;
  readonly maxPendingBytes: number;
  readonly maxStagingBytes: number;
  /** The uniform arena of the batch being recorded. */
  readonly uniforms: UniformArena;

  constructor(
    private readonly device: GPUDevice,
    options: BufferPoolOptions = {},
  ) {
    this.maxFreeBytes = options.maxFreeBytes ?? 512 * 2 ** 20;
    this.maxPendingBytes = options.maxPendingBytes ?? 64 * 2 ** 20;
    this.maxStagingBytes = options.maxStagingBytes ?? 128 * 2 ** 20;
    // Spec default 256; a device may allow less, never more.
    const align = device.limits.minUniformBufferOffsetAlignment ?? 256;
    this.uniforms = new UniformArena(this, align, (options.uniformSlots ?? 1024) * align);
  }

  /** Any buffer; counted in `live` until `destroy`. */
  create(size: number, usage: number, label?: string): GPUBuffer {
    const buf = this.device.createBuffer({ size, usage, label });
    this.live++;
    return buf;
  }

  /** Destroys at once: only for buffers no unsubmitted work uses (storage buffers go through `release`). */
  destroy(buf: GPUBuffer): void {
    buf.destroy();
    this.live--;
  }

  /** A storage buffer of at least `bytes`, from the free list when one fits. No unsubmitted work uses it. */
  acquire(bytes: number): GPUBuffer {
    const cls = sizeClass(bytes);
    const list = this.freeLists.get(cls);
    const buf = list?.pop();
    if (buf) {
      this.freeBytes -= cls;
      return buf;
    }
    return this.create(cls, STORAGE_USAGE, 'tensor');
  }

  /** An unmapped MAP_READ | COPY_DST buffer of at least `bytes` (its size class), from the free list when one fits. */
  acquireStaging(bytes: number): GPUBuffer {
    const cls = sizeClass(bytes);
    const buf = this.stagingLists.get(cls)?.pop();
    if (buf) {
      this.stagingBytes -= cls;
      return buf;
    }
    return this.create(cls, STAGING_USAGE, 'staging');
  }

  /** Returns an unmapped staging buffer for reuse (or destroys it, past maxStagingBytes). */
  releaseStaging(buf: GPUBuffer): void {
    if (this.stagingBytes + buf.size > this.maxStagingBytes) {
      this.destroy(buf);
      return;
    }
    let list = this.stagingLists.get(buf.size);
    if (!list) this.stagingLists.set(buf.size, (list = []));
    list.push(buf);
    this.stagingBytes += buf.size;
  }

  /** Returns a storage buffer: free at once when no batch is being recorded, else after its submit. */
  release(buf: GPUBuffer): void {
    if (this.recording) {
      this.pending.push(buf);
      this.pendingSize += buf.size;
    } else this.recycle(buf);
  }

  /** Bytes released during the open batch (see `maxPendingBytes`). */
  get pendingBytes(): number {
    return this.pendingSize;
  }

  /** Called by the runner when it opens a command encoder: releases wait for the submit from now on. */
  beginBatch(): void {
    this.recording = true;
  }

  /** Submits the batch: uploads its uniforms first, then frees the buffers released while it was recorded. */
  submit(commandBuffers: GPUCommandBuffer[]): void {
    const queue = this.device.queue;
    this.uniforms.upload(queue);
    queue.submit(commandBuffers);
    this.endBatch();
  }

  /** Drops a batch that will never be submitted (device lost). */
  discardBatch(): void {
    this.uniforms.discard();
    this.endBatch();
  }

  /** Destroys every free buffer (storage and staging), and the uniform arena unless a batch holds slots in it. */
  trim(): void {
    for (const list of this.freeLists.values()) for (const b of list) this.destroy(b);
    this.freeLists.clear();
    this.freeBytes = 0;
    for (const list of this.stagingLists.values()) for (const b of list) this.destroy(b);
    this.stagingLists.clear();
    this.stagingBytes = 0;
    this.uniforms.release();
  }

  stats(): PoolStats {
    let free = 0;
    for (const list of [...this.freeLists.values(), ...this.stagingLists.values()]) free += list.length;
    return {
      live: this.live,
      free,
      freeBytes: this.freeBytes + this.stagingBytes,
      pending: this.pending.length,
      pendingBytes: this.pendingSize,
    };
  }

  private endBatch(): void {
    this.recording = false;
    const released = this.pending;
    this.pending = [];
    this.pendingSize = 0;
    for (const b of released) this.recycle(b);
  }

  private recycle(buf: GPUBuffer): void {
    const cls = buf.size;
    if (this.freeBytes + cls > this.maxFreeBytes) {
      this.destroy(buf);
      return;
    }
    let list = this.freeLists.get(cls);
    if (!list) this.freeLists.set(cls, (list = []));
    list.push(buf);
    this.freeBytes += cls;
  }
}
