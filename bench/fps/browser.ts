/**
 * The fps case in a page (`npm run bench`'s bench/page and the demo's
 * benchmark page): frames are VideoFrames, made from ImageBitmaps of the
 * synthetic pattern (`new VideoFrame(bitmap, { timestamp })`, untimed, as a
 * decoder would hand them over, and closed after each path is done with
 * them); the round trip reads a frame's bytes as an app would, drawImage on a
 * 2D canvas then getImageData (as upscale() itself reads a bitmap); WebSR runs
 * where it has the network. Vite-served: the Anime4K weight files are `?url`
 * assets (Node reads them with node:fs, in ./node.ts).
 */
import cnn2xL from '@websr/websr/weights/anime4k/cnn-2x-l-an.json?url';
import cnn2xM from '@websr/websr/weights/anime4k/cnn-2x-m-an.json?url';
import cnn2xS from '@websr/websr/weights/anime4k/cnn-2x-s-an.json?url';
import { loadAnime4k, type Engine, type UpscaleModel } from '../../src/index.js';
import { FPS_NETWORKS, type FpsCase, type FpsNetworkInfo } from './cases.js';
import type { FpsResult, FrameSource } from './measure.js';
import { DISTINCT_FRAMES, framePattern } from './pattern.js';
import { measureFps } from './run.js';
import { openWebSR } from './websr.js';

const ANIME4K_URLS: Record<NonNullable<FpsNetworkInfo['anime4kFile']>, string> = {
  'cnn-2x-s-an': cnn2xS,
  'cnn-2x-m-an': cnn2xM,
  'cnn-2x-l-an': cnn2xL,
};

/** WebSR's Anime4K JSON for a network (the file both WebSR and loadAnime4k read). */
export async function fetchAnime4k(file: NonNullable<FpsNetworkInfo['anime4kFile']>): Promise<unknown> {
  const url = ANIME4K_URLS[file];
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.json();
}

/** VideoFrames of the pattern: frame i from bitmap i mod DISTINCT_FRAMES, timestamp i/30 s. */
export async function videoFrames(width: number, height: number): Promise<FrameSource<VideoFrame> & { destroy(): void }> {
  const bitmaps = await Promise.all(
    Array.from({ length: DISTINCT_FRAMES }, (_, t) => createImageBitmap(new ImageData(framePattern(width, height, t), width, height))),
  );
  return {
    width,
    height,
    frame: (i) => new VideoFrame(bitmaps[i % DISTINCT_FRAMES], { timestamp: Math.round((i * 1e6) / 30) }),
    release: (frame) => frame.close(),
    destroy: () => bitmaps.forEach((b) => b.close()),
  };
}

/** A frame's RGBA bytes through one reused 2D canvas (drawImage + getImageData). */
export function canvasBytes(width: number, height: number): (frame: VideoFrame) => Promise<ImageData> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D context on an OffscreenCanvas');
  return async (frame) => {
    ctx.drawImage(frame, 0, 0);
    return ctx.getImageData(0, 0, width, height);
  };
}

export interface BrowserFpsOptions {
  /** Loads a non-Anime4K network (esrgan-slim) the page's way; `owned`: the run disposes it after. */
  loadLayersModel(info: FpsNetworkInfo): Promise<{ model: UpscaleModel; owned: boolean }>;
  /** Run WebSR where it has the network (default true). */
  websr?: boolean;
  /** WebSR's canvas context: default 'stub' on software adapters (headless), else its own. */
  websrContext?: 'canvas' | 'stub';
  budgetMs?: number;
  log?: (line: string) => void;
}

/** One fps case on `engine` with VideoFrames. */
export async function runFpsBrowser(engine: Engine, c: FpsCase, opts: BrowserFpsOptions): Promise<FpsResult> {
  const info = FPS_NETWORKS[c.network];
  const json = info.anime4kFile ? await fetchAnime4k(info.anime4kFile) : null;
  const { model, owned } = json !== null ? { model: loadAnime4k(engine, json), owned: true } : await opts.loadLayersModel(info);
  const source = await videoFrames(c.width, c.height);
  const software = engine.adapterInfo.software;
  const websrName = info.websrName;
  try {
    return await measureFps<VideoFrame>({
      engine,
      model,
      case: c,
      modelLabel: `${info.label} (${info.anime4kFile ?? `@upscalerjs/${info.pkg}`})`,
      sourceKind: 'VideoFrame',
      source,
      gpuImage: (frame) => frame,
      rgba: canvasBytes(c.width, c.height),
      websr:
        opts.websr === false
          ? 'not requested'
          : !websrName
            ? `WebSR has no ${info.label} (Anime4K only)`
            : () =>
                openWebSR({
                  network: websrName,
                  weights: json,
                  context: opts.websrContext ?? (software ? 'stub' : 'canvas'),
                  feed: software ? 'ImageBitmap' : 'VideoFrame',
                }),
      budgetMs: opts.budgetMs,
      log: opts.log,
    });
  } finally {
    source.destroy();
    if (owned) model.dispose();
  }
}
