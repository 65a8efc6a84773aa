/**
 * A job in parts (a video's segments): the shared facts stored once in Redis
 * (the probe, the segment plan, the settings; not copied into every part's
 * job), a set of the parts finished, and a "joined" mark. A part's job adds
 * its index to the set and reads the set's size in one MULTI, so exactly one
 * job sees the last part arrive and joins them; re-running a part (a retry
 * after a crash) adds nothing new, and a retry of the joining job finds either
 * the mark (nothing left to do) or all parts (joins again, same result).
 */
import type { Farm } from './farm.js';
import { PREFIX } from './farm.js';

/** Joined marks outlive the record by this long (a late retry of a part must still find them). */
const JOINED_TTL_S = 30 * 24 * 3600;

function keys(farm: Farm, id: string): { record: string; done: string; joined: string } {
  const base = `${PREFIX}:${farm.name}:parts:${id}`;
  return { record: base, done: `${base}:done`, joined: `${base}:joined` };
}

/** Stores the shared facts of a new job in parts (kept until it is joined), with no part finished. */
export async function saveParts(farm: Farm, id: string, record: unknown): Promise<void> {
  const k = keys(farm, id);
  await farm.redis.multi().set(k.record, JSON.stringify(record)).del(k.done, k.joined).exec();
}

/** The shared facts, or null once joined (or never saved). */
export async function loadParts<T>(farm: Farm, id: string): Promise<T | null> {
  const text = await farm.redis.get(keys(farm, id).record);
  return text === null ? null : (JSON.parse(text) as T);
}

/** Records part `index` as finished; true when, with it, all `total` parts are. */
export async function finishPart(farm: Farm, id: string, index: number, total: number): Promise<boolean> {
  const k = keys(farm, id);
  const r = await farm.redis.multi().sadd(k.done, String(index)).scard(k.done).exec();
  if (!r) throw new Error(`parts ${id}: the transaction was aborted`);
  const [err, count] = r[1];
  if (err) throw err;
  return Number(count) >= total;
}

/** How many parts are finished. */
export async function partsDone(farm: Farm, id: string): Promise<number> {
  return farm.redis.scard(keys(farm, id).done);
}

export async function isJoined(farm: Farm, id: string): Promise<boolean> {
  return (await farm.redis.exists(keys(farm, id).joined)) === 1;
}

/** Marks the job joined and drops its record and part set. */
export async function markJoined(farm: Farm, id: string): Promise<void> {
  const k = keys(farm, id);
  await farm.redis.multi().set(k.joined, '1', 'EX', JOINED_TTL_S).del(k.record, k.done).exec();
}

/** Forgets every job in parts of the farm (drain --history); returns how many keys went. */
export async function forgetAllParts(farm: Farm): Promise<number> {
  let n = 0;
  let cursor = '0';
  do {
    const [next, found] = await farm.redis.scan(cursor, 'MATCH', `${PREFIX}:${farm.name}:parts:*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) n += await farm.redis.del(...found);
  } while (cursor !== '0');
  return n;
}
