/**
 * upscaleVideo(): a whole video file through a model, in the browser, to a
 * new file: demuxed and muxed by mediabunny (pure TypeScript), decoded and
 * encoded by WebCodecs, every frame upscaled on the GPU (upscaleTexture, the
 * same tiles and bytes as upscale()).
 *
 *   decode (VideoSampleSink) → texture (gpu-frames.ts) → upscaleTexture → read back
 *   → VideoFrame (RGBA) → VideoEncoder → EncodedVideoPacketSource → Output (BufferTarget)
 *   audio: EncodedPacketSink → EncodedAudioPacketSource, packets copied, never re-encoded
 *
 * Memory stays bounded whatever the length: one frame is upscaled at a time,
 * the decoder is pulled one sample per upscaled frame (mediabunny decodes a
 * few ahead), the encoder queue is held to `encoderQueue` frames, and every
 * muxer add is awaited before more is fed. Only the output file itself grows
 * (in memory, as a Blob at the end).
 *
 * Timestamps and durations pass through frame by frame, so a variable frame
 * rate stays variable; the track's rotation is kept as metadata (pixels are
 * upscaled as stored).
 */
import type { Engine } from '../../engine.js';
import { ArgumentError, UpsampleError } from '../../core/errors.js';
import type { UpscaleModel } from '../../model/types.js';
import { checkOptions as checkOptionKeys } from '../../core/params.js';
import { upscaleTexture } from '../../upscale/upscale-texture.js';
import type { UpscaledImage } from '../../upscale/upscale.js';
import { VIDEO_MAX_TILE_BYTES } from '../../upscale/video-upscaler.js';
import {
  CODEC_LABELS,
  CONTAINER_CODECS,
  VIDEO_FILE_CONTAINERS,
  defaultBitrate,
  encoderConfig,
  parseCodec,
  videoEncoderSupport,
  type VideoFileCodec,
  type VideoFileContainer,
} from './codecs.js';
import { FrameTextures } from './gpu-frames.js';

/**
 * A video file that cannot be read, decoded or written as asked; the message starts with the file's name
 * (as VideoFileError does for the CLI's ffmpeg path, src/video/ffmpeg/errors.ts, whose FileError base is Node-only).
 */
export class VideoError extends UpsampleError {
  override name = 'VideoError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export interface UpscaleVideoProgress {
  /** Frames upscaled and handed to the encoder. */
  done: number;
  /** Frames in the video track (from the container's packet index). */
  total: number;
  fraction: number;
  /** Frames per second over the last few seconds (the whole run before that). */
  fps: number;
  elapsedMs: number;
  /** Frames left at the recent rate; 0 when done. */
  etaMs: number;
}

/** One upscaled frame, as handed to the encoder (for previews and tests). */
export interface UpscaleVideoFrame {
  index: number;
  /** Presentation timestamp, µs. */
  timestamp: number;
  /** The decoded frame; open only until the callback returns (or its promise settles). */
  source: VideoFrame;
  /** The RGBA bytes handed to the encoder. */
  output: UpscaledImage;
  /** The decoded frame's RGBA bytes as they went into the model (read back from the GPU; call before returning). */
  input(): Promise<UpscaledImage>;
}

export interface UpscaleVideoOptions {
  /** The model, loaded on the engine given (Anime4K, Real-ESRGAN animevideov3, …). */
  model: UpscaleModel;
  /** Output video codec ('avc'/'h264', 'hevc'/'h265', 'vp9', 'av1', 'vp8'); default the first this browser encodes of the container's. */
  codec?: VideoFileCodec | 'h264' | 'h265';
  /** Output container; default the input's kind (MP4/MOV → mp4, WebM → webm, Matroska → mkv; others mp4). */
  container?: VideoFileContainer;
  /** Video bitrate, bits/s; default 0.1 bit per output pixel per frame (≥ 500 kbit/s). */
  bitrate?: number;
  /** Seconds between key frames; default 2. */
  keyFrameInterval?: number;
  /** Most frames waiting in the encoder before decoding pauses; default 4. */
  encoderQueue?: number;
  /** Tile budget per frame (see upscale()); default VIDEO_MAX_TILE_BYTES (a frame in one tile when the device allows). */
  maxTileBytes?: number;
  onProgress?: (progress: UpscaleVideoProgress) => void;
  /** After each frame is handed to the encoder; awaited (a slow callback slows the run, it never piles frames up). */
  onFrame?: (frame: UpscaleVideoFrame) => void | Promise<void>;
  /** Stops the run: it rejects with the signal's reason (an AbortError by default) and writes nothing. */
  signal?: AbortSignal;
}

