/**
 * A farm: one Redis, one BullMQ queue per *group* (the settings that decide
 * which weights a worker loads: model, scale, noise, backend), and a registry
 * of the groups in a Redis hash so that workers find every queue without being
 * told. Workers keep one group's model loaded and drain its queue before they
 * switch (src/queue/worker-loop.ts), so weights are loaded once per group and
 * worker, not once per image.
 *
 * Redis keys: `wgu:<farm>:groups` (hash: group key → JSON), and BullMQ's own
 * keys under the prefix `wgu` for the queues `<farm>.<group key>`. Node only
 * (ioredis); nothing here knows about images: job payloads are plain JSON.
 */
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

/** BullMQ's key prefix for every farm. */
export const PREFIX = 'wgu';
export const DEFAULT_FARM = 'upscale';
export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

/** A farm that cannot be used: Redis unreachable, a bad name. The message is for the operator. */
export class QueueError extends Error {
  override readonly name = 'QueueError';
}

/** What decides the weights a worker loads. JSON; its canonical form names the group. */
export type GroupSettings = Record<string, string | number | boolean | string[] | null>;

export interface Group {
  /** 12 hex digits of SHA-256 of the canonical settings. */
  key: string;
  /** BullMQ queue name: `<farm>.<key>`. */
  queue: string;
  settings: GroupSettings;
  /** One line for people: the model as the CLI names it. */
  label: string;
  /** When the group was first registered (ms since the epoch). */
  added: number;
}

/** JSON with object keys sorted, so equal settings always hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function groupKey(settings: GroupSettings): string {
  return createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 12);
}

/**
 * A job id derived from what the job writes (its output path and part), so
 * adding the same work twice is one job (BullMQ ignores an add whose id
 * exists), and a retried job writes the same file.
 */
export function jobIdFor(kind: string, ...parts: (string | number)[]): string {
  return `${kind}-${createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 24)}`;
}

export interface ConnectOptions {
  /**
   * Workers: retry the connection forever (a Redis restart must not stop a farm).
   * Commands (add, status): give up after about `timeoutMs` with a QueueError.
   */
  persistent?: boolean;
  timeoutMs?: number;
}

/** The URL as it may be printed: a password is shown as ***. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

/** An ioredis connection as BullMQ wants it (maxRetriesPerRequest: null), checked with a PING. */
export async function connectRedis(url: string, { persistent = false, timeoutMs = 5000 }: ConnectOptions = {}): Promise<Redis> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueError(`--redis ${redactUrl(url)} is not a URL (redis://[:password@]host:port[/db], rediss:// for TLS)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new QueueError(`--redis ${redactUrl(url)}: expected redis:// or rediss://, not ${parsed.protocol}`);
  }
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    lazyConnect: true,
    retryStrategy: persistent ? (times) => Math.min(times * 200, 5000) : () => null,
  });
  // ioredis reports connection errors as events; without a listener Node prints them as unhandled.
  let lastError = '';
  redis.on('error', (e: Error) => {
    lastError = e.message;
  });
  const timer = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(lastError || `no answer in ${timeoutMs} ms`)), timeoutMs).unref(),
  );
  try {
    await Promise.race([
      (async () => {
        await redis.connect();
        await redis.ping();
      })(),
      timer,
    ]);
  } catch (e) {
    redis.disconnect();
    throw new QueueError(`cannot reach Redis at ${redactUrl(url)} (${lastError || (e as Error).message})`);
  }
  return redis;
}

/** The farm's queues and registry on one connection. */
export class Farm {
  private readonly queues = new Map<string, Queue>();

  constructor(
    readonly redis: Redis,
    readonly name: string = DEFAULT_FARM,
  ) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new QueueError(`--farm ${name}: use 1-64 letters, digits, '-' or '_'`);
  }

  private get registryKey(): string {
    return `${PREFIX}:${this.name}:groups`;
  }

  /** Registers a group (idempotent) and returns it. */
  async register(settings: GroupSettings, label: string): Promise<Group> {
    const key = groupKey(settings);
    const group: Group = { key, queue: `${this.name}.${key}`, settings, label, added: Date.now() };
    // HSETNX: the first registration's time and label stay.
    await this.redis.hsetnx(this.registryKey, key, JSON.stringify(group));
    return (await this.groups()).find((g) => g.key === key) ?? group;
  }

  /** Every registered group, oldest first. */
  async groups(): Promise<Group[]> {
    const all = await this.redis.hgetall(this.registryKey);
    return Object.values(all)
      .map((v) => JSON.parse(v) as Group)
      .sort((a, b) => a.added - b.added || (a.key < b.key ? -1 : 1));
  }

  /** Forgets a group (its queue must be empty). */
  async unregister(group: Group): Promise<void> {
    await this.redis.hdel(this.registryKey, group.key);
  }

  /** The BullMQ queue of a group (one per farm object, on the farm's connection). */
  queue(group: Group): Queue {
    let q = this.queues.get(group.queue);
    if (!q) {
      q = new Queue(group.queue, { connection: this.redis, prefix: PREFIX });
      // Errors surface on the calls that fail; the event would otherwise be unhandled.
      q.on('error', () => {});
      this.queues.set(group.queue, q);
    }
    return q;
  }

  /** Closes the queues (not the connection, which the caller owns). */
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}
