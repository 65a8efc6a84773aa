/**
 * GPU-side timing without a hook in the engine: the engine submits each op's
 * compute pass itself, so we cannot add timestampWrites to its passes. Instead
 * we bracket the op on the queue: an empty compute pass that writes a
 * timestamp when it ends is submitted before the op, and one that writes a
 * timestamp when it begins is submitted after it. The queue runs submissions
 * in order, so the difference covers the op's passes plus any time the GPU sat
 * idle waiting for them (the CPU encoding the op after the first bracket was
 * submitted); it is an upper bound of the op's GPU time, usually tight.
 *
 * Browsers quantise timestamps against timing attacks (Chrome documents
 * ~100 µs, off with --enable-webgpu-developer-features); `granularityNs`
 * measures the step this browser actually gave.
 */

export interface GpuSpan {
  ms: number;
  /** The two raw timestamps (ns), kept to estimate the timer's granularity. */
  raw: [bigint, bigint];
}

/** Queue-bracketing GPU timer (see the file comment); one measurement at a time. */
export class QueueTimer {
  private readonly querySet: GPUQuerySet;
  private readonly resolve: GPUBuffer;
  private readonly readback: GPUBuffer;
  private readonly rawSeen: bigint[] = [];

  private constructor(private readonly device: GPUDevice) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
    this.resolve = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.readback = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** A timer, or null when the device lacks the 'timestamp-query' feature. */
  static create(device: GPUDevice): QueueTimer | null {
    return device.features.has('timestamp-query') ? new QueueTimer(device) : null;
  }

  /** Runs `submit` (which submits GPU work) between two queue timestamps. */
  async measure(submit: () => void): Promise<GpuSpan> {
    const before = this.device.createCommandEncoder({ label: 'bench: timestamp before' });
    before.beginComputePass({ timestampWrites: { querySet: this.querySet, endOfPassWriteIndex: 0 } }).end();
    this.device.queue.submit([before.finish()]);
    submit();
    const after = this.device.createCommandEncoder({ label: 'bench: timestamp after' });
    after.beginComputePass({ timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 1 } }).end();
    after.resolveQuerySet(this.querySet, 0, 2, this.resolve, 0);
    after.copyBufferToBuffer(this.resolve, 0, this.readback, 0, 16);
    this.device.queue.submit([after.finish()]);
    await this.readback.mapAsync(GPUMapMode.READ);
    const [t0, t1] = new BigInt64Array(this.readback.getMappedRange().slice(0));
    this.readback.unmap();
    this.rawSeen.push(t0, t1);
    return { ms: Number(t1 - t0) / 1e6, raw: [t0, t1] };
  }

  /**
   * The largest step that divides every raw timestamp seen (their GCD), in ns:
   * a quantised timer shows its quantum here; an unquantised one gives 1 or a
   * few ns. Null before any measurement.
   */
  granularityNs(): number | null {
    const nonZero = this.rawSeen.filter((t) => t !== 0n);
    if (nonZero.length === 0) return null;
    let g = nonZero[0] < 0n ? -nonZero[0] : nonZero[0];
    for (const t of nonZero) {
      let a = g;
      let b = t < 0n ? -t : t;
      while (b !== 0n) [a, b] = [b, a % b];
      g = a;
    }
    return Number(g);
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolve.destroy();
    this.readback.destroy();
  }
}

/**
 * The smallest step performance.now() takes on this page, in ms: 5 µs when the
 * page is cross-origin isolated (the demo server sends COOP/COEP), 100 µs in
 * Chrome otherwise. Timings near this step are noise.
 */
export function performanceNowResolution(samples = 40): number {
  let best = Infinity;
  let last = performance.now();
  for (let found = 0, spins = 0; found < samples && spins < 5_000_000; spins++) {
    const t = performance.now();
    if (t !== last) {
      best = Math.min(best, t - last);
      last = t;
      found++;
    }
  }
  return best;
}