export interface UpscaleVideoResult {
  blob: Blob;
  /** e.g. 'video/mp4; codecs="avc1.64001f, mp4a.40.2"'. */
  mimeType: string;
  container: VideoFileContainer;
  codec: VideoFileCodec;
  codecString: string;
  width: number;
  height: number;
  frames: number;
  /** The audio tracks copied (codec names). */
  audio: string[];
  elapsedMs: number;
  /** Frames per second over the whole run (decode + upscale + encode + mux). */
  fps: number;
  timings: UpscaleVideoTimings;
}

/**
 * Where the run's time went, ms. The decoder and the encoder run on their own threads, overlapping the GPU work:
 * decodeMs and encodeWaitMs count only the time the frame loop waited for them.
 */
export interface UpscaleVideoTimings {
  /** Waiting for the next decoded frame. */
  decodeMs: number;
  /** Per frame, from the decoded frame to the encoder having it (upload, model, read back, encoder queue, onFrame). */
  frameMs: number;
  /** Upload + model + read back (the GPU's part, waited for). */
  upscaleMs: number;
  /** Waiting for room in the encoder's queue and for the muxer. */
  encodeWaitMs: number;
  /** After the last frame: flushing the encoder and writing the file. */
  finishMs: number;
}

const OPTIONS = [
  'model',
  'codec',
  'container',
  'bitrate',
  'keyFrameInterval',
  'encoderQueue',
  'maxTileBytes',
  'onProgress',
  'onFrame',
  'signal',
];
const PREFERRED: readonly VideoFileCodec[] = ['avc', 'vp9', 'av1', 'hevc', 'vp8'];
const FPS_WINDOW_MS = 3000;

type Mediabunny = typeof import('mediabunny');

function fileName(file: Blob): string {
  return typeof (file as File).name === 'string' && (file as File).name ? (file as File).name : 'the video';
}

function abortError(signal: AbortSignal, done: number, total: number): unknown {
  return signal.reason !== undefined && !(signal.reason instanceof DOMException && signal.reason.name === 'AbortError')
    ? signal.reason
    : new DOMException(`upscaleVideo: cancelled after ${done} of ${total} frames`, 'AbortError');
}

