/**
 * ONNX Runtime Web's WASM execution provider: the best CPU path a browser
 * has (MLAS kernels, SIMD). Its own build of ORT (not the WebGPU one), set up
 * once in demo/src/ort-wasm.ts (asset URLs, threads only when the page is
 * cross-origin isolated; the demo server sends COOP/COEP, so there ORT uses
 * its default: half the cores, at most 4).
 */
import { ort } from '../../demo/src/ort-wasm.js';
import type { Peer } from './job.js';
import { openOrtSession } from './ort-session.js';

export const ortWasm: Peer = { id: 'ort-wasm', label: 'ONNX Runtime Web WASM', open: (job) => openOrtSession(ort, 'wasm', job) };
