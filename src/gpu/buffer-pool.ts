/**
 * The one buffer pool. Storage buffers are recycled by size class: sizes are
 * rounded up to 1/8-octave steps (at most 12.5 % waste) so that a tensor of a
 * slightly different size reuses a free buffer instead of allocating.
 * Every buffer the engine creates goes through `create`/`destroy` here, so
 * `live` is an exact count for leak tests.
 */
import { BufferUsage } from './constants.js';

export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** Rounds up to the next size class: 256 B minimum, then 8 steps per power of two. */
export function sizeClass(bytes: number): number {
  const b = Math.max(256, Math.ceil(bytes / 4) * 4);
  const octave = 2 ** Math.floor(Math.log2(b));
  const step = Math.max(octave / 8, 4);
  return Math.ceil(b / step) * step;
}

export interface PoolStats {
  /** Buffers created and not yet destroyed (tensors, free pool, uniforms, staging). */
  live: number;
  /** Of those, storage buffers waiting in the free lists. */
  free: number;
  freeBytes: number;
}

export class BufferPool {
  private readonly freeLists = new Map<number, GPUBuffer[]>();
  private freeBytes = 0;
  private live = 0;

  /** @param maxFreeBytes free buffers beyond this are destroyed rather than kept. */
  constructor(
    private readonly device: GPUDevice,
    private readonly maxFreeBytes = 512 * 2 ** 20,
  ) {}

  /** Any buffer; counted in `live` until `destroy`. */
  create(size: number, usage: number, label?: string): GPUBuffer {
    const buf = this.device.createBuffer({ size, usage, label });
    this.live++;
    return buf;
  }

  destroy(buf: GPUBuffer): void {
    buf.destroy();
    this.live--;
  }

  /** A storage buffer of at least `bytes`, from the free list when one fits. */
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

  /** Returns a storage buffer for reuse. Safe right after a submit: the queue orders later writes after earlier reads. */
  release(buf: GPUBuffer): void {
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

  /** Destroys every free buffer. */
  trim(): void {
    for (const list of this.freeLists.values()) for (const b of list) this.destroy(b);
    this.freeLists.clear();
    this.freeBytes = 0;
  }

  stats(): PoolStats {
    let free = 0;
    for (const list of this.freeLists.values()) free += list.length;
    return { live: this.live, free, freeBytes: this.freeBytes };
  }
}
