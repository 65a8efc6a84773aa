/**
 * One worker process of a farm: it holds one group's model (a GroupHandler:
 * an engine and loaded weights, or an ONNX Runtime session) and a BullMQ
 * Worker on that group's queue, and keeps both while the queue has jobs. When
 * its group has nothing waiting and another has, it finishes its jobs in
 * flight, closes the handler and opens the other group's: weights are loaded
 * once per group, not per image.
 *
 * Crash safety is BullMQ's lock: a job is active under a lock the worker
 * renews every lockMs/2; a worker killed with SIGKILL stops renewing, and a
 * stalled-job check (run here for every group, whichever the worker holds)
 * puts the job back to waiting after lockMs + up to 2 × stalledMs, for any
 * worker to take. A job that stalls more than maxStalled times (a file that
 * kills whatever process opens it) is failed instead of killing the farm.
 * Errors thrown by the handler fail the job's attempt; the worker goes on.
 */
import { hostname } from 'node:os';
import { Worker, type Job } from 'bullmq';
import { PREFIX, type Farm, type Group } from './farm.js';

/** What a handler sees of a BullMQ job. */
export interface WorkerJob<T> {
  id: string;
  name: string;
  data: T;
  /** Attempts that failed before this one. */
  attemptsMade: number;
  /** Times this job was found stalled (its worker died or hung) before this run. */
  stalledCounter: number;
}

/** A group's model, loaded once, run for every job of the group. */
export interface GroupHandler<T, R> {
  /** Does one job; throws to fail the attempt (the message is the job's failedReason). */
  process(job: WorkerJob<T>): Promise<R>;
  close(): Promise<void>;
}

export interface WorkerLoopOptions<T, R> {
  farm: Farm;
  /** Opens a group's model; throwing means this worker cannot run that group (it is skipped for a while). */
  openGroup(group: Group): Promise<GroupHandler<T, R>>;
  /** Jobs in flight at once (they share the one handler). */
  concurrency: number;
  /** BullMQ lock duration: how long a dead worker's job waits before it is retried. */
  lockMs: number;
  /** Stalled-job check interval. */
  stalledMs: number;
  /** A job found stalled more often than this fails (poison-pill guard). */
  maxStalled: number;
  /** How often the worker looks at the other groups' queues. */
  pollMs: number;
  /** Exit once no group has a job waiting, delayed or active. */
  exitWhenDrained: boolean;
  /** Aborted: finish the jobs in flight and return. */
  signal: AbortSignal;
  /** Warnings and failures. */
  log(line: string): void;
  /** What the worker does (the model it holds); default: `log`. */
  info?(line: string): void;
  /** One line per job (done or failed). */
  onJob?(event: JobEvent<R>): void;
}

export interface JobEvent<R> {
  group: Group;
  id: string;
  name: string;
  ok: boolean;
  ms: number;
  result?: R;
  error?: string;
  attempt: number;
  /** Times the job was taken back from a worker that died (or hung past its lock). */
  stalled: number;
}

export interface WorkerLoopResult {
  done: number;
  failed: number;
  /** Groups opened (model loads), in order. */
  groupsOpened: string[];
}

