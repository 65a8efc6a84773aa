/**
 * `webgpu-upsample queue …` and `webgpu-upsample worker`: a batch farm on
 * BullMQ (Redis). `queue add` turns a command line the CLI would run into one
 * job per image (the CLI's own argument parsing, output names and checks);
 * `worker` drains the queues on any machine that sees the same files;
 * `queue status`, `queue retry-failed` and `queue drain` look after them.
 * The queue logic is src/queue/ (no images there); the image work is
 * bin/queue-image.ts (the CLI's path).
 */
import { mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { connectRedis, DEFAULT_FARM, DEFAULT_REDIS, Farm, jobIdFor, QueueError, redactUrl } from '../src/queue/farm.js';
import { drain, farmStatus, retryFailed, type FarmStatus } from '../src/queue/status.js';
import { runWorkerLoop, type WorkerJob } from '../src/queue/worker-loop.js';
import { FileError, INPUT_EXTENSIONS } from '../src/upscale/image-file.js';
import { formatDuration } from '../src/upscale/duration.js';
import { BACKENDS, type BackendChoice } from './backend.js';
import { isModelPath, OPTIONS, parseCli, UsageError, didYouMean } from './cli-args.js';
import { resolveCliModel } from './cli-model.js';
import { describeError, openImageGroup, type ImageJobData, type ImageJobResult, type ModelSettings } from './queue-image.js';
import {
  ffmpeg,
  isVideoPath,
  planVideo,
  processSegment,
  saveVideo,
  videosIn,
  type PlannedVideo,
  type SegmentJobData,
  type SegmentJobResult,
} from './queue-video.js';

type QueueJobData = ImageJobData | SegmentJobData;
type QueueJobResult = ImageJobResult | SegmentJobResult;

export const QUEUE_USAGE = `usage: webgpu-upsample queue add <images|videos|folders>... --out DIR [model and format options] [queue options]
       webgpu-upsample worker [--concurrency N] [--backend auto|webgpu|cpu] [queue options]
       webgpu-upsample queue status [--json] [--watch SECONDS]
       webgpu-upsample queue retry-failed
       webgpu-upsample queue drain [--history]

A batch farm on BullMQ (Redis): \`queue add\` makes one job per image (the same
outputs, names and checks as \`webgpu-upsample <inputs> --out-dir DIR\`), any
number of \`worker\`s on any machines that see the same paths drain it. One
queue per model: a worker keeps its model loaded while its queue has jobs.

queue options (every subcommand):
  --redis URL        Redis to use (default $WEBGPU_UPSAMPLE_REDIS, else ${DEFAULT_REDIS})
  --farm NAME        separate farms on one Redis (default ${DEFAULT_FARM})

queue add:
  --out DIR          output folder (also -o, --out-dir); created if missing
  --attempts N       tries per image before it goes to the failed set (default 3)
  --backoff MS       wait before a retry, doubled each time (default 1000)
  -m -n -x -s -b -f -q --tile --models-dir --max-pixels --max-output-pixels --overwrite:
                     as for a single run (webgpu-upsample --help); --backend here pins
                     the backend for these jobs, else each worker uses its own

videos (.mp4 .mkv .mov .webm .avi …, named or in the folders): one job per segment,
cut at keyframes, on the same model queue; the worker that finishes the last
segment joins them with the input's audio and subtitles. Outputs are named as
by \`webgpu-upsample <videos> --out-dir DIR\` (the input's container, else .mkv)
and are that command's files byte for byte (encoder threads fixed at 4).
  --segment-seconds N  segment length (default 10, cut at the next keyframe)
  --codec C          h264 (default; vp9 for .webm), h265, vp9, av1
  --crf N --preset P quality (default per codec) and x264/x265 preset (medium)
  --ffmpeg PATH      ffmpeg to use (default $WEBGPU_UPSAMPLE_FFMPEG, else PATH)

worker:
  --concurrency N    images in flight (default 2): decoding and encoding overlap,
                     the model runs one image at a time
  -b, --backend B    auto (default), webgpu or cpu, as for a single run
  --lock-ms N        job lock (default 30000): a killed worker's job is retried
                     after this plus up to two stalled-check intervals
  --stalled-ms N     stalled-job check interval (default 15000)
  --max-stalled N    a job whose worker died more than N times fails (default 2)
  --poll-ms N        how often to look at the other models' queues (default 1000)
  --exit-when-drained  exit once nothing is waiting, retrying or running
  --root DIR         (repeatable) read and write only inside these folders: a job
                     naming any other path fails at once (whoever can write to
                     Redis chooses the paths a worker reads and writes)
  --quiet            failures and warnings only

Outputs are written to a temporary name and renamed: a killed worker leaves no
partial file, and its job, retried by another worker, writes the same name.
`;

const COMMON = {
  redis: { type: 'string' },
  farm: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ADD_ONLY = {
  out: { type: 'string' },
  attempts: { type: 'string' },
  backoff: { type: 'string' },
  codec: { type: 'string' },
  crf: { type: 'string' },
  preset: { type: 'string' },
  'segment-seconds': { type: 'string' },
  ffmpeg: { type: 'string' },
} as const;

function int(name: string, v: string | undefined, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} ${v} must be an integer from ${min} to ${max}`);
  return n;
}

/** parseArgs, with its errors as usage errors (and a "did you mean" for an unknown option). */
function parse<O extends ParseArgsOptionsConfig>(argv: string[], options: O, what: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  } catch (e) {
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec((e as Error).message);
    if (unknown) {
      const names = Object.keys(options).map((k) => `--${k}`);
      throw new UsageError(`${what}: unknown option ${unknown[1]}${didYouMean(unknown[1].split('=')[0], names)}`);
    }
    throw new UsageError(`${what}: ${(e as Error).message.split('\n')[0]}`);
  }
}

async function openFarm(values: { redis?: string; farm?: string }, persistent = false): Promise<Farm> {
  const url = values.redis ?? process.env.WEBGPU_UPSAMPLE_REDIS ?? DEFAULT_REDIS;
  const redis = await connectRedis(url, { persistent });
  try {
    return new Farm(redis, values.farm ?? DEFAULT_FARM);
  } catch (e) {
    redis.disconnect();
    throw e;
  }
}

async function closeFarm(farm: Farm): Promise<void> {
  await farm.close();
  await farm.redis.quit().catch(() => farm.redis.disconnect());
}

/**
 * Splits `queue add`'s arguments: the queue's own options are taken out, the rest (inputs, model and
 * format options) go to the CLI's parser unchanged, with --out as --out-dir.
 */
export function splitAddArgs(argv: string[]): { queue: Record<string, string | undefined>; cli: string[] } {
  const own = new Set([...Object.keys(COMMON), ...Object.keys(ADD_ONLY)].filter((k) => k !== 'help'));
  const queue: Record<string, string | undefined> = {};
  const cli: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (m && own.has(m[1])) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new UsageError(`queue add: --${m[1]} needs a value`);
      queue[m[1]] = value;
    } else cli.push(a);
  }
  if (queue.out !== undefined) cli.push('--out-dir', queue.out);
  return { queue, cli };
}

/**
 * Takes the videos out of the CLI's arguments: video files named, and the videos in folders named (a
 * folder with images stays for the CLI's parser, which picks its images). When no image input is left,
 * the first video stands in so that the parser still checks the model and format options; its job is dropped.
 */
export function splitVideos(cli: string[]): { cli: string[]; videos: string[]; standIn: string | null } {
  const { tokens } = parseArgs({ args: cli, options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const videos: string[] = [];
  const drop = new Set<number>();
  let images = 0;
  for (const t of tokens) {
    if (t.kind !== 'positional') continue;
    let dir = false;
    try {
      dir = statSync(t.value).isDirectory();
    } catch {
      // Not there: the CLI's parser says so.
    }
    if (dir) {
      const found = videosIn(t.value);
      videos.push(...found);
      const hasImages = readdirSync(t.value).some((n) => !n.startsWith('.') && INPUT_EXTENSIONS.includes(extname(n).toLowerCase()));
      if (hasImages || found.length === 0) images++;
      else drop.add(t.index);
    } else if (isVideoPath(t.value)) {
      videos.push(t.value);
      drop.add(t.index);
    } else images++;
  }
  const rest = cli.filter((_, i) => !drop.has(i));
  const standIn = images === 0 && videos.length ? videos[0] : null;
  return { cli: standIn ? [standIn, ...rest] : rest, videos, standIn };
}

async function add(argv: string[], log: (line: string) => void): Promise<number> {
  const { queue: q, cli } = splitAddArgs(argv);
  if (cli.includes('-h') || cli.includes('--help')) {
    process.stdout.write(QUEUE_USAGE);
    return 0;
  }
  if (!cli.includes('--out-dir') && !cli.includes('-o') && !cli.some((a) => a.startsWith('--out-dir='))) {
    throw new UsageError('queue add: give the output folder with --out DIR');
  }
  const attempts = int('attempts', q.attempts, 1, 1000, 3);
  const backoff = int('backoff', q.backoff, 0, 86_400_000, 1000);
  const split = splitVideos(cli);
  const parsed = parseCli(split.cli);
  if (parsed.kind !== 'run') throw new UsageError('queue add: expected images, videos or folders and --out DIR');
  const opts = parsed.options;
  const imageJobs = split.standIn ? [] : opts.jobs;
  const outDir = resolve(q.out ?? parsed.options.makeDir ?? dirname(opts.jobs[0].output));
  let resolved;
  try {
    resolved = resolveCliModel(opts);
  } catch (e) {
    throw new UsageError(`--model ${opts.model}${opts.noise !== undefined ? ` --noise ${opts.noise}` : ''}: ${(e as Error).message}`);
  }
  const pinned = cli.some((a) => a === '-b' || a === '--backend' || a.startsWith('--backend='));
  const target = opts.scale ?? resolved.description.scale;
  const settings: ModelSettings = {
    model: opts.model.includes('/') || opts.model.includes('\\') ? resolve(opts.model) : opts.model,
    // The scale asked for, or the model's own: \`-s 2\` and no -s on a ×2 model are one group.
    scale: target,
    noise: opts.noise ?? null,
    modelsDirs: opts.modelsDirs.map((d) => resolve(d)),
    backend: pinned ? opts.backend : null,
  };
  const label =
    `${resolved.label} ×${target}${opts.noise !== undefined ? ` -n ${opts.noise}` : ''}` + (pinned ? ` --backend ${opts.backend}` : '');
  if (opts.makeDir) mkdirSync(opts.makeDir, { recursive: true });
  // Every video probed, checked and planned before anything is queued.
  const videos: PlannedVideo[] = [];
  let skipped = 0;
  for (const input of split.videos) {
    try {
      videos.push(
        await planVideo(input, outDir, {
          codec: q.codec,
          crf: q.crf,
          preset: q.preset,
          segmentSeconds: q['segment-seconds'],
          ffmpeg: q.ffmpeg,
          scale: target,
          tile: opts.tile ?? null,
          tta: opts.tta,
          maxPixels: opts.maxPixels,
          maxOutputPixels: opts.maxOutputPixels,
        }),
      );
    } catch (e) {
      // A video that cannot be read or is too large is left out, as a batch run leaves it out; the rest is queued.
      if (!(e instanceof FileError)) throw e;
      skipped++;
      log(`skipped ${e.message}`);
    }
  }
  const jobOptions = { attempts, backoff: { type: 'exponential', delay: backoff } };

  const farm = await openFarm({ redis: q.redis, farm: q.farm });
  try {
    const group = await farm.register(settings, label);
    const queue = farm.queue(group);
    let added = 0;
    let already = 0;
    for (const v of videos) {
      // A video whose first segment is known was added before: queued, running or done.
      if ((await queue.getJobState(v.jobs[0].id)) !== 'unknown') {
        log(`${v.record.input}: already queued or done (same output ${v.record.output})`);
        continue;
      }
      await saveVideo(farm, v);
      await queue.addBulk(v.jobs.map((j) => ({ name: j.name, data: j.data, opts: { ...jobOptions, jobId: j.id } })));
      log(
        `queued ${v.record.input}: ${v.jobs.length} segment${v.jobs.length === 1 ? '' : 's'} of ${v.record.probe.pts.length} frames → ${v.record.output}`,
      );
    }
    for (let i = 0; i < imageJobs.length; i += 500) {
      const chunk = imageJobs.slice(i, i + 500).map((job) => {
        const data: ImageJobData = {
          kind: 'image',
          input: resolve(job.input),
          output: resolve(job.output),
          format: job.format,
          quality: opts.quality,
          tta: opts.tta,
          tile: opts.tile ?? null,
          maxPixels: opts.maxPixels,
          maxOutputPixels: opts.maxOutputPixels,
        };
        return { data, id: jobIdFor('img', data.output) };
      });
      const states = await Promise.all(chunk.map((c) => queue.getJobState(c.id)));
      const fresh = chunk.filter((_, k) => states[k] === 'unknown');
      already += chunk.length - fresh.length;
      await queue.addBulk(
        fresh.map(({ data, id }) => ({
          name: data.input,
          data,
          opts: { ...jobOptions, jobId: id },
        })),
      );
      added += fresh.length;
    }
    if (imageJobs.length || !videos.length)
      log(
        `queued ${added} image${added === 1 ? '' : 's'} for ${label} (queue ${group.queue})` +
          (already ? `; ${already} already queued or done (same output; \`queue drain --history\` forgets done jobs)` : ''),
      );
  } finally {
    await closeFarm(farm);
  }
  return skipped ? 1 : 0;
}

