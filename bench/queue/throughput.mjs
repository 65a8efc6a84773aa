#!/usr/bin/env node
/**
 * Throughput of the batch farm on this machine, against the bare CLI on the
 * same images: `node bench/queue/throughput.mjs [--images N] [--sizes 16,64]
 * [--workers 1,2,3] [--concurrency 1,2] [--reps 3] [--backend cpu]`.
 *
 * Builds the CLI (tsc, as `npm run upscale` does) into bench-results/queue-cli-<pid>,
 * starts a redis-server of its own (loopback, free port, no persistence),
 * makes N distinct PNGs per size, then for each size:
 *   - bare CLI: `webgpu-upsample in/ out/` once with N images and once with
 *     one; per image = (T_N − T_1) / (N − 1), so start-up and model load are out;
 *   - queue: `queue add`, then K workers (--exit-when-drained) started together;
 *     per image = the time between BullMQ's finishedOn of the K-th job and of
 *     the last / (N − K): worker start-up and each worker's first (warm-up)
 *     job are out, as the bare CLI's first image is;
 *     wall = worker start to the last worker's exit.
 * Overhead of the queue per image = queue per image (1 worker) − bare per image;
 * and BullMQ's own cost per job, measured with 2000 jobs that do nothing.
 * Each configuration runs --reps times, interleaved; the fastest run is kept
 * (other processes on a shared machine can only slow a run down). Prints a
 * markdown table and the machine's load average before and after.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import sharp from 'sharp';

const ROOT = resolve(import.meta.dirname, '..', '..');
const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '200' },
    sizes: { type: 'string', default: '16,64' },
    workers: { type: 'string', default: '1,2,3' },
    concurrency: { type: 'string', default: '2' },
    backend: { type: 'string', default: 'cpu' },
    reps: { type: 'string', default: '3' },
  },
});
const N = Number(values.images);
const SIZES = values.sizes.split(',').map(Number);
const WORKERS = values.workers.split(',').map(Number);
const CONCURRENCY = values.concurrency.split(',').map(Number);
const REPS = Number(values.reps);

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function run(args, { quiet = true } = {}) {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', quiet ? 'pipe' : 'inherit'] });
    let err = '';
    child.stderr?.on('data', (d) => (err += d));
    child.once('exit', (code) => (code === 0 ? res(performance.now() - t0) : rej(new Error(`${args.join(' ')}: exit ${code}\n${err}`))));
  });
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadBefore = load();
const tmp = mkdtempSync(join(tmpdir(), 'webgpu-upsample-queue-bench-'));
// A build of its own (two runs at once must not rebuild each other's CLI under their feet).
const build = join(ROOT, 'bench-results', `queue-cli-${process.pid}`);
rmSync(build, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'bin/tsconfig.json'), '--outDir', build]);
} catch {
  // Type errors elsewhere in the tree still emit; the CLI is there.
}
const cli = join(build, 'bin', 'webgpu-upsample.js');
const port = await freePort();
const redisDir = join(tmp, 'redis');
mkdirSync(redisDir);
const server = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir],
  {
    stdio: 'ignore',
  },
);
const url = `redis://127.0.0.1:${port}`;
const redis = new Redis(url, { maxRetriesPerRequest: null });
redis.on('error', () => {}); // refused until the server is up; the pings below retry
for (let i = 0; ; i++) {
  try {
    await redis.ping();
    break;
  } catch (e) {
    if (i > 100) throw e;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** BullMQ's own cost per job on this Redis: jobs that do nothing, one worker, concurrency 1 (in process, best of REPS). */
async function noopPerJob(n = 2000) {
  let best = Infinity;
  for (let rep = 0; rep < REPS; rep++) {
    const name = `noop-${rep}`;
    const q = new Queue(name, { connection: redis, prefix: 'wgu-bench' });
    await q.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'noop', data: { i } })));
    const worker = new Worker(name, async () => null, { connection: redis, prefix: 'wgu-bench', concurrency: 1, autorun: false });
    let count = 0;
    const done = new Promise((res) => worker.on('completed', () => ++count === n && res()));
    void worker.run();
    await done;
    await worker.close();
    const jobs = await q.getJobs(['completed'], 0, -1);
    const finished = jobs.map((j) => j.finishedOn).sort((x, y) => x - y);
    best = Math.min(best, (finished[n - 1] - finished[0]) / (n - 1));
    await q.obliterate({ force: true });
    await q.close();
  }
  return best;
}

