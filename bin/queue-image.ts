/**
 * The work of one queued image, done exactly as the single-machine CLI does
 * it (bin/webgpu-upsample.ts): the same model resolution (cli-model.ts), the
 * same backend (backend.ts), probe → decode → upscale in passes → shrink →
 * atomic write (src/upscale/image-file.ts), so a queued job's output is the
 * CLI's, byte for byte, on the same backend.
 *
 * One handler per group: the model is resolved and its backend opened once,
 * and every job of the group runs on it. Jobs in flight at once (--concurrency)
 * decode and encode in parallel (sharp's threads) but take turns on the model,
 * which runs one image at a time. A model run that fails for a reason other
 * than its input (a driver error, a lost device) makes the handler reopen the
 * backend before the next image, so one bad moment does not fail every job after it.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { scalePlan, shrinkImage } from '../src/upscale/rescale.js';
import { upscale } from '../src/upscale/upscale.js';
import { decodeImageFile, FileError, probeImage, writeImageFile, type OutputFormat } from '../src/upscale/image-file.js';
import { removeStaleTemps } from '../src/queue/outputs.js';
import type { GroupHandler, WorkerJob } from '../src/queue/worker-loop.js';
import type { TileRunner } from '../src/upscale/runner.js';
import { openBackend, type BackendChoice, type OpenBackend } from './backend.js';
import { resolveCliModel, type ResolvedModel } from './cli-model.js';

/** What decides the weights (one queue per distinct value). */
export interface ModelSettings {
  model: string;
  scale: number | null;
  noise: number | null;
  modelsDirs: string[];
  /** Pinned by `queue add --backend`; null: the worker's --backend. */
  backend: BackendChoice | null;
  [key: string]: string | number | boolean | string[] | null;
}

export interface ImageJobData {
  kind: 'image';
  input: string;
  output: string;
  format: OutputFormat;
  quality: number;
  tta: boolean;
  tile: number | null;
  maxPixels: number;
  maxOutputPixels: number;
}

export interface ImageJobResult {
  output: string;
  width: number;
  height: number;
  outWidth: number;
  outHeight: number;
  bits: 8 | 16;
  ms: number;
}

/** What one error says to a user: as the CLI says it (bin/webgpu-upsample.ts's describe()). */
export function describeError(e: unknown): string {
  if (e instanceof FileError) return e.message;
  const err = e as Error;
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`;
}

/** One model's turn-taking: the network runs one image at a time. */
class Turns {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn);
    this.tail = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }
}

export interface ImageHandlerOptions {
  /** The worker's --backend, for groups that do not pin one. */
  backend: BackendChoice;
  log(line: string): void;
}

export interface ImageGroupHandler extends GroupHandler<ImageJobData, ImageJobResult> {
  resolved: ResolvedModel;
  backendDescription: string;
  /** The output scale (the model's unless the group asks for another). */
  target: number;
  /** Runs `fn` with the model when its turn comes (one user at a time); an error other than a FileError reopens the backend. */
  withRunner<T>(fn: (runner: TileRunner) => Promise<T>): Promise<T>;
}

export async function openImageGroup(settings: ModelSettings, options: ImageHandlerOptions): Promise<ImageGroupHandler> {
  const resolved = resolveCliModel({
    model: settings.model,
    scale: settings.scale ?? undefined,
    noise: settings.noise ?? undefined,
    modelsDirs: settings.modelsDirs,
  });
  const description = resolved.description;
  const target = settings.scale ?? description.scale;
  const { passes, shrink } = scalePlan(description.scale, target);
  const choice = settings.backend ?? options.backend;
  const open = (): Promise<OpenBackend> => openBackend(choice, description, { quiet: true, log: options.log, warn: options.log });
  let backend: OpenBackend | null = await open();
  let suspect = false;
  const turns = new Turns();
  const backendDescription = backend.description;
  options.log(`model: ${resolved.label} on ${backendDescription}`);

  const withRunner = <T>(fn: (runner: TileRunner) => Promise<T>): Promise<T> =>
    turns.run(async () => {
      if (suspect || !backend) {
        suspect = false;
        await backend?.close();
        backend = null;
        backend = await open();
        options.log(`reopened ${backend.description} after an error`);
      }
      try {
        return await fn(backend.runner);
      } catch (e) {
        if (!(e instanceof FileError)) suspect = true;
        throw e;
      }
    });

  return {
    resolved,
    backendDescription,
    target,
    withRunner,
    async process(job: WorkerJob<ImageJobData>): Promise<ImageJobResult> {
      const d = job.data;
      const t0 = performance.now();
      const limits = { maxPixels: d.maxPixels, maxOutputPixels: d.maxOutputPixels };
      try {
        const header = await probeImage(d.input, Math.ceil(target), limits);
        const image = await decodeImageFile(header, limits);
        const result = await withRunner(async (runner) => {
          const tileSize = d.tile ?? undefined;
          let out = await upscale(runner, image, { tileSize, tta: d.tta });
          // Further passes run on the rounded result, as the CLI (and waifu2x-ncnn-vulkan's -s 4) does.
          for (let pass = 1; pass < passes; pass++) out = await upscale(runner, out, { tileSize, tta: d.tta });
          if (shrink !== 1) out = shrinkImage(out, Math.round(image.width * target), Math.round(image.height * target));
          return out;
        });
        mkdirSync(dirname(d.output), { recursive: true });
        // An earlier attempt killed while writing left its temporary file: this attempt replaces it.
        if (job.attemptsMade > 0 || job.stalledCounter > 0) removeStaleTemps(d.output);
        const { bits } = await writeImageFile(d.output, result, {
          format: d.format,
          quality: d.quality,
          alpha: header.hasAlpha,
          grayscale: header.grayscale,
        });
        return {
          output: d.output,
          width: header.width,
          height: header.height,
          outWidth: result.width,
          outHeight: result.height,
          bits,
          ms: Math.round(performance.now() - t0),
        };
      } catch (e) {
        throw new Error(describeError(e));
      }
    },
    async close() {
      await turns.run(async () => {
        await backend?.close();
        backend = null;
      });
    },
  };
}