function checkOptions(op: string, engine: Engine, options: UpscaleVideoOptions): void {
  if (!engine || typeof engine.kernelContext !== 'function') throw new ArgumentError(`${op}: engine must be an Engine`);
  if (!options || typeof options !== 'object') throw new ArgumentError(`${op}: options { model, … } are required`);
  checkOptionKeys(op, options, OPTIONS, { list: 'always' });
  const { model, container, bitrate, keyFrameInterval, encoderQueue, onProgress, onFrame } = options;
  if (!model || typeof model.run !== 'function' || !Number.isInteger(model.scale) || model.scale < 1)
    throw new ArgumentError(`${op}: options.model must be an UpscaleModel`);
  if (container !== undefined && !VIDEO_FILE_CONTAINERS.includes(container))
    throw new ArgumentError(`${op}: container '${container}' must be one of ${VIDEO_FILE_CONTAINERS.join(', ')}`);
  if (bitrate !== undefined && !(Number.isFinite(bitrate) && bitrate > 0))
    throw new ArgumentError(`${op}: bitrate ${bitrate} must be > 0 bits/s`);
  if (keyFrameInterval !== undefined && !(Number.isFinite(keyFrameInterval) && keyFrameInterval > 0))
    throw new ArgumentError(`${op}: keyFrameInterval ${keyFrameInterval} must be > 0 seconds`);
  if (encoderQueue !== undefined && !(Number.isInteger(encoderQueue) && encoderQueue >= 1))
    throw new ArgumentError(`${op}: encoderQueue ${encoderQueue} must be an integer >= 1`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new ArgumentError(`${op}: onProgress must be a function`);
  if (onFrame !== undefined && typeof onFrame !== 'function') throw new ArgumentError(`${op}: onFrame must be a function`);
}

function containerOf(mb: Mediabunny, format: unknown): VideoFileContainer {
  if (format instanceof mb.QuickTimeInputFormat) return 'mov';
  if (format instanceof mb.IsobmffInputFormat) return 'mp4';
  if (format instanceof mb.WebMInputFormat) return 'webm';
  if (format instanceof mb.MatroskaInputFormat) return 'mkv';
  return 'mp4';
}

function outputFormat(mb: Mediabunny, container: VideoFileContainer) {
  switch (container) {
    case 'mp4':
      return new mb.Mp4OutputFormat({ fastStart: 'in-memory' });
    case 'mov':
      return new mb.MovOutputFormat({ fastStart: 'in-memory' });
    case 'webm':
      return new mb.WebMOutputFormat();
    case 'mkv':
      return new mb.MkvOutputFormat();
  }
}

/** The codec to encode with: the one asked for if this browser encodes it here, else the first it does; the error lists the ones it has. */
async function chooseCodec(
  op: string,
  name: string,
  asked: string | undefined,
  container: VideoFileContainer,
  width: number,
  height: number,
): Promise<VideoFileCodec> {
  const fits = CONTAINER_CODECS[container];
  const support = await videoEncoderSupport(
    width,
    height,
    PREFERRED.filter((c) => fits.includes(c)),
  );
  const have = support.filter((s) => s.supported).map((s) => s.codec);
  const offer = have.length
    ? `this browser encodes ${have.map((c) => `${CODEC_LABELS[c]} ('${c}')`).join(', ')} for ${container.toUpperCase()} at ${width}×${height}`
    : `this browser has no video encoder for ${container.toUpperCase()} at ${width}×${height}`;
  if (asked !== undefined) {
    const codec = parseCodec(asked);
    if (!codec) throw new ArgumentError(`${op}: codec '${asked}' is not one of avc (h264), hevc (h265), vp9, av1, vp8`);
    if (!fits.includes(codec))
      throw new ArgumentError(
        `${op}: ${CODEC_LABELS[codec]} does not go into ${container.toUpperCase()} (it holds ${fits.map((c) => CODEC_LABELS[c]).join(', ')})`,
      );
    if (!have.includes(codec)) {
      // Chromium's H.264 encoder refuses odd sizes (4:2:0 without cropping); say so rather than "no encoder".
      const odd = (codec === 'avc' || codec === 'hevc') && (width % 2 || height % 2) ? ` (an odd size: it needs even ones)` : '';
      throw new VideoError(name, `this browser has no ${CODEC_LABELS[codec]} encoder for ${width}×${height}${odd}; ${offer}`);
    }
    return codec;
  }
  if (!have.length) throw new VideoError(name, `${offer}`);
  return have[0];
}

/**
 * Upscales every frame of a video file with `options.model` on `engine` (WebGPU)
 * and returns the new file: same container kind (or `container`), the video
 * encoded with `codec`, every audio track copied packet for packet. Progress
 * and frames are reported as they are encoded; `signal` cancels. A file that
 * cannot be read (no video track, a codec this browser cannot decode, an audio
 * codec the output container cannot hold) rejects with a VideoError naming it,
 * before any frame is upscaled; so does a codec without an encoder here, listing
 * the ones it has.
 */
export async function upscaleVideo(engine: Engine, file: Blob, options: UpscaleVideoOptions): Promise<UpscaleVideoResult> {
  const op = 'upscaleVideo';
  checkOptions(op, engine, options);
  if (!(file instanceof Blob)) throw new ArgumentError(`${op}: file must be a Blob or File`);
  const name = fileName(file);
  const { model, signal, onProgress, onFrame } = options;
  const s = model.scale;
  signal?.throwIfAborted();
  if (typeof VideoEncoder === 'undefined' || typeof VideoDecoder === 'undefined')
    throw new VideoError(name, `this browser has no WebCodecs (VideoDecoder/VideoEncoder), which the page needs to read and write video`);
  const mb = await import('mediabunny');
  const input = new mb.Input({ source: new mb.BlobSource(file), formats: mb.ALL_FORMATS });
  let output: InstanceType<Mediabunny['Output']> | null = null;
  let encoder: VideoEncoder | null = null;
  let textures: FrameTextures | null = null;
  let done = 0;
  let total = 0;
  try {
    // ---- what the file holds, checked before any work ----
    let format: unknown;
    try {
      format = await input.getFormat();
    } catch (e) {
      throw new VideoError(name, `not a video file this page reads (MP4, MOV, WebM, Matroska, MPEG-TS, Ogg): ${(e as Error).message}`);
    }
    const video = await input.getPrimaryVideoTrack();
    if (!video) throw new VideoError(name, `the file has no video track`);
    const videoCodec = await video.getCodec();
    if (!(await video.canDecode()))
      throw new VideoError(
        name,
        `this browser cannot decode its video (${videoCodec ?? 'an unknown codec'}, ${await video.getCodecParameterString()})`,
      );
    const container = options.container ?? containerOf(mb, format);
    const [width, height] = [await video.getCodedWidth(), await video.getCodedHeight()];
    const [outW, outH] = [width * s, height * s];
    const maxSide = engine.device.limits.maxTextureDimension2D;
    if (outW > maxSide || outH > maxSide)
      throw new VideoError(name, `${width}×${height} ×${s} is ${outW}×${outH}, more than this GPU's textures hold (${maxSide} a side)`);
    const codec = await chooseCodec(op, name, options.codec, container, outW, outH);
    const stats = await video.computePacketStats();
    total = stats.packetCount;
    if (total === 0) throw new VideoError(name, 'its video track holds no frame (a truncated or damaged file?)');
    // A file cut short still says how long it was: refuse it rather than write a shorter video.
    const [said, holds] = [await video.getDurationFromMetadata(), await video.computeDuration()];
    if (said !== null && said - holds > 0.5 && holds < 0.9 * said)
      throw new VideoError(name, `it says it lasts ${said.toFixed(2)} s but its video ends at ${holds.toFixed(2)} s: a truncated file?`);
    const fps = stats.averagePacketRate;
    const format_ = outputFormat(mb, container);
    const audioTracks = await input.getAudioTracks();
    const audio: {
      track: (typeof audioTracks)[number];
      codec: NonNullable<Awaited<ReturnType<(typeof audioTracks)[number]['getCodec']>>>;
    }[] = [];
    for (const track of audioTracks) {
      const c = await track.getCodec();
      if (!c) throw new VideoError(name, `audio track ${track.id} has a codec this page does not know, so it cannot be copied`);
      if (!format_.getSupportedAudioCodecs().includes(c)) {
        throw new VideoError(
          name,
          `its ${c} audio cannot be copied into ${container.toUpperCase()} (which holds ${format_
            .getSupportedAudioCodecs()
            .filter((x) => !x.startsWith('pcm'))
            .join(', ')}); keep the input's container`,
        );
      }
      audio.push({ track, codec: c });
    }

    // ---- the output: one video track from our encoder, the audio packets copied ----
    const target = new mb.BufferTarget();
    output = new mb.Output({ format: format_, target });
    const videoOut = new mb.EncodedVideoPacketSource(codec);
    // No frameRate: mediabunny would snap every timestamp to its grid, and a variable frame rate must stay as it is.
    output.addVideoTrack(videoOut, { rotation: await video.getRotation() });
    const audioOut = audio.map(({ track, codec: c }) => {
      const src = new mb.EncodedAudioPacketSource(c);
      output!.addAudioTrack(src);
      return { track, src };
    });
    await output.start();

    const config = encoderConfig(codec, outW, outH, options.bitrate ?? defaultBitrate(outW, outH, fps), fps);
    let encoderError: unknown = null;
    let muxing: Promise<void> = Promise.resolve();
    let firstChunk = true;
    encoder = new VideoEncoder({
      output: (chunk, meta) => {
        const packet = mb.EncodedPacket.fromEncodedChunk(chunk);
        const m = firstChunk ? meta : undefined;
        firstChunk = false;
        muxing = muxing.then(() => videoOut.add(packet, m));
        muxing.catch((e) => (encoderError ??= e));
      },
      error: (e) =>
        (encoderError ??= new VideoError(
          name,
          `the ${CODEC_LABELS[codec]} encoder failed (${config.codec}, ${outW}×${outH}): ${e.message}`,
        )),
    });
    encoder.configure(config);

    const copyAudio = async (): Promise<void> => {
      await Promise.all(
        audioOut.map(async ({ track, src }) => {
          const decoderConfig = await track.getDecoderConfig();
          let first = true;
          for await (const packet of new mb.EncodedPacketSink(track).packets()) {
            if (signal?.aborted || encoderError) return;
            await src.add(packet, first && decoderConfig ? { decoderConfig } : undefined);
            first = false;
          }
        }),
      );
    };

    // ---- frames ----
    const start = performance.now();
    const timings: UpscaleVideoTimings = { decodeMs: 0, frameMs: 0, upscaleMs: 0, encodeWaitMs: 0, finishMs: 0 };
    const marks: [number, number][] = [];
    const queue = options.encoderQueue ?? 4;
    const gop = (options.keyFrameInterval ?? 2) * 1e6;
    let lastKey = -Infinity;
    const progress = (): UpscaleVideoProgress => {
      const now = performance.now();
      marks.push([now, done]);
      while (marks.length > 2 && now - marks[1][0] > FPS_WINDOW_MS) marks.shift();
      const [t0, d0] = now - start > FPS_WINDOW_MS ? marks[0] : [start, 0];
      const rate = now > t0 ? ((done - d0) * 1000) / (now - t0) : 0;
      const left = Math.max(0, total - done);
      return {
        done,
        total,
        fraction: total ? Math.min(1, done / total) : 1,
        fps: rate,
        elapsedMs: now - start,
        etaMs: rate > 0 ? (left * 1000) / rate : 0,
      };
    };
    const encoderRoom = async (): Promise<void> => {
      while (encoder!.encodeQueueSize >= queue && !encoderError) {
        await new Promise<void>((resolve) => encoder!.addEventListener('dequeue', () => resolve(), { once: true }));
      }
      await muxing; // the muxer has taken what the encoder gave so far
    };

    const upscaleFrames = async (): Promise<void> => {
      const samples = new mb.VideoSampleSink(video).samples();
      try {
        for (;;) {
          let t = performance.now();
          const next = await samples.next().catch((e: Error) => {
            if (signal?.aborted) throw abortError(signal, done, total);
            throw new VideoError(name, `the video could not be decoded at frame ${done} of ${total} (truncated or damaged?): ${e.message}`);
          });
          timings.decodeMs += performance.now() - t;
          if (next.done) break;
          t = performance.now();
          await oneFrame(next.value);
          timings.frameMs += performance.now() - t;
        }
      } finally {
        await samples.return(undefined);
      }
    };

    const oneFrame = async (sample: InstanceType<Mediabunny['VideoSample']>): Promise<void> => {
      let frame: VideoFrame | null = null;
      try {
        if (signal?.aborted) throw abortError(signal, done, total);
        if (encoderError) throw encoderError;
        frame = sample.toVideoFrame();
        const [w, h] = [frame.displayWidth, frame.displayHeight];
        if (w !== width || h !== height)
          throw new VideoError(
            name,
            `frame ${done} is ${w}×${h}, the track's first frames are ${width}×${height}; a size change mid-stream is not supported`,
          );
        textures ??= new FrameTextures(engine, width, height, s);
        const t0 = performance.now();
        await textures.upload(frame);
        await upscaleTexture(engine, textures.input, {
          model,
          output: textures.output,
          alpha: 'opaque',
          maxTileBytes: options.maxTileBytes ?? VIDEO_MAX_TILE_BYTES,
          signal,
        });
        const rgba = await textures.read(textures.output);
        const t1 = performance.now();
        timings.upscaleMs += t1 - t0;
        const timestamp = sample.microsecondTimestamp;
        const duration = sample.microsecondDuration;
        await encoderRoom();
        timings.encodeWaitMs += performance.now() - t1;
        if (encoderError) throw encoderError;
        const out = new VideoFrame(rgba.data, {
          format: 'RGBA',
          codedWidth: outW,
          codedHeight: outH,
          timestamp,
          duration: duration > 0 ? duration : undefined,
        });
        const keyFrame = done === 0 || timestamp - lastKey >= gop;
        if (keyFrame) lastKey = timestamp;
        try {
          encoder!.encode(out, { keyFrame });
        } finally {
          out.close();
        }
        const t = textures;
        await onFrame?.({ index: done, timestamp, source: frame, output: rgba, input: () => t.read(t.input) });
        done++;
        onProgress?.(progress());
      } finally {
        frame?.close();
        sample.close();
      }
    };

    await Promise.all([upscaleFrames(), copyAudio()]);
    if (signal?.aborted) throw abortError(signal, done, total);
    if (done === 0) throw new VideoError(name, `no frame of its ${total} could be decoded`);
    const tail = performance.now();
    await encoder.flush();
    await muxing;
    if (encoderError) throw encoderError;
    encoder.close();
    encoder = null;
    await output.finalize();
    timings.finishMs = performance.now() - tail;
    const mimeType = await output.getMimeType();
    const elapsedMs = performance.now() - start;
    const blob = new Blob([target.buffer!], { type: mimeType });
    output = null;
    return {
      blob,
      mimeType,
      container,
      codec,
      codecString: config.codec,
      width: outW,
      height: outH,
      frames: done,
      audio: audio.map((a) => a.codec),
      elapsedMs,
      fps: elapsedMs > 0 ? (done * 1000) / elapsedMs : 0,
      timings,
    };
  } catch (e) {
    // A cancelled run rejects with the abort reason, whichever step (decoder, model, muxer) noticed first.
    const isAbort = e instanceof DOMException && e.name === 'AbortError';
    if (signal?.aborted && !isAbort && e !== signal.reason) throw abortError(signal, done, total);
    throw e;
  } finally {
    if (encoder && encoder.state !== 'closed') encoder.close();
    if (output && output.state !== 'finalized' && output.state !== 'canceled') await output.cancel().catch(() => undefined);
    (textures as FrameTextures | null)?.destroy();
    input.dispose();
  }
}