function rate(perSecond: number | null): string {
  if (perSecond === null) return '– jobs/s';
  return perSecond >= 1 ? `${perSecond.toFixed(1)} jobs/s` : `${(perSecond * 60).toFixed(1)} jobs/min`;
}

export function formatStatus(s: FarmStatus, where: string): string {
  const lines = [`farm ${s.farm} at ${where}: ${s.groups.length} model queue${s.groups.length === 1 ? '' : 's'}`];
  for (const g of s.groups) {
    lines.push(
      `${g.group.label}  [queue ${g.group.queue}]`,
      `  waiting ${g.waiting}${g.delayed ? ` (+${g.delayed} retrying)` : ''}  active ${g.active}  done ${g.done}  failed ${g.failed}  ` +
        `workers ${g.workers}  ${rate(g.perSecond)}  ETA ${g.etaMs === null ? '–' : formatDuration(g.etaMs)}`,
    );
    for (const f of g.failures) lines.push(`  failed after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}: ${f.reason}`);
    if (g.failed > g.failures.length) lines.push(`  … and ${g.failed - g.failures.length} more failed`);
  }
  const t = s.total;
  lines.push(
    `total: waiting ${t.waiting + t.delayed}  active ${t.active}  done ${t.done}  failed ${t.failed}  ${rate(t.perSecond)}  ` +
      `ETA ${t.etaMs === null ? '–' : formatDuration(t.etaMs)}`,
  );
  return lines.join('\n');
}

