/** What the page and its video-file worker (video-file-worker.ts) say to each other. */
import type { UpscaledImage, VideoFileCodec, VideoFileContainer, UpscaleVideoProgress, UpscaleVideoResult } from '../../../src/index.js';

/** A model the worker loads on its own engine, by URL (models are per device: the page's cannot be handed over). */
export type ModelSpec =
  { kind: 'anime4k'; url: string } | { kind: 'layers'; url: string } | { kind: 'ncnn'; param: string; bin: string; name: string };

export interface VideoFileJob {
  file: File;
  model: ModelSpec;
  modelLabel: string;
  codec?: VideoFileCodec;
  container?: VideoFileContainer;
  /** Keep the first and last frames' RGBA (model input and encoder input), for the tests. */
  record: boolean;
}

/** A frame as the model saw it and as the encoder got it. */
export interface RecordedFrame {
  index: number;
  timestamp: number;
  input: UpscaledImage;
  output: UpscaledImage;
}

export type VideoFileFacts = Omit<UpscaleVideoResult, 'blob'> & { size: number };

export type VideoFileMessage =
  | { type: 'status'; text: string }
  | { type: 'progress'; progress: UpscaleVideoProgress }
  | { type: 'preview'; index: number; timestamp: number; before: ImageBitmap; after: ImageBitmap }
  | { type: 'done'; blob: Blob; result: VideoFileFacts; record: { first: RecordedFrame | null; last: RecordedFrame | null } | null }
  | { type: 'error'; name: string; message: string; cancelled: boolean };
