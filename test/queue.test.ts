/**
 * The batch farm as an operator runs it: a real redis-server, the CLI built as
 * users run it, three `webgpu-upsample worker` processes on the CPU backend,
 * 200 small images. One worker is killed with SIGKILL mid-run and another
 * started in its place; every output must then be there once, byte for byte
 * the single-machine CLI's, with no temporary file left; a truncated PNG ends
 * in the failed set with the CLI's own message after its attempts; a worker
 * holds one model per queue and does not reload it per image; a video is cut
 * into segment jobs and joined by the last worker into the CLI's own file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, Farm } from '../src/queue/farm.js';
import { farmStatus, type FarmStatus } from '../src/queue/status.js';
import { findFfmpeg } from '../src/video/ffmpeg/index.js';
import { buildCli, ROOT, runCli } from './helpers/cli.js';
import { startRedis, type TestRedis } from './helpers/redis.js';

const IMAGES = 200;

interface WorkerProcess {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

describe('webgpu-upsample queue + worker on BullMQ', () => {
  let redis: TestRedis;
  let cli: string;
  let tmp: string;
  let farm: Farm;
  const workers: WorkerProcess[] = [];

  function startWorker(args: string[] = []): WorkerProcess {
    const child = spawn(
      process.execPath,
      [cli, 'worker', '--redis', redis.url, '--lock-ms', '5000', '--stalled-ms', '1000', '--poll-ms', '200', ...args],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let out = '';
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const w = { child, log: () => out, exited };
    workers.push(w);
    return w;
  }

  async function kill(w: WorkerProcess): Promise<void> {
    if (w.child.exitCode === null && w.child.signalCode === null) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
  }

  /** Polls the farm until `done(status)`, or fails after `ms` with the workers' logs. */
  async function until(done: (s: FarmStatus) => boolean, ms: number, everyMs = 100): Promise<FarmStatus> {
    const deadline = Date.now() + ms;
    for (;;) {
      const s = await farmStatus(farm);
      if (done(s)) return s;
      if (Date.now() > deadline) {
        const logs = workers.map((w, i) => `--- worker ${i}:\n${w.log().slice(-1500)}`).join('\n');
        throw new Error(`timed out; farm: ${JSON.stringify(s.total)}\n${logs}`);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  beforeAll(async () => {
    redis = await startRedis();
    tmp = mkdtempSync(join(tmpdir(), 'webgpu-upsample-queue-'));
    cli = await buildCli(join(ROOT, 'test-artifacts', 'queue-cli-dist'));
    farm = new Farm(await connectRedis(redis.url));
  }, 120_000);

  // A test that fails half way must not leave its workers taking the next test's jobs.
  afterEach(async () => {
    await Promise.all(workers.map(kill));
  });

  afterAll(async () => {
    await Promise.all(workers.map(kill));
    if (farm) {
      await farm.close();
      farm.redis.disconnect();
    }
    await redis?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 30_000);

  it('200 images, 3 workers, one killed with SIGKILL and replaced: each output once, byte for byte the CLI’s; a truncated PNG fails with the CLI’s message', async () => {
    const input = join(tmp, 'in');
    const hostileDir = join(tmp, 'hostile');
    mkdirSync(input);
    mkdirSync(hostileDir);
    // 12×12 RGB pictures, each its own content (a gradient shifted by the index, so no two outputs agree).
    for (let i = 0; i < IMAGES; i++) {
      const px = Buffer.alloc(12 * 12 * 3);
      for (let k = 0; k < px.length; k++) px[k] = (k * 7 + i * 31 + ((k * i) % 13)) & 255;
      await sharp(px, { raw: { width: 12, height: 12, channels: 3 } })
        .png()
        .toFile(join(input, `img${String(i).padStart(3, '0')}.png`));
    }
    const whole = readFileSync(join(input, 'img000.png'));
    const hostile = join(hostileDir, 'truncated.png');
    writeFileSync(hostile, whole.subarray(0, Math.floor(whole.length * 0.75))); // header intact, pixels cut off

    // The single-machine result on the same backend.
    const reference = join(tmp, 'reference');
    const ref = await runCli(cli, [input, reference, '--backend', 'cpu', '--quiet']);
    expect(ref.code, ref.stderr).toBe(0);
    const refHostile = await runCli(cli, [hostile, join(tmp, 'x.png'), '--backend', 'cpu', '--quiet']);
    expect(refHostile.code).toBe(1);
    const cliMessage = refHostile.stderr.trim().replace(/^webgpu-upsample: /, '');
    expect(cliMessage).toMatch(/truncated\.png: could not be decoded/);

    const out = join(tmp, 'out');
    const add = await runCli(cli, ['queue', 'add', input, '--out', out, '--redis', redis.url, '--backend', 'cpu', '--backoff', '100']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).toMatch(new RegExp(`queued ${IMAGES} images for default-model`));
    const addHostile = await runCli(cli, ['queue', 'add', hostile, '--out', out, '--redis', redis.url, '-b', 'cpu', '--backoff', '100']);
    expect(addHostile.code, addHostile.stderr).toBe(0);
    // Adding the same work again is a no-op: the job ids come from the output paths.
    const again = await runCli(cli, ['queue', 'add', input, '--out', out, '--redis', redis.url, '--backend', 'cpu']);
    expect(again.stderr).toMatch(new RegExp(`queued 0 images .*; ${IMAGES} already queued or done`));
    const s0 = await farmStatus(farm);
    expect(s0.groups.length).toBe(1); // one model, one queue
    expect(s0.total.waiting).toBe(IMAGES + 1);

    const [victim] = [startWorker(), startWorker(), startWorker()];
    await until((s) => s.total.done >= 20, 90_000);
    await kill(victim); // mid-run: it holds jobs in flight (concurrency 2), which must come back after the lock expires
    startWorker();
    const end = await until(
      (s) => s.total.waiting + s.total.delayed + s.total.active === 0 && s.total.done + s.total.failed === IMAGES + 1,
      120_000,
    );

    expect(end.total.done).toBe(IMAGES);
    expect(end.total.failed).toBe(1);
    const failure = end.groups[0].failures[0];
    // The CLI's message, as the CLI words it (libvips's own reason in brackets can differ between a process's first and
    // later attempts to decode the same broken file, so it is not compared).
    const decodeFailed = `${hostile}: could not be decoded (`;
    expect(cliMessage.startsWith(decodeFailed), cliMessage).toBe(true);
    expect(failure.reason.startsWith(decodeFailed), failure.reason).toBe(true);
    expect(failure.attempts).toBe(3);
    expect(end.groups[0].perSecond).toBeGreaterThan(0);

    // The killed worker's jobs were found stalled and run again by another worker.
    const q = farm.queue(end.groups[0].group);
    const completed = await q.getJobs(['completed'], 0, -1);
    expect(completed.length).toBe(IMAGES);
    expect(completed.filter((j) => (j.stalledCounter ?? 0) > 0).length).toBeGreaterThan(0);

    // Every output once, nothing else in the folder (no temporary file of the killed worker), same bytes as the CLI's.
    const names = readdirSync(out).sort();
    expect(names).toEqual(readdirSync(reference).sort());
    for (const name of names) {
      expect(statSync(join(out, name)).size).toBeGreaterThan(0);
      expect(Buffer.compare(readFileSync(join(out, name)), readFileSync(join(reference, name))), name).toBe(0);
    }
    // The surviving workers keep going after the hostile file: it failed its attempts, not them.
    for (const w of workers.slice(1)) expect(w.child.exitCode, w.log().slice(-1000)).toBe(null);
    expect(workers.slice(1).some((w) => w.log().includes('could not be decoded'))).toBe(true);

    // retry-failed gives the failed job a fresh set of attempts; it fails again, as it must.
    const retry = await runCli(cli, ['queue', 'retry-failed', '--redis', redis.url]);
    expect(retry.stderr).toMatch(/1 failed job back in the queue/);
    const after = await until((s) => s.total.failed === 1 && s.total.waiting + s.total.delayed + s.total.active === 0, 60_000);
    expect(after.groups[0].failures[0].attempts).toBe(3);

    const status = await runCli(cli, ['queue', 'status', '--redis', redis.url]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`waiting 0 +active 0 +done ${IMAGES} +failed 1`));
    expect(status.stdout).toContain(`failed after 3 attempts: ${decodeFailed}`);
    expect(status.stdout).toMatch(/workers [1-9]/);
  }, 240_000);

  it('a worker holds one model per queue: two models, interleaved adds, each loaded once; drain removes what has not started', async () => {
    const input = join(tmp, 'in2');
    mkdirSync(input);
    for (let i = 0; i < 12; i++) {
      await sharp({ create: { width: 8 + i, height: 9, channels: 3, background: { r: 20 * i, g: 100, b: 255 - 20 * i } } })
        .png()
        .toFile(join(input, `p${i}.png`));
    }
    await runCli(cli, ['queue', 'drain', '--history', '--redis', redis.url]);
    for (const scale of ['2', '3', '2', '3']) {
      const r = await runCli(cli, [
        'queue',
        'add',
        input,
        '--out',
        join(tmp, `out-x${scale}`),
        '-s',
        scale,
        '-b',
        'cpu',
        '--redis',
        redis.url,
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
    const s0 = await farmStatus(farm);
    expect(s0.groups.map((g) => g.waiting)).toEqual([12, 12]);
    const w = startWorker(['--exit-when-drained', '--concurrency', '3']);
    expect(await w.exited, w.log()).toBe(0);
    const log = w.log();
    expect(log.match(/^model: /gm)?.length, log).toBe(2); // ×2 and ×3 (a pass then a shrink) are two queues: two loads
    expect(log.match(/^done /gm)?.length, log).toBe(24);
    for (const scale of [2, 3]) {
      const meta = await sharp(join(tmp, `out-x${scale}`, 'p11.png')).metadata();
      expect([meta.width, meta.height]).toEqual([19 * scale, 9 * scale]);
    }
    // drain: jobs that have not started are removed; the status shows none waiting.
    await runCli(cli, ['queue', 'add', input, '--out', join(tmp, 'out-x4'), '-s', '4', '-b', 'cpu', '--redis', redis.url]);
    const drained = await runCli(cli, ['queue', 'drain', '--redis', redis.url]);
    expect(drained.stderr).toMatch(/removed 12 jobs that had not started/);
    expect((await farmStatus(farm)).total.waiting).toBe(0);
  }, 120_000);

  it('a 3-segment video, one job per segment on 2 workers, one killed mid-segment: the joined file is the single-machine CLI’s byte for byte', async () => {
    await runCli(cli, ['queue', 'drain', '--history', '--redis', redis.url]);
    const dir = join(tmp, 'video');
    mkdirSync(dir);
    const clip = join(dir, 'clip.mp4');
    // 6 s at 10 fps, a keyframe every 2 s: --segment-seconds 2 cuts it in 3 segments of 20 frames.
    const bins = findFfmpeg();
    const made = spawnSync(
      bins.ffmpeg,
      [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=64x48:rate=10',
        '-t',
        '6',
        '-g',
        '20',
        '-pix_fmt',
        'yuv420p',
        '-c:v',
        'libx264',
        clip,
      ],
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);

    // The single-machine result: the CLI on the same video, backend and segment length.
    const reference = join(tmp, 'video-ref.mp4');
    const single = await runCli(cli, [clip, reference, '--segment-seconds', '2', '-b', 'cpu', '--quiet']);
    expect(single.code, single.stderr).toBe(0);

    const out = join(tmp, 'video-out');
    // A truncated video beside it is left out at `queue add` (named, exit 1); the good one is queued.
    writeFileSync(join(dir, 'broken.mp4'), readFileSync(clip).subarray(0, 300));
    const add = await runCli(cli, ['queue', 'add', dir, '--out', out, '--segment-seconds', '2', '-b', 'cpu', '--redis', redis.url]);
    expect(add.code, add.stderr).toBe(1);
    expect(add.stderr).toContain(`skipped ${join(dir, 'broken.mp4')}: `);
    expect(add.stderr).toContain('3 segments of 60 frames');
    // Both workers ready before any segment starts (the queue paused meanwhile), so that each takes one.
    const [group] = await farm.groups();
    const q = farm.queue(group);
    await q.pause();
    const a = startWorker(['--concurrency', '1']);
    const b = startWorker(['--concurrency', '1']);
    const deadline = Date.now() + 60_000;
    while (!(a.log().includes('holding') && b.log().includes('holding'))) {
      if (Date.now() > deadline) throw new Error(`workers did not start:\n${a.log()}\n${b.log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await q.resume();
    await until((s) => s.total.active === 2, 60_000, 20); // each worker in the middle of a segment
    await kill(a);
    startWorker(['--concurrency', '1']);
    const end = await until((s) => s.total.done === 3, 120_000);
    expect(end.total.failed).toBe(0);
    const jobs = await q.getJobs(['completed'], 0, -1);
    expect(jobs.filter((j) => (j.stalledCounter ?? 0) > 0).length).toBe(1); // the killed worker's segment, done again elsewhere
    expect(jobs.filter((j) => (j.returnvalue as { joined?: boolean }).joined).length).toBe(1); // joined once, by the last
    expect(readdirSync(out)).toEqual(['clip.mp4']); // no parts folder, no temporary file
    expect(Buffer.compare(readFileSync(join(out, 'clip.mp4')), readFileSync(reference))).toBe(0);
  }, 240_000);

  it('worker --root: a job whose paths lie outside the folders given fails at once, without retries', async () => {
    await runCli(cli, ['queue', 'drain', '--history', '--redis', redis.url]);
    const safe = join(tmp, 'safe');
    mkdirSync(join(safe, 'in'), { recursive: true });
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .png()
      .toFile(join(safe, 'in', 'a.png'));
    const outside = join(tmp, 'elsewhere');
    const add = await runCli(cli, ['queue', 'add', join(safe, 'in'), '--out', outside, '-b', 'cpu', '--redis', redis.url]);
    expect(add.code, add.stderr).toBe(0);
    const w = startWorker(['--root', safe, '--exit-when-drained']);
    expect(await w.exited, w.log()).toBe(0);
    const s = await farmStatus(farm);
    expect(s.total.failed).toBe(1);
    expect(s.groups[0].failures[0].attempts).toBe(1);
    expect(s.groups[0].failures[0].reason).toBe(
      `${join(outside, 'a.png')}: outside the folders this worker may use (--root ${realpathSync(safe)})`,
    );
  }, 60_000);

  it('says what is wrong: no output folder (usage, exit 2), Redis unreachable (exit 1), an unknown subcommand', async () => {
    const noOut = await runCli(cli, ['queue', 'add', join(ROOT, 'assets', 'sample.png'), '--redis', redis.url]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('give the output folder with --out DIR');
    const away = await runCli(cli, ['queue', 'status', '--redis', 'redis://127.0.0.1:1']);
    expect(away.code).toBe(1);
    expect(away.stderr).toContain('cannot reach Redis at redis://127.0.0.1:1');
    const typo = await runCli(cli, ['queue', 'stauts', '--redis', redis.url]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('(did you mean status?)');
  }, 60_000);
});