async function status(argv: string[]): Promise<number> {
  const { values } = parse(argv, { ...COMMON, json: { type: 'boolean' }, watch: { type: 'string' } }, 'queue status');
  const watch = values.watch === undefined ? 0 : int('watch', values.watch, 1, 3600, 0);
  const farm = await openFarm(values);
  try {
    for (;;) {
      const s = await farmStatus(farm);
      const where = values.redis ?? process.env.WEBGPU_UPSAMPLE_REDIS ?? DEFAULT_REDIS;
      process.stdout.write(`${values.json ? JSON.stringify(s) : formatStatus(s, redactUrl(where))}\n`);
      if (!watch || (s.total.waiting + s.total.delayed + s.total.active === 0 && s.groups.length > 0)) break;
      await new Promise((r) => setTimeout(r, watch * 1000));
    }
  } finally {
    await closeFarm(farm);
  }
  return 0;
}

async function repair(argv: string[], what: 'retry-failed' | 'drain', log: (line: string) => void): Promise<number> {
  const { values } = parse(argv, what === 'drain' ? { ...COMMON, history: { type: 'boolean' } } : COMMON, `queue ${what}`);
  const farm = await openFarm(values);
  try {
    if (what === 'retry-failed') {
      const n = await retryFailed(farm);
      log(`${n} failed job${n === 1 ? '' : 's'} back in the queue, with ${'a fresh set of attempts'}`);
    } else {
      const history = (values as { history?: boolean }).history === true;
      const n = await drain(farm, { history });
      log(
        `removed ${n} job${n === 1 ? '' : 's'} ${history ? '(waiting, done and failed)' : 'that had not started (jobs in flight finish)'}`,
      );
    }
  } finally {
    await closeFarm(farm);
  }
  return 0;
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest (an output not written yet). */
function realOrResolved(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realOrResolved(parent), basename(abs));
  }
}

