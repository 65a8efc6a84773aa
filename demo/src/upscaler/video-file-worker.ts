/**
 * The upscaler page's file → file video mode, off the main thread: a module
 * Worker with its own WebGPU engine (Chromium offers WebGPU in dedicated
 * workers) runs upscaleVideo and posts progress, a preview of the current
 * frame (before and after, as ImageBitmaps, a few per second) and the result.
 *
 * Messages in: { type: 'start', job: VideoFileJob } and { type: 'cancel' }.
 * Messages out: VideoFileMessage (video-file-protocol.ts).
 */
import { createEngine, loadAnime4k, loadNcnnModel, upscaleVideo, type Engine, type UpscaleModel } from '../../../src/index.js';
import { loadModelFromUrl } from '../../../src/browser.js';
import type { ModelSpec, RecordedFrame, VideoFileJob, VideoFileMessage } from './video-file-protocol.js';

const PREVIEW_EVERY_MS = 400;

let engine: Promise<Engine> | null = null;
const models = new Map<string, Promise<UpscaleModel>>();
let running: AbortController | null = null;

const post = (m: VideoFileMessage, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);

async function fetchOk(url: string): Promise<Response> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url}: HTTP ${res.status}`);
  return res;
}

async function loadSpec(e: Engine, spec: ModelSpec): Promise<UpscaleModel> {
  switch (spec.kind) {
    case 'anime4k':
      return loadAnime4k(e, await (await fetchOk(spec.url)).json());
    case 'layers':
      return loadModelFromUrl(e, spec.url);
    case 'ncnn': {
      const [param, bin] = await Promise.all([spec.param, spec.bin].map(async (u) => (await fetchOk(u)).arrayBuffer()));
      return loadNcnnModel(e, { param, bin, name: spec.name });
    }
  }
}

function model(e: Engine, spec: ModelSpec): Promise<UpscaleModel> {
  const key = JSON.stringify(spec);
  let p = models.get(key);
  if (!p) {
    p = loadSpec(e, spec);
    models.set(key, p);
    p.catch(() => models.delete(key));
  }
  return p;
}

async function run(job: VideoFileJob): Promise<void> {
  const abort = new AbortController();
  running = abort;
  try {
    engine ??= createEngine();
    const e = await engine;
    post({ type: 'status', text: `Loading ${job.modelLabel}…` });
    const m = await model(e, job.model);
    post({
      type: 'status',
      text: `Upscaling ×${m.scale} with ${job.modelLabel} on ${e.adapterInfo.software ? 'a software adapter' : 'the GPU'}…`,
    });
    let shownAt = 0;
    let first: RecordedFrame | null = null;
    let last: RecordedFrame | null = null;
    const result = await upscaleVideo(e, job.file, {
      model: m,
      codec: job.codec,
      container: job.container,
      signal: abort.signal,
      onProgress: (p) => post({ type: 'progress', progress: p }),
      onFrame: async (f) => {
        if (job.record) {
          const rec = { index: f.index, timestamp: f.timestamp, input: await f.input(), output: f.output };
          if (f.index === 0) first = rec;
          last = rec;
        }
        const now = performance.now();
        if (now - shownAt < PREVIEW_EVERY_MS && f.index > 0) return;
        shownAt = now;
        const { data, width, height } = f.output;
        const [before, after] = await Promise.all([createImageBitmap(f.source), createImageBitmap(new ImageData(data, width, height))]);
        post({ type: 'preview', index: f.index, timestamp: f.timestamp, before, after }, [before, after]);
      },
    });
    const { blob, ...facts } = result;
    post({ type: 'done', blob, result: { ...facts, size: blob.size }, record: job.record ? { first, last } : null });
  } catch (err) {
    const error = err as Error;
    post({ type: 'error', name: error?.name ?? 'Error', message: error?.message ?? String(err), cancelled: abort.signal.aborted });
  } finally {
    if (running === abort) running = null;
  }
}

self.onmessage = (ev: MessageEvent<{ type: 'start'; job: VideoFileJob } | { type: 'cancel' }>) => {
  const msg = ev.data;
  if (msg.type === 'cancel') running?.abort();
  else if (msg.type === 'start') void run(msg.job);
};
