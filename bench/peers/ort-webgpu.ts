/**
 * ONNX Runtime Web's WebGPU execution provider. Its WASM runtime (which hosts
 * the EP) is served by Vite from the package (`?url`: the dev server's
 * node_modules, or hashed assets in a build), so no CDN is involved.
 */
import * as ort from 'onnxruntime-web/webgpu';
import mjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import type { Peer } from './job.js';
import { openOrtSession } from './ort-session.js';

ort.env.wasm.wasmPaths = { mjs: new URL(mjs, location.href), wasm: new URL(wasm, location.href) };
// ORT's default thread count for its WASM host (CPU fallbacks) needs SharedArrayBuffer.
if (!crossOriginIsolated) ort.env.wasm.numThreads = 1;

export const ortWebgpu: Peer = { id: 'ort-webgpu', label: 'ONNX Runtime Web WebGPU', open: (job) => openOrtSession(ort, 'webgpu', job) };
