/**
 * ONNX Runtime Web's WASM build, set up for a page: the CPU backend of the
 * upscaler (demo/src/upscaler/pretrained.ts) and the ORT-web WASM peer of both
 * benchmarks (bench/peers/ort-wasm.ts) import it from here, lazily, so a page
 * that never runs on the CPU never fetches it.
 *
 * It is ORT's plain WASM build (not the WebGPU/JSEP one, whose asyncify
 * instrumentation costs CPU time), with SIMD as ORT does by default. Its .mjs
 * and .wasm are `?url` imports: the dev server serves them from node_modules,
 * `vite build` emits them as assets. Threads need SharedArrayBuffer, so only a
 * cross-origin-isolated page gets ORT's default (half the cores, at most 4);
 * elsewhere we ask for one thread rather than let ORT warn and fall back.
 */
import * as ort from 'onnxruntime-web/wasm';
import mjs from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import wasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';

ort.env.wasm.wasmPaths = { mjs: new URL(mjs, location.href), wasm: new URL(wasm, location.href) };
if (!crossOriginIsolated) ort.env.wasm.numThreads = 1;

export { ort };

/**
 * ORT's thread count, as it settled it: it writes its default into
 * env.wasm.numThreads when it starts (the first session); 1 before that.
 */
export function ortWasmThreads(): number {
  return ort.env.wasm.numThreads || 1;
}

/** "ONNX Runtime Web (WASM, 2 threads)": what the pages show as the backend. */
export function ortWasmLabel(): string {
  const n = ortWasmThreads();
  return `ONNX Runtime Web (WASM, ${n} thread${n === 1 ? '' : 's'}${crossOriginIsolated ? '' : ', not cross-origin isolated'})`;
}
