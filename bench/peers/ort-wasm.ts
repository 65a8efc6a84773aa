/**
 * ONNX Runtime Web's WASM execution provider: the best CPU path a browser
 * has (MLAS kernels, SIMD). Its own build of ORT (not the WebGPU one, whose
 * asyncify instrumentation costs CPU time), served by Vite from the package.
 * Threads only when the page is cross-origin isolated (SharedArrayBuffer);
 * the demo server sends COOP/COEP, so there ORT uses its default: half the
 * cores, at most 4.
 */
import * as ort from 'onnxruntime-web/wasm';
import mjs from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import type { Peer } from './job.js';
import { openOrtSession } from './ort-session.js';

ort.env.wasm.wasmPaths = { mjs: new URL(mjs, location.href), wasm: new URL(wasm, location.href) };
if (!crossOriginIsolated) ort.env.wasm.numThreads = 1;

export const ortWasm: Peer = { id: 'ort-wasm', label: 'ONNX Runtime Web WASM', open: (job) => openOrtSession(ort, 'wasm', job) };
