/**
 * Frame sources for createVideoUpscaler: each turns a video source into calls
 * of `offer(frame)` at the source's own pace, and says when it ends.
 *
 * - HTMLVideoElement: requestVideoFrameCallback (once per presented frame;
 *   its presentedFrames counter tells how many frames passed between two
 *   callbacks, so frames the page never saw count as dropped), or
 *   requestAnimationFrame polling of currentTime where it is missing.
 * - MediaStreamTrack: MediaStreamTrackProcessor's stream of VideoFrames
 *   (windows and workers in Chromium), else a hidden <video> playing it.
 * - A ReadableStream or async iterable of VideoFrames (e.g. a WebCodecs
 *   decoder's output, or a stream transferred to a Worker).
 *
 * Sources never wait for the GPU: the upscaler decides what to drop.
 */
import { ArgumentError } from '../core/errors.js';

/** What createVideoUpscaler reads frames from. */
export type VideoSource = HTMLVideoElement | MediaStreamTrack | ReadableStream<VideoFrame> | AsyncIterable<VideoFrame>;

/** A frame handed to the upscaler: a VideoFrame (which the upscaler closes) or a video element at its current frame. */
export type SourceFrame = VideoFrame | HTMLVideoElement;

export interface FrameSink {
  /**
   * A new frame. `skipped` is how many frames the source presented since the
   * last offer without offering them (rVFC coalescing). Returns a promise when
   * the sink wants the source to wait (no-drop mode), else nothing.
   */
  offer(frame: SourceFrame, skipped: number): Promise<void> | void;
  /** The source has no more frames (stream done, video ended). */
  end(): void;
  /** The source failed. */
  fail(error: unknown): void;
}

/** A running source: stop() releases it (cancels callbacks, the reader; never stops the caller's track). */
export interface RunningSource {
  stop(): void;
}

export function isVideoElement(v: unknown): v is HTMLVideoElement {
  return typeof HTMLVideoElement !== 'undefined' && v instanceof HTMLVideoElement;
}
function isTrack(v: unknown): v is MediaStreamTrack {
  return typeof MediaStreamTrack !== 'undefined' && v instanceof MediaStreamTrack;
}
function isReadable(v: unknown): v is ReadableStream<VideoFrame> {
  return typeof ReadableStream !== 'undefined' && v instanceof ReadableStream;
}
function isAsyncIterable(v: unknown): v is AsyncIterable<VideoFrame> {
  return !!v && typeof (v as AsyncIterable<VideoFrame>)[Symbol.asyncIterator] === 'function';
}

/** Checks `source` and starts reading it into `sink`. */
export function startSource(op: string, source: unknown, sink: FrameSink): RunningSource {
  if (isVideoElement(source)) return videoElementSource(source, sink);
  if (isTrack(source)) return trackSource(op, source, sink);
  if (isReadable(source)) return streamSource(readerIterator(source.getReader()), sink);
  if (isAsyncIterable(source)) return streamSource(source[Symbol.asyncIterator](), sink);
  const what = source === null ? 'null' : ((source as object)?.constructor?.name ?? typeof source);
  throw new ArgumentError(
    `${op}: source must be an HTMLVideoElement, a MediaStreamTrack, or a ReadableStream / async iterable of VideoFrames, got ${what}`,
  );
}

function readerIterator(reader: ReadableStreamDefaultReader<VideoFrame>): AsyncIterator<VideoFrame> {
  return {
    next: () => reader.read() as Promise<IteratorResult<VideoFrame>>,
    async return() {
      await reader.cancel().catch(() => undefined);
      return { done: true, value: undefined };
    },
  };
}

/** Gives the event loop a turn, so a stream that yields frames instantly cannot starve the GPU callbacks. */
const yieldTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function streamSource(it: AsyncIterator<VideoFrame>, sink: FrameSink): RunningSource {
  let stopped = false;
  void (async () => {
    try {
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        if (stopped) {
          r.value.close();
          break;
        }
        const wait = sink.offer(r.value, 0);
        if (wait) await wait;
        else await yieldTask();
        if (stopped) break;
      }
      if (!stopped) sink.end();
    } catch (e) {
      if (!stopped) sink.fail(e);
    }
  })();
  return {
    stop() {
      stopped = true;
      void Promise.resolve(it.return?.()).catch(() => undefined);
    },
  };
}

interface FrameMetadata {
  presentedFrames: number;
}
type VideoWithCallbacks = HTMLVideoElement & {
  requestVideoFrameCallback?(cb: (now: number, meta: FrameMetadata) => void): number;
  cancelVideoFrameCallback?(handle: number): void;
};

function videoElementSource(video: VideoWithCallbacks, sink: FrameSink): RunningSource {
  let stopped = false;
  let last = -1;
  let handle = 0;
  const onEnded = (): void => sink.end();
  video.addEventListener('ended', onEnded);
  const frame = (presented: number): void => {
    const skipped = last < 0 ? 0 : Math.max(0, presented - last - 1);
    last = presented;
    const wait = sink.offer(video, skipped);
    // A video element cannot be paused by us for back-pressure without changing what the user sees; frames simply pass.
    if (wait) void wait.catch(() => undefined);
  };
  if (typeof video.requestVideoFrameCallback === 'function') {
    const onFrame = (_now: number, meta: FrameMetadata): void => {
      if (stopped) return;
      handle = video.requestVideoFrameCallback!(onFrame);
      frame(meta.presentedFrames);
    };
    handle = video.requestVideoFrameCallback(onFrame);
  } else {
    // No rVFC (older Firefox): a new currentTime on an animation frame is a new frame; skipped frames are unknown.
    let time = -1;
    let count = 0;
    const poll = (): void => {
      if (stopped) return;
      handle = requestAnimationFrame(poll);
      if (video.readyState >= 2 && video.currentTime !== time) {
        time = video.currentTime;
        frame(count++);
      }
    };
    handle = requestAnimationFrame(poll);
  }
  return {
    stop() {
      stopped = true;
      video.removeEventListener('ended', onEnded);
      if (typeof video.cancelVideoFrameCallback === 'function') video.cancelVideoFrameCallback(handle);
      else cancelAnimationFrame(handle);
    },
  };
}

declare const MediaStreamTrackProcessor: (new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> }) | undefined;

function trackSource(op: string, track: MediaStreamTrack, sink: FrameSink): RunningSource {
  if (track.kind !== 'video') throw new ArgumentError(`${op}: the MediaStreamTrack is '${track.kind}', not 'video'`);
  if (typeof MediaStreamTrackProcessor !== 'undefined') {
    return streamSource(readerIterator(new MediaStreamTrackProcessor({ track }).readable.getReader()), sink);
  }
  if (typeof document === 'undefined') {
    throw new ArgumentError(
      `${op}: this context has no MediaStreamTrackProcessor and no document to play the track in; pass a ReadableStream of VideoFrames instead`,
    );
  }
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  const inner = videoElementSource(video, sink);
  video.play().catch((e: unknown) => sink.fail(e));
  return {
    stop() {
      inner.stop();
      video.pause();
      video.srcObject = null;
    },
  };
}
