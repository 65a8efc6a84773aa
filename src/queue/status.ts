/**
 * What an operator asks of a farm: per group, how many jobs wait, run, are
 * done and failed; how many workers are connected; the throughput of the
 * last jobs done and the time left at that rate; and why the failed ones
 * failed. Also the two repairs: retry the failed jobs, drain the waiting ones.
 */
import type { Job } from 'bullmq';
import type { Farm, Group } from './farm.js';
import { forgetAllParts } from './parts.js';

export interface GroupStatus {
  group: Group;
  waiting: number;
  /** Failed attempts waiting for their backoff before the next try. */
  delayed: number;
  active: number;
  done: number;
  failed: number;
  /** Worker processes connected to this group's queue now. */
  workers: number;
  /** Jobs per second over the most recent finished jobs (null until two are done). */
  perSecond: number | null;
  /** Milliseconds to finish waiting + delayed + active at that rate (null when unknown). */
  etaMs: number | null;
  failures: { id: string; name: string; reason: string; attempts: number }[];
}

export interface FarmStatus {
  farm: string;
  groups: GroupStatus[];
  total: { waiting: number; delayed: number; active: number; done: number; failed: number; perSecond: number | null; etaMs: number | null };
}

/** Jobs per second between the first and the last of these finish times (the newest jobs done). */
export function throughput(finishedOn: number[]): number | null {
  if (finishedOn.length < 2) return null;
  const span = Math.max(...finishedOn) - Math.min(...finishedOn);
  return span > 0 ? (finishedOn.length - 1) / (span / 1000) : null;
}

export async function farmStatus(farm: Farm, { recent: recentCount = 500, failures = 20 } = {}): Promise<FarmStatus> {
  const groups: GroupStatus[] = [];
  for (const group of await farm.groups()) {
    const q = farm.queue(group);
    const c = await q.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
    const recent = (await q.getJobs(['completed'], 0, recentCount - 1, false)) as Job[];
    const failed = (await q.getJobs(['failed'], 0, failures - 1, false)) as Job[];
    let workers = 0;
    try {
      // Each worker process has several connections named after it (host:pid): count the processes.
      const clients = await q.getWorkers();
      workers = new Set(clients.map((c) => c.rawname ?? c.name)).size;
    } catch {
      // Some hosted Redis forbid CLIENT LIST; the count is then unknown (0).
    }
    const perSecond = throughput(recent.map((j) => j.finishedOn ?? 0).filter((t) => t > 0));
    const waiting = (c.waiting ?? 0) + (c.prioritized ?? 0);
    const left = waiting + (c.delayed ?? 0) + (c.active ?? 0);
    groups.push({
      group,
      waiting,
      delayed: c.delayed ?? 0,
      active: c.active ?? 0,
      done: c.completed ?? 0,
      failed: c.failed ?? 0,
      workers,
      perSecond,
      etaMs: left === 0 ? 0 : perSecond ? (left / perSecond) * 1000 : null,
      failures: failed.map((j) => ({ id: j.id ?? '?', name: j.name, reason: j.failedReason, attempts: j.attemptsMade })),
    });
  }
  const sum = (k: 'waiting' | 'delayed' | 'active' | 'done' | 'failed'): number => groups.reduce((n, g) => n + g[k], 0);
  const rates = groups.map((g) => g.perSecond).filter((r): r is number => r !== null);
  const perSecond = rates.length ? rates.reduce((a, b) => a + b, 0) : null;
  const left = sum('waiting') + sum('delayed') + sum('active');
  return {
    farm: farm.name,
    groups,
    total: {
      waiting: sum('waiting'),
      delayed: sum('delayed'),
      active: sum('active'),
      done: sum('done'),
      failed: sum('failed'),
      perSecond,
      etaMs: left === 0 ? 0 : perSecond ? (left / perSecond) * 1000 : null,
    },
  };
}

/** Moves every failed job back to waiting with a fresh set of attempts; returns how many. */
export async function retryFailed(farm: Farm): Promise<number> {
  let n = 0;
  for (const group of await farm.groups()) {
    const q = farm.queue(group);
    for (;;) {
      const failed = (await q.getJobs(['failed'], 0, 999)) as Job[];
      if (failed.length === 0) break;
      for (const job of failed) {
        await job.retry('failed', { resetAttemptsMade: true });
        n++;
      }
    }
  }
  return n;
}

/**
 * Removes the jobs not started yet (waiting and delayed); jobs in flight finish. With `history`, also
 * forgets the done and failed jobs (so adding the same files again runs them again) and the groups left
 * empty. Returns how many jobs were removed.
 */
export async function drain(farm: Farm, { history = false } = {}): Promise<number> {
  let n = 0;
  for (const group of await farm.groups()) {
    const q = farm.queue(group);
    const before = await q.getJobCountByTypes('waiting', 'prioritized', 'delayed');
    await q.drain(true);
    n += before;
    if (history) {
      for (const type of ['completed', 'failed'] as const) {
        for (;;) {
          const removed = await q.clean(0, 10_000, type);
          n += removed.length;
          if (removed.length < 10_000) break;
        }
      }
      if ((await q.getJobCountByTypes('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed')) === 0) {
        await farm.unregister(group);
      }
    }
  }
  if (history) await forgetAllParts(farm);
  return n;
}
