/**
 * GPU time of recorded work, from timestamp queries written at the beginning
 * and end of each compute pass. Only used while a timing session is open;
 * otherwise passes carry no timestamp writes at all.
 *
 * Browsers quantise timestamps (Chrome: to about 100 µs unless
 * --enable-webgpu-developer-features), so short passes read as 0 or one quantum.
 */
import type { BufferPool } from './buffer-pool.js';
import { BufferUsage, MapMode } from './constants.js';

interface PassQuery {
  set: GPUQuerySet;
  resolve: GPUBuffer;
  read: GPUBuffer;
}

export class GpuTimer {
  private readonly queries: PassQuery[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
  ) {}

  /** Timestamp writes for a new pass. */
  passWrites(): GPUComputePassTimestampWrites {
    const set = this.device.createQuerySet({ type: 'timestamp', count: 2 });
    const resolve = this.pool.create(16, BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC, 'timestamps');
    const read = this.pool.create(16, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'timestamps read');
    this.queries.push({ set, resolve, read });
    return { querySet: set, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 };
  }

  /** Called after the pass ends, before the encoder finishes. */
  resolve(encoder: GPUCommandEncoder): void {
    const q = this.queries[this.queries.length - 1];
    encoder.resolveQuerySet(q.set, 0, 2, q.resolve, 0);
    encoder.copyBufferToBuffer(q.resolve, 0, q.read, 0, 16);
  }

  /** Sum of (end − begin) over all passes, in milliseconds; frees the queries. */
  async totalMs(): Promise<number> {
    let ns = 0n;
    try {
      for (const q of this.queries) {
        await q.read.mapAsync(MapMode.READ);
        const [begin, end] = new BigUint64Array(q.read.getMappedRange());
        if (end > begin) ns += end - begin;
        q.read.unmap();
      }
    } finally {
      for (const q of this.queries) {
        q.set.destroy();
        this.pool.destroy(q.resolve);
        this.pool.destroy(q.read);
      }
      this.queries.length = 0;
    }
    return Number(ns) / 1e6;
  }
}
