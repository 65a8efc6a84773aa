/**
 * createVideoUpscaler: every frame of a video source through a model onto a
 * canvas, on the GPU. Per frame: the frame is copied into a reused input
 * texture (copyExternalImageToTexture, a queue operation; through an
 * ImageBitmap on software adapters, where copying a VideoFrame directly loses
 * the device), then the whole frame is recorded on the engine's runner
 * (upscale-texture.ts: crop pass → the model's ops → store pass, per tile as
 * upscale() tiles) and submitted:
 * - on a 'webgpu' canvas the store pass writes the canvas's current texture
 *   itself (its storage texture; bgra8unorm where preferred and the device has
 *   'bgra8unorm-storage', else rgba8unorm): no intermediate texture, no copy.
 *   A one-tile frame is one submit and no CPU wait; the upscaler learns that
 *   the frame is done from onSubmittedWorkDone without waiting on it, and
 *   waits only if the GPU is still on the previous frame when the next one is
 *   ready (pacing: at most one frame queued).
 * - on a '2d' canvas (the fallback headless SwiftShader needs: presenting a
 *   'webgpu' canvas there loses the device) the store pass writes a reused
 *   output texture, copied into a readback buffer in the same command buffer:
 *   one submit and one wait (the mapAsync), the only CPU step.
 * A frame of several tiles is one submit per tile, with no wait between them.
 * stats() counts submits and waits, in total and for the last frame.
 *
 * One frame is in flight at a time. A frame that arrives while one is being
 * upscaled replaces the waiting one, which is dropped and counted: a live
 * source must not build a queue when the GPU falls behind. With
 * `dropFrames: false` a stream source is read one frame per upscaled frame
 * instead (every frame shown, at the GPU's pace: offline processing).
 *
 * Works in a Worker with an OffscreenCanvas and a stream (or a
 * MediaStreamTrack where MediaStreamTrackProcessor exists): nothing here
 * needs a document.
 */
import type { Engine } from '../engine.js';
import { ArgumentError } from '../core/errors.js';
import { BufferUsage, MapMode, TextureUsage } from '../gpu/constants.js';
import type { UpscaleModel } from '../model/types.js';
import { checkOptions } from '../core/params.js';
import { createImageTexture, type ImageTables } from './gpu-image.js';
import type { TilePlan } from './tiling.js';
import { canvasFormat, checkMode, webgpuContext, type CanvasMode } from './to-canvas.js';
import { recordTextureTiles, textureTables, textureTilePlan } from './upscale-texture.js';
import { isVideoElement, startSource, type RunningSource, type SourceFrame, type VideoSource } from './video-sources.js';

export type { VideoSource } from './video-sources.js';

export interface VideoUpscalerOptions {
  engine: Engine;
  /** Any UpscaleModel (loadAnime4k's small networks are made for this). */
  model: UpscaleModel;
  source: VideoSource;
  /** Resized to the output size. Its context is taken by the upscaler ('webgpu' or '2d', see `mode`). */
  canvas: HTMLCanvasElement | OffscreenCanvas;
  /** How frames are shown, as toCanvas: 'auto' (default) is 2D on software adapters, WebGPU otherwise. */
  mode?: CanvasMode;
  /** Default true: frames that arrive while one is in flight are dropped. False: stream sources wait for the GPU (video elements always drop). */
  dropFrames?: boolean;
  /** Called after each frame is shown. */
  onFrame?: (frame: VideoFrameInfo) => void;
  /** Aborting stops the upscaler, like stop(). */
  signal?: AbortSignal;
  /** Tile budget for a frame (see upscale()); default VIDEO_MAX_TILE_BYTES, so frames are not tiled unless the device needs it. */
  maxTileBytes?: number;
}

export interface VideoFrameInfo {
  /** 0, 1, 2… over the frames shown. */
  index: number;
  /** The VideoFrame's timestamp (µs), or the video element's currentTime in µs. */
  timestamp: number;
  /** From the frame's arrival to it being on the canvas (GPU work done), ms. */
  ms: number;
  width: number;
  height: number;
  /** The name of the model that upscaled this frame (it changes at the frame after setModel). */
  model: string;
}

