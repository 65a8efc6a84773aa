/**
 * The peer libraries both benchmark harnesses compare our engine with, each
 * loaded on first use (dynamic import), so a page paints before megabytes of
 * TensorFlow.js or ONNX Runtime arrive, and a peer nobody asked for is never
 * fetched.
 */
import type { Peer, PeerId } from './job.js';

export type { Peer, PeerId, PeerJob, PeerSession } from './job.js';

export const PEER_IDS: readonly PeerId[] = ['tfjs-webgpu', 'ort-webgpu', 'ort-wasm'];

export const PEER_LABELS: Record<PeerId, string> = {
  'tfjs-webgpu': 'TensorFlow.js WebGPU',
  'ort-webgpu': 'ORT-web WebGPU',
  'ort-wasm': 'ORT-web WASM',
};

const loaders: Record<PeerId, () => Promise<Peer>> = {
  'tfjs-webgpu': () => import('./tfjs.js').then((m) => m.tfjsWebgpu),
  'ort-webgpu': () => import('./ort-webgpu.js').then((m) => m.ortWebgpu),
  'ort-wasm': () => import('./ort-wasm.js').then((m) => m.ortWasm),
};

/** The peer's module, loaded once. */
export function loadPeer(id: PeerId): Promise<Peer> {
  return loaders[id]();
}
