/**
 * What a peer library (TensorFlow.js, ONNX Runtime Web) is asked to run, and
 * what it hands back, in terms both benchmark harnesses share: `npm run bench`
 * (bench/page) and the demo's benchmark page (demo/src/bench). A job is one
 * op, or one whole UpscalerJS network, on NCHW data with PyTorch weight
 * layouts; each peer converts to its own layouts while it prepares, never
 * inside a timed call. The harnesses own the timing loops.
 */
import type { LayersModelJson } from '../../src/model/index.js';

interface JobInput {
  /** NCHW input, batch 1. */
  x: Float32Array;
  xShape: number[];
}

/** convTranspose2d: weight [Cin, Cout, k, k] (PyTorch), groups 1, dilation 1. */
export interface ConvTransposeJob extends JobInput {
  op: 'convTranspose2d';
  w: Float32Array;
  wShape: number[];
  b: Float32Array | null;
  stride: number;
  padding: number;
  outputPadding: number;
}

/** conv2d: weight [Cout, Cin, k, k] (PyTorch), stride 1, groups 1, dilation 1. */
export interface ConvJob extends JobInput {
  op: 'conv2d';
  w: Float32Array;
  wShape: number[];
  b: Float32Array | null;
  padding: number;
}

/** pixelShuffle: PyTorch's channel order (ONNX DepthToSpace CRD). */
export interface ShuffleJob extends JobInput {
  op: 'pixelShuffle';
  r: number;
}

/** A TF.js LayersModel (UpscalerJS), RGB in, RGB × scale out. */
export interface ModelJob extends JobInput {
  op: 'model';
  /** Absolute URL of model.json; its shards sit next to it. */
  modelUrl: string;
  scale: number;
}

export type PeerJob = ConvTransposeJob | ConvJob | ShuffleJob | ModelJob;

/** A job prepared on a peer: inputs resident where the peer computes, weights loaded. */
export interface PeerSession {
  /** One call: dispatch on the resident input and await the output on the CPU (read-back included), in the peer's layout. */
  call(): Promise<Float32Array>;
  /** An output of `call` as NCHW; untimed, for comparisons. */
  toNchw(out: Float32Array): Float32Array;
  /** Preparation outside the timed calls (weight upload, session creation), ms. */
  setupMs: number;
  /** How the peer was driven, for the report. */
  note: string;
  dispose(): Promise<void>;
}

export type PeerId = 'tfjs-webgpu' | 'ort-webgpu' | 'ort-wasm';

export interface Peer {
  id: PeerId;
  /** e.g. 'TensorFlow.js WebGPU'. */
  label: string;
  open(job: PeerJob): Promise<PeerSession>;
}

/** NCHW output shape of a job. */
export function jobOutputShape(job: PeerJob): number[] {
  const [n, c, h, w] = job.xShape;
  switch (job.op) {
    case 'convTranspose2d': {
      const k = job.wShape[2];
      const side = (v: number): number => (v - 1) * job.stride - 2 * job.padding + k + job.outputPadding;
      return [n, job.wShape[1], side(h), side(w)];
    }
    case 'conv2d': {
      const k = job.wShape[2];
      return [n, job.wShape[0], h + 2 * job.padding - k + 1, w + 2 * job.padding - k + 1];
    }
    case 'pixelShuffle':
      return [n, c / (job.r * job.r), h * job.r, w * job.r];
    case 'model':
      return [n, 3, h * job.scale, w * job.scale];
  }
}

/** model.json and its weight shards, fetched from `url` (absolute). */
export async function fetchLayersModel(url: string): Promise<{ json: LayersModelJson; shards: ArrayBuffer[] }> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  const json = (await res.json()) as LayersModelJson;
  const shards = await Promise.all(
    json.weightsManifest
      .flatMap((g) => g.paths)
      .map(async (p) => {
        const shardUrl = new URL(p, url).href;
        const r = await fetch(shardUrl);
        if (!r.ok) throw new Error(`GET ${shardUrl}: ${r.status}`);
        return r.arrayBuffer();
      }),
  );
  return { json, shards };
}

/** max |a − b|, or NaN when the lengths differ. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.NaN;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** An error's message, for the results (never swallowed silently). */
export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** NCHW → NHWC (batch 1), for TensorFlow.js. */
export function nchwToNhwc(data: Float32Array, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(y * w + x) * c + ch] = data[(ch * h + y) * w + x];
  return out;
}

/** NHWC → NCHW (batch 1), to compare TensorFlow.js output with ours. */
export function nhwcToNchw(data: Float32Array, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(ch * h + y) * w + x] = data[(y * w + x) * c + ch];
  return out;
}