export interface VideoUpscalerStats {
  /** Frames upscaled and shown. */
  frames: number;
  /** Frames the source presented that were not upscaled (they arrived while one was in flight). */
  dropped: number;
  /** Frames shown per second over the last second (or since the start, if shorter). */
  fps: number;
  /** Median of the last 30 frames' arrival-to-shown time, ms (0 before the first frame). */
  frameMs: number;
  /** How frames are drawn ('webgpu' or '2d'); null before the first frame. */
  path: 'webgpu' | '2d' | null;
  /** Input and output size of the last frame, [width, height]. */
  input: [number, number] | null;
  output: [number, number] | null;
  running: boolean;
  /** Command buffers submitted for the frames shown (engine.stats().submits over them). */
  submits: number;
  /**
   * Times the CPU waited for the GPU over the frames shown: the '2d' path's
   * readback (one per frame), and the 'webgpu' path's pacing waits (only when
   * the GPU was still on the previous frame).
   */
  waits: number;
  /** The last frame's own submits and waits, from its upload to its submit (or readback); null before the first frame. */
  lastFrame: { submits: number; waits: number; tiles: number } | null;
}

export interface VideoUpscaler {
  stats(): VideoUpscalerStats;
  /**
   * Switches the network while the video plays: the frame in flight finishes
   * with the old model, the next frame uses `model` (of any scale: the canvas
   * is resized). The caller owns both models (dispose the old one once the
   * next frame is shown, if no longer needed).
   */
  setModel(model: UpscaleModel): void;
  /** Stops reading the source, waits for the frame in flight, frees the textures. Idempotent. Resolves with the final stats. */
  stop(): Promise<VideoUpscalerStats>;
  /** Resolves with the final stats when the source ends or stop() is called; rejects with the error that stopped it (e.g. a lost device). */
  readonly done: Promise<VideoUpscalerStats>;
}

const OPTIONS = ['engine', 'model', 'source', 'canvas', 'mode', 'dropFrames', 'onFrame', 'signal', 'maxTileBytes'];

/**
 * The tile budget for video frames: a frame is upscaled whole whenever the
 * device's binding limits allow (Anime4K L at 640×360 needs 103 MB, esrgan-slim
 * ×2 118 MB), since every extra tile costs its halo's recomputation and GPU
 * round trips. upscale()'s 16 MiB default keeps a page responsive through
 * one big image; a frame is small, and one tile per frame is the fast path
 * (on an H100, Anime4K L at 640×360 went from 41 to 6.7 ms a frame).
 */
export const VIDEO_MAX_TILE_BYTES = 256 * 2 ** 20;
const WINDOW = 30;