const rows = [];
/** Keeps the fastest run of each configuration. */
function keep(row) {
  const i = rows.findIndex((r) => r.size === row.size && r.how === row.how);
  if (i < 0) rows.push(row);
  else if (row.perImage < rows[i].perImage) rows[i] = row;
}
let noop = NaN;
try {
  noop = await noopPerJob();
  for (const size of SIZES) {
    const input = join(tmp, `in-${size}`);
    const one = join(tmp, `one-${size}`);
    mkdirSync(input);
    mkdirSync(one);
    for (let i = 0; i < N; i++) {
      const px = Buffer.alloc(size * size * 3);
      for (let k = 0; k < px.length; k++) px[k] = (k * 7 + i * 31 + ((k * i) % 13)) & 255;
      const file = join(i === 0 ? one : input, `img${String(i).padStart(4, '0')}.png`);
      await sharp(px, { raw: { width: size, height: size, channels: 3 } })
        .png()
        .toFile(file);
      if (i === 0)
        await sharp(px, { raw: { width: size, height: size, channels: 3 } })
          .png()
          .toFile(join(input, 'img0000.png'));
    }
    // Each configuration `reps` times, interleaved, the fastest kept: other processes on a shared machine only slow runs down.
    let t1 = Infinity;
    let tN = Infinity;
    for (let rep = 0; rep < REPS; rep++) {
      // The fastest of each of the two runs so far (start-up varies from run to run on a busy machine).
      t1 = Math.min(t1, await run([one, join(tmp, `bare1-${size}`), '--backend', values.backend, '--quiet']));
      tN = Math.min(tN, await run([input, join(tmp, `bareN-${size}`), '--backend', values.backend, '--quiet']));
      const bare = (tN - t1) / (N - 1);
      const row = { size, how: 'bare CLI', workers: 1, perImage: bare, wall: tN, rate: 1000 / bare };
      const i = rows.findIndex((r) => r.size === size && r.how === 'bare CLI');
      if (i < 0) rows.push(row);
      else rows[i] = row;
      for (const k of WORKERS)
        for (const c of CONCURRENCY) {
          await run(['queue', 'drain', '--history', '--redis', url]);
          await run(['queue', 'add', input, '--out', join(tmp, `q${k}-${size}`), '--backend', values.backend, '--redis', url]);
          const t0 = performance.now();
          await Promise.all(
            Array.from({ length: k }, () =>
              run(['worker', '--redis', url, '--exit-when-drained', '--quiet', '--concurrency', String(c), '--poll-ms', '200']),
            ),
          );
          const wall = performance.now() - t0;
          const [group] = Object.values(await redis.hgetall('wgu:upscale:groups')).map((g) => JSON.parse(g));
          const q = new Queue(group.queue, { connection: redis, prefix: 'wgu' });
          const jobs = await q.getJobs(['completed'], 0, -1);
          await q.close();
          if (jobs.length !== N) throw new Error(`${jobs.length} of ${N} jobs done`);
          // From the k-th job finished (each worker's first job carries its model's warm-up run) to the last.
          const finished = jobs.map((j) => j.finishedOn).sort((x, y) => x - y);
          const perImage = (finished[N - 1] - finished[k - 1]) / (N - k);
          keep({
            size,
            how: `queue, ${k} worker${k === 1 ? '' : 's'} × concurrency ${c}`,
            workers: k,
            perImage,
            wall,
            rate: 1000 / perImage,
          });
        }
    }
  }
} finally {
  redis.disconnect();
  server.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
  rmSync(build, { recursive: true, force: true });
}

console.log(
  `\n${N} images per size, --backend ${values.backend}, worker --concurrency ${values.concurrency}, best of ${REPS} runs; ${cpus().length} cores (${cpus()[0]?.model})`,
);
console.log(`load average (1, 5, 15 min) before: ${loadBefore}; after: ${load()}\n`);
console.log(`BullMQ alone (jobs that do nothing, 1 worker, concurrency 1): ${noop.toFixed(2)} ms per job\n`);
console.log('| size | run | per image | images/s | wall (incl. start-up) | vs bare CLI |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const bare = rows.find((b) => b.size === r.size && b.how === 'bare CLI');
  const vs = r === bare ? '–' : `${r.perImage - bare.perImage >= 0 ? '+' : ''}${(r.perImage - bare.perImage).toFixed(1)} ms/image`;
  console.log(
    `| ${r.size}×${r.size} | ${r.how} | ${r.perImage.toFixed(1)} ms | ${r.rate.toFixed(1)} | ${(r.wall / 1000).toFixed(1)} s | ${vs} |`,
  );
}