interface Counts {
  ready: number;
  pending: number;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export async function runWorkerLoop<T, R>(opts: WorkerLoopOptions<T, R>): Promise<WorkerLoopResult> {
  const { farm, log, signal } = opts;
  const name = `${hostname()}:${process.pid}`;
  const result: WorkerLoopResult = { done: 0, failed: 0, groupsOpened: [] };
  const sweepers = new Map<string, Worker>();
  /** Groups this worker could not open, until when (ms). */
  const skipUntil = new Map<string, number>();
  let current: { group: Group; handler: GroupHandler<T, R>; worker: Worker } | null = null;

  const workerOptions = {
    connection: farm.redis,
    prefix: PREFIX,
    lockDuration: opts.lockMs,
    stalledInterval: opts.stalledMs,
    maxStalledCount: opts.maxStalled,
    name,
  };

  /** A stalled-job checker for every group, so a dead worker's job comes back even when nobody holds its group. */
  function sweep(groups: Group[]): void {
    for (const g of groups) {
      if (sweepers.has(g.queue)) continue;
      const w = new Worker(g.queue, null, { ...workerOptions, autorun: false });
      w.on('error', (e) => log(`warning: ${g.label}: stalled check: ${e.message}`));
      w.on('failed', (job, e) => {
        if (job) log(`failed ${job.name} (${job.id}): ${e.message}`);
      });
      sweepers.set(g.queue, w);
      void w.startStalledCheckTimer();
    }
  }

  const heldKey = (): string | undefined => current?.group.key;

  async function counts(g: Group): Promise<Counts> {
    const c = await farm.queue(g).getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    const ready = (c.waiting ?? 0) + (c.prioritized ?? 0);
    return { ready, pending: ready + (c.delayed ?? 0) + (c.active ?? 0) };
  }

  /** The group to hold now: ours while it has jobs waiting, else the one with most waiting, else one with retries due later. */
  async function pick(): Promise<{ group: Group | null; allEmpty: boolean }> {
    const groups = await farm.groups();
    sweep(groups);
    const now = Date.now();
    const usable = groups.filter((g) => (skipUntil.get(g.key) ?? 0) <= now);
    const c = new Map<string, Counts>();
    for (const g of groups) c.set(g.key, await counts(g));
    const allEmpty = groups.every((g) => c.get(g.key)!.pending === 0);
    if (current && c.get(current.group.key)!.ready > 0) return { group: current.group, allEmpty };
    const ready = usable.filter((g) => c.get(g.key)!.ready > 0).sort((a, b) => c.get(b.key)!.ready - c.get(a.key)!.ready);
    if (ready.length) return { group: ready[0], allEmpty };
    // Nothing waiting: stay, unless our group is empty and another has retries (delayed) or stalled jobs to recover.
    if (current && c.get(current.group.key)!.pending > 0) return { group: current.group, allEmpty };
    const pending = usable.find((g) => c.get(g.key)!.pending > 0);
    return { group: pending ?? current?.group ?? null, allEmpty };
  }

  async function release(force = false): Promise<void> {
    if (!current) return;
    const { worker, handler, group } = current;
    current = null;
    await worker.close(force);
    try {
      await handler.close();
    } catch (e) {
      log(`warning: ${group.label}: closing the model: ${(e as Error).message}`);
    }
  }

  async function hold(group: Group): Promise<void> {
    await release();
    let handler: GroupHandler<T, R>;
    try {
      handler = await opts.openGroup(group);
    } catch (e) {
      log(`cannot run ${group.label} here: ${(e as Error).message}; skipping its queue for a minute`);
      skipUntil.set(group.key, Date.now() + 60_000);
      return;
    }
    result.groupsOpened.push(group.key);
    const processor = async (job: Job): Promise<R> => {
      const t0 = performance.now();
      const attempt = job.attemptsMade + 1;
      const stalled = job.stalledCounter ?? 0;
      const event = { group, id: job.id ?? '?', name: job.name, attempt, stalled };
      if (stalled > 0) log(`retrying ${job.name}: its worker stopped answering (${stalled}×); starting it again`);
      try {
        const r = await handler.process({
          id: job.id ?? '?',
          name: job.name,
          data: job.data as T,
          attemptsMade: job.attemptsMade,
          stalledCounter: job.stalledCounter ?? 0,
        });
        result.done++;
        opts.onJob?.({ ...event, ok: true, ms: performance.now() - t0, result: r });
        return r;
      } catch (e) {
        result.failed++;
        opts.onJob?.({ ...event, ok: false, ms: performance.now() - t0, error: (e as Error).message });
        throw e;
      }
    };
    const worker = new Worker(group.queue, processor, { ...workerOptions, concurrency: opts.concurrency, skipStalledCheck: true });
    worker.on('error', (e) => log(`warning: ${group.label}: ${e.message}`));
    current = { group, handler, worker };
    (opts.info ?? log)(`holding ${group.label} (queue ${group.queue})`);
  }

  // Locks are renewed from this process's event loop. A model run that blocks it (ONNX Runtime's CPU run is
  // synchronous in Node) for more than about half the lock lets the lock lapse: another worker then starts the
  // same job (harmless for the output, which is written atomically, but wasted work). Say so when it comes near.
  let last = performance.now();
  let warned = -Infinity;
  const watch = setInterval(() => {
    const now = performance.now();
    const blocked = now - last - 250;
    last = now;
    if (blocked > opts.lockMs / 3 && now - warned > 60_000) {
      warned = now;
      log(
        `warning: this worker's event loop was blocked for ${(blocked / 1000).toFixed(1)} s (a model run), and job locks last ` +
          `${(opts.lockMs / 1000).toFixed(1)} s: use --lock-ms ${Math.ceil((blocked * 3) / 1000) * 1000} or more, or a smaller --tile, ` +
          'or other workers will start the same jobs again',
      );
    }
  }, 250);
  watch.unref();

  try {
    while (!signal.aborted) {
      let choice;
      try {
        choice = await pick();
      } catch (e) {
        // Redis away: ioredis reconnects; look again later.
        log(`warning: ${(e as Error).message}`);
        await sleep(opts.pollMs, signal);
        continue;
      }
      if (opts.exitWhenDrained && choice.allEmpty) break;
      if (choice.group && choice.group.key !== heldKey()) await hold(choice.group);
      await sleep(opts.pollMs, signal);
    }
  } finally {
    clearInterval(watch);
    await release();
    await Promise.all([...sweepers.values()].map((w) => w.close()));
  }
  return result;
}