/** Whether `path` (symbolic links followed) lies inside one of `roots` (real paths). */
export function insideRoots(path: string, roots: readonly string[]): boolean {
  const p = realOrResolved(path);
  return roots.some((r) => p === r || p.startsWith(r.endsWith(sep) ? r : r + sep));
}

async function worker(argv: string[], log: (line: string) => void): Promise<number> {
  const { values } = parse(
    argv,
    {
      ...COMMON,
      concurrency: { type: 'string', short: 'c' },
      backend: { type: 'string', short: 'b' },
      'lock-ms': { type: 'string' },
      'stalled-ms': { type: 'string' },
      'max-stalled': { type: 'string' },
      'poll-ms': { type: 'string' },
      'exit-when-drained': { type: 'boolean' },
      root: { type: 'string', multiple: true },
      quiet: { type: 'boolean' },
    },
    'worker',
  );
  if (values.help) {
    process.stdout.write(QUEUE_USAGE);
    return 0;
  }
  const backend = (values.backend ?? 'auto') as BackendChoice;
  if (!BACKENDS.includes(backend))
    throw new UsageError(`--backend ${backend} is not one of ${BACKENDS.join(', ')}${didYouMean(backend, BACKENDS)}`);
  const lockMs = int('lock-ms', values['lock-ms'], 500, 3_600_000, 30_000);
  const stalledMs = int('stalled-ms', values['stalled-ms'], 100, 3_600_000, 15_000);
  const quiet = values.quiet === true;
  const roots = (values.root ?? []).map((r) => realOrResolved(r));
  const info = quiet ? () => {} : log;
  const farm = await openFarm(values, true);
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (): void => {
    if (++signals === 1) {
      log('stopping: finishing the images in flight (again to quit now; their jobs are then retried elsewhere)');
      stop.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const t0 = performance.now();
  try {
    info(`worker ${process.pid} on farm ${farm.name}`);
    const r = await runWorkerLoop({
      farm,
      openGroup: async (group) => {
        const settings = group.settings as ModelSettings;
        if (roots.length) {
          for (const p of [...(isModelPath(settings.model) ? [settings.model] : []), ...settings.modelsDirs]) {
            if (!insideRoots(p, roots)) throw new Error(`${p} is outside --root (${roots.join(', ')})`);
          }
        }
        const images = await openImageGroup(settings, { backend, log: info });
        try {
          ffmpeg(); // now, not inside a job's lock (its lookup runs ffmpeg synchronously)
        } catch (e) {
          info(`videos: ${(e as Error).message}; this worker fails video segments`);
        }
        return {
          async process(job: WorkerJob<QueueJobData>): Promise<QueueJobResult> {
            if (roots.length) {
              for (const p of [job.data.input, job.data.output]) {
                // Unrecoverable: no retry will move the file into the folders this worker may touch.
                if (!insideRoots(p, roots))
                  throw new UnrecoverableError(`${p}: outside the folders this worker may use (--root ${roots.join(', ')})`);
              }
            }
            if (job.data.kind === 'image') return images.process(job as WorkerJob<ImageJobData>);
            try {
              return await processSegment(farm, images, job as WorkerJob<SegmentJobData>, info);
            } catch (e) {
              throw new Error(describeError(e));
            }
          },
          close: () => images.close(),
        };
      },
      concurrency: int('concurrency', values.concurrency, 1, 64, 2),
      lockMs,
      stalledMs,
      maxStalled: int('max-stalled', values['max-stalled'], 0, 1000, 2),
      pollMs: int('poll-ms', values['poll-ms'], 50, 60_000, 1000),
      exitWhenDrained: values['exit-when-drained'] === true,
      signal: stop.signal,
      log,
      info,
      onJob: (e) => {
        if (e.ok) info(`done ${e.name} → ${e.result?.output} (${e.ms.toFixed(0)} ms)`);
        else log(`failed ${e.name} (attempt ${e.attempt}): ${e.error}`);
      },
    });
    info(`worker ${process.pid}: ${r.done} done, ${r.failed} failed attempts in ${formatDuration(performance.now() - t0)}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await closeFarm(farm);
  }
  return 0;
}

/** Runs `queue …` or `worker …` (argv[0] is the subcommand); returns the exit status. */
export async function queueMain(argv: string[]): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    if (argv[0] === 'worker') return await worker(argv.slice(1), log);
    const [sub, ...rest] = argv.slice(1);
    switch (sub) {
      case 'add':
        return await add(rest, log);
      case 'status':
        return await status(rest);
      case 'retry-failed':
      case 'drain':
        return await repair(rest, sub, log);
      case undefined:
      case '-h':
      case '--help':
        process.stdout.write(QUEUE_USAGE);
        return sub === undefined ? 2 : 0;
      default:
        throw new UsageError(
          `queue ${sub}: not a subcommand${didYouMean(sub, ['add', 'status', 'retry-failed', 'drain'])}; add, status, retry-failed, drain`,
        );
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`webgpu-upsample: ${e.message}\n(webgpu-upsample queue --help lists the options)\n`);
      return 2;
    }
    if (e instanceof QueueError) {
      process.stderr.write(`webgpu-upsample: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`webgpu-upsample: ${describeError(e)}\n`);
    return 1;
  }
}