export function createVideoUpscaler(options: VideoUpscalerOptions): VideoUpscaler {
  const op = 'createVideoUpscaler';
  if (!options || typeof options !== 'object') throw new ArgumentError(`${op}: options must be an object`);
  checkOptions(op, options, OPTIONS, { list: 'always' });
  const { engine, canvas, onFrame, signal } = options;
  let model = options.model;
  if (!engine || typeof engine.kernelContext !== 'function') throw new ArgumentError(`${op}: engine must be an Engine`);
  if (!model || typeof model.run !== 'function' || !Number.isInteger(model.scale))
    throw new ArgumentError(`${op}: model must be an UpscaleModel`);
  if (!canvas || typeof (canvas as OffscreenCanvas).getContext !== 'function')
    throw new ArgumentError(`${op}: canvas must be a canvas or OffscreenCanvas`);
  if (onFrame !== undefined && typeof onFrame !== 'function') throw new ArgumentError(`${op}: onFrame must be a function`);
  const mode = checkMode(op, options.mode);
  const dropFrames = options.dropFrames ?? true;
  const maxTileBytes = options.maxTileBytes ?? VIDEO_MAX_TILE_BYTES;
  if (typeof dropFrames !== 'boolean') throw new ArgumentError(`${op}: dropFrames must be a boolean`);
  const { device } = engine;
  const gpuCanvas = webgpuContext(engine, op, canvas, mode);
  const ctx2d = gpuCanvas ? null : (canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null);
  if (!gpuCanvas && !ctx2d)
    throw new ArgumentError(`${op}: the canvas gives no '2d' context (it already has a 'webgpu' one); use mode 'webgpu'`);

  let running = true;
  let frames = 0;
  let dropped = 0;
  const shownAt: number[] = [];
  const times: number[] = [];
  let inputSize: [number, number] | null = null;
  let outputSize: [number, number] | null = null;
  let input: GPUTexture | null = null;
  let output: GPUTexture | null = null;
  let readback: GPUBuffer | null = null;
  let submits = 0;
  let waits = 0;
  let lastFrame: VideoUpscalerStats['lastFrame'] = null;
  /** The model's byte tables and tile plan for the current frame size, made when either changes. */
  let job: { model: UpscaleModel; size: string; tables: ImageTables; plan: TilePlan } | null = null;
  /** The last 'webgpu' frame's completion (not awaited unless the next frame is ready first). */
  let gpuBusy: { done: Promise<void>; settled: boolean } | null = null;
  const runner = engine.kernelContext(op).runner;
  const format = gpuCanvas ? canvasFormat(engine) : 'rgba8unorm';
  let waiting: { frame: SourceFrame; arrived: number } | null = null;
  let inFlight: Promise<void> | null = null;
  let ended = false;
  const start = performance.now();

  let settle!: { resolve: (s: VideoUpscalerStats) => void; reject: (e: unknown) => void };
  const done = new Promise<VideoUpscalerStats>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // the caller may only ever call stop(); an error still reaches `done`.

  const stats = (): VideoUpscalerStats => {
    const now = performance.now();
    const recent = shownAt.filter((t) => now - t <= 1000);
    const span = Math.min(1000, now - start);
    const sorted = [...times].sort((a, b) => a - b);
    return {
      frames,
      dropped,
      fps: span > 0 ? (recent.length * 1000) / span : 0,
      frameMs: sorted.length ? sorted[sorted.length >> 1] : 0,
      path: frames ? (gpuCanvas ? 'webgpu' : '2d') : null,
      input: inputSize,
      output: outputSize,
      running,
      submits,
      waits,
      lastFrame,
    };
  };

  const release = (f: SourceFrame): void => {
    if (!isVideoElement(f)) f.close();
  };

  const resize = (width: number, height: number, s: number): void => {
    if (inputSize && inputSize[0] === width && inputSize[1] === height && outputSize![0] === width * s) return;
    input?.destroy();
    output?.destroy();
    readback?.destroy();
    readback = null;
    inputSize = [width, height];
    outputSize = [width * s, height * s];
    input = createImageTexture(device, 'source', [width, height], `${op} input`);
    // A 'webgpu' canvas's current texture is the store pass's target; only the '2d' path needs one of its own.
    output = gpuCanvas ? null : createImageTexture(device, 'result', outputSize, `${op} output`);
    [canvas.width, canvas.height] = outputSize;
    gpuCanvas?.configure({ device, format, usage: TextureUsage.STORAGE_BINDING, alphaMode: 'opaque' });
  };

  const upload = async (frame: SourceFrame, s: number): Promise<void> => {
    const [width, height] = isVideoElement(frame) ? [frame.videoWidth, frame.videoHeight] : [frame.displayWidth, frame.displayHeight];
    if (!(width >= 1 && height >= 1)) throw new ArgumentError(`${op}: a frame is ${width}×${height}; it must have pixels`);
    resize(width, height, s);
    // Software adapters lose the device copying a VideoFrame (or a video element) directly; an ImageBitmap copy works everywhere.
    const bitmap = engine.adapterInfo.software ? await createImageBitmap(frame) : null;
    try {
      device.queue.copyExternalImageToTexture({ source: bitmap ?? frame }, { texture: input!, premultipliedAlpha: false }, [width, height]);
    } finally {
      bitmap?.close();
    }
  };

  /** The byte tables and tile plan of `m` for this frame size (remade when the model or the size changes). */
  const jobFor = (m: UpscaleModel): { tables: ImageTables; plan: TilePlan } => {
    const [width, height] = inputSize!;
    const size = `${width}x${height}`;
    if (job?.model !== m || job.size !== size) {
      const plan = textureTilePlan(engine, op, m, width, height, { maxTileBytes });
      const tables = job?.model === m ? job.tables : textureTables(engine, op, m);
      if (job && job.tables !== tables) job.tables.dispose();
      job = { model: m, size, tables, plan };
    }
    return job;
  };

  /** Reads the output texture back (its copy in the frame's command buffer) and puts it on the 2D canvas. */
  const show2d = async (): Promise<void> => {
    const [w, h] = outputSize!;
    const bytesPerRow = Math.ceil((w * 4) / 256) * 256;
    readback ??= device.createBuffer({
      label: `${op} readback`,
      size: bytesPerRow * h,
      usage: BufferUsage.COPY_DST | BufferUsage.MAP_READ,
    });
    const buffer = readback;
    runner.encode((enc) => enc.copyTextureToBuffer({ texture: output! }, { buffer, bytesPerRow }, [w, h]));
    runner.submit();
    await runner.wait(buffer.mapAsync(MapMode.READ));
    try {
      const rows = new Uint8Array(buffer.getMappedRange());
      const image = ctx2d!.createImageData(w, h);
      for (let y = 0; y < h; y++) image.data.set(rows.subarray(y * bytesPerRow, y * bytesPerRow + w * 4), y * w * 4);
      ctx2d!.putImageData(image, 0, 0);
    } finally {
      buffer.unmap();
    }
  };

  const shown = (m: UpscaleModel, timestamp: number, arrived: number): void => {
    const now = performance.now();
    const ms = now - arrived;
    times.push(ms);
    if (times.length > WINDOW) times.shift();
    shownAt.push(now);
    while (shownAt.length && now - shownAt[0] > 1000) shownAt.shift();
    const [width, height] = outputSize!;
    onFrame?.({ index: frames++, timestamp, ms, width, height, model: m.name });
  };

  /** Pacing: waits for the previous 'webgpu' frame only if the GPU has not finished it yet. */
  const pace = async (): Promise<void> => {
    if (!gpuBusy || gpuBusy.settled) return;
    const before = engine.stats().waits;
    await runner.wait(gpuBusy.done);
    waits += engine.stats().waits - before;
  };

  const process = async (frame: SourceFrame, arrived: number): Promise<void> => {
    const timestamp = isVideoElement(frame) ? Math.round(frame.currentTime * 1e6) : frame.timestamp;
    const m = model; // one model for the whole frame, even if setModel() is called meanwhile
    await pace();
    const before = engine.stats();
    try {
      await upload(frame, m.scale);
    } finally {
      release(frame);
    }
    const { tables, plan } = jobFor(m);
    // The canvas's current texture is taken right before the frame is recorded, all tiles in one go (no await
    // in between), so it cannot be presented half-written.
    const target = gpuCanvas ? gpuCanvas.getCurrentTexture() : output!;
    recordTextureTiles(engine, { model: m, texture: input!, output: target, tables, alpha: false }, plan);
    const count = (): void => {
      const after = engine.stats();
      lastFrame = { submits: after.submits - before.submits, waits: after.waits - before.waits, tiles: plan.tiles.length };
      submits += lastFrame.submits;
      waits += lastFrame.waits;
    };
    if (!gpuCanvas) {
      await show2d();
      count();
      shown(m, timestamp, arrived);
      return;
    }
    runner.submit();
    count();
    const busy: { done: Promise<void>; settled: boolean } = { done: Promise.resolve(), settled: false };
    busy.done = device.queue.onSubmittedWorkDone().then(() => {
      busy.settled = true;
      shown(m, timestamp, arrived);
    });
    busy.done.catch(fail);
    gpuBusy = busy;
  };

  /** Upscales the waiting frame, and the next one that arrived meanwhile, until none waits. */
  const drain = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        while (waiting && running) {
          const { frame, arrived } = waiting;
          waiting = null;
          await process(frame, arrived);
        }
      } catch (e) {
        fail(e);
      } finally {
        inFlight = null;
      }
      if (ended && running) void finish();
    })();
    return inFlight;
  };

  let source: RunningSource | null = null;
  const finish = async (error?: unknown): Promise<VideoUpscalerStats> => {
    if (running) {
      running = false;
      source?.stop();
      signal?.removeEventListener('abort', onAbort);
      if (waiting) release(waiting.frame);
      waiting = null;
      await inFlight?.catch(() => undefined);
      await gpuBusy?.done.catch(() => undefined);
      input?.destroy();
      output?.destroy();
      readback?.destroy();
      job?.tables.dispose();
      job = null;
      const final = stats();
      if (error === undefined) settle.resolve(final);
      else settle.reject(error);
    }
    return done.catch(() => stats());
  };
  const fail = (e: unknown): void => void finish(e ?? new Error(`${op}: the source failed`));
  const onAbort = (): void => void finish();

  const sink = {
    offer(frame: SourceFrame, skipped: number): Promise<void> | void {
      dropped += skipped;
      if (!running) return release(frame);
      // A frame still waiting when a newer one arrives is dropped: only the latest waits behind the one in flight.
      if (waiting) {
        release(waiting.frame);
        dropped++;
      }
      waiting = { frame, arrived: performance.now() };
      const p = drain();
      if (!dropFrames && !isVideoElement(frame)) return p;
    },
    end(): void {
      ended = true;
      if (!inFlight) void finish();
    },
    fail,
  };
  if (signal?.aborted) {
    running = false;
    settle.resolve(stats());
  } else {
    signal?.addEventListener('abort', onAbort);
    try {
      source = startSource(op, options.source, sink);
    } catch (e) {
      running = false;
      signal?.removeEventListener('abort', onAbort);
      throw e;
    }
  }
  const setModel = (next: UpscaleModel): void => {
    if (!next || typeof next.run !== 'function' || !Number.isInteger(next.scale))
      throw new ArgumentError('VideoUpscaler.setModel: model must be an UpscaleModel');
    model = next;
  };
  return { stats, setModel, stop: () => finish(), done };
}
