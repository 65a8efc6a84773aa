/**
 * The benchmark page: on one WebGPU adapter, runs each case with our engine,
 * TensorFlow.js WebGPU and ONNX Runtime Web WebGPU (the peers of bench/peers,
 * shared with the demo's benchmark page), and, for model cases, our CPU
 * backend on ONNX Runtime Web WASM (./ours-wasm.ts), one implementation after
 * the other (never concurrently, so they do not share the CPU that SwiftShader
 * runs on). Training-step cases go to ./train.ts (ours and tfjs only);
 * frames-per-second cases to ./fps.ts (ours GPU-resident, ours round trip, WebSR).
 * bench/run.ts calls `window.__benchRun(config)` and gets the report.
 */
import { createEngine, type AdapterDescription } from '../../src/index.js';
import { caseData, caseName, type BenchCase, type CaseData, type RunCase } from '../cases.js';
import { prepareCopy, type CopyKernel } from './copy-bandwidth.js';
import { loadPeer, type Peer } from '../peers/index.js';
import { errorText } from '../peers/job.js';
import type { FpsResult } from '../fps/measure.js';
import { runFps } from './fps.js';
import type { ImplResult, TimingConfig } from './measure.js';
import { runOurs, type CopyTiming, type GpuTiming } from './ours.js';
import { runOursWasm } from './ours-wasm.js';
import { runPeer } from './peer.js';
import { runTrain, type TrainComparison } from './train.js';

export type AnchorName = 'tfjs' | 'ort';

export interface PageConfig extends TimingConfig {
  cases: RunCase[];
  anchors: AnchorName[];
  /** Model cases: also run our CPU backend on ORT-web WASM (off with --no-cpu). */
  cpuBackend: boolean;
}

export interface PageCaseResult {
  name: string;
  case: RunCase;
  ours: ImplResult;
  oursGpu: GpuTiming | null;
  tfjs: ImplResult;
  ort: ImplResult;
  /** Our CPU backend (createOrtRunner on ORT-web WASM): model cases only, else skipped. */
  oursWasm: ImplResult;
  /** Data-movement cases: a plain vec4 copy of the same bytes, timed like ours right after it (the bandwidth yardstick). */
  copy?: CopyResult;
  /** Training cases: the losses of every step on both sides and their largest relative difference. */
  train?: TrainComparison;
  /** Frames-per-second cases: the three paths, their ratios and the byte check (ours = the GPU-resident path). */
  fps?: FpsResult;
}

export type CopyResult = CopyTiming | { error: string };

export interface PageReport {
  adapter: AdapterDescription | null;
  userAgent: string;
  crossOriginIsolated: boolean;
  /** Smallest observed non-zero step of performance.now(), in ms. */
  timerResolutionMs: number;
  tfjsInitError: string | null;
  results: PageCaseResult[];
  /** Console errors seen while the page ran (filled in by bench/run.ts). */
  consoleErrors?: string[];
}

declare global {
  interface Window {
    __benchRun?: (config: PageConfig) => Promise<PageReport>;
  }
}

/** Progress, on the page and (prefixed) on the console, which bench/run.ts echoes. */
const log = (s: string): void => {
  document.getElementById('log')!.textContent += `${s}\n`;
  console.log(`[bench] ${s}`);
};

function timerResolution(): number {
  let best = Infinity;
  for (let i = 0; i < 200; i++) {
    const a = performance.now();
    let b = performance.now();
    while (b === a) b = performance.now();
    best = Math.min(best, b - a);
  }
  return best;
}

async function run(config: PageConfig): Promise<PageReport> {
  document.body.dataset.state = 'running';
  const engine = await createEngine();
  // Each anchor's library is loaded (and tfjs's backend selected by its first case) only when asked for,
  // and only when a case can use it (fps cases compare with WebSR, not with the anchors).
  const anchorsUsed = config.cases.some((c) => c.op !== 'fps');
  const load = async (on: boolean, id: 'tfjs-webgpu' | 'ort-webgpu'): Promise<Peer | string | null> =>
    on && anchorsUsed ? loadPeer(id).catch(errorText) : null;
  const tfjsPeer = await load(config.anchors.includes('tfjs'), 'tfjs-webgpu');
  const ortPeer = await load(config.anchors.includes('ort'), 'ort-webgpu');
  const tfjsInitError = typeof tfjsPeer === 'string' ? tfjsPeer : null;
  const anchor = async (peer: Peer | string | null, c: BenchCase, data: CaseData, out: Float32Array | null): Promise<ImplResult> =>
    peer === null
      ? skipped('not requested')
      : typeof peer === 'string'
        ? { status: 'error', error: `init: ${peer}` }
        : runPeer(peer, c, data, out, config);
  const results: PageCaseResult[] = [];
  const skipped = (reason: string): ImplResult => ({ status: 'skipped', reason });
  for (const [i, c] of config.cases.entries()) {
    const name = caseName(c);
    log(`${name}…`);
    if (c.op === 'train') {
      const r = await runTrain(engine, c, 1000 + i, config, tfjsPeer);
      const ort = config.anchors.includes('ort') ? skipped('ONNX Runtime Web has no training on WebGPU') : skipped('not requested');
      results.push({ name, case: c, ours: r.ours, oursGpu: null, tfjs: r.tfjs, ort, oursWasm: skipped('not requested'), train: r.train });
      continue;
    }
    if (c.op === 'fps') {
      const none = skipped('not requested');
      let r: Awaited<ReturnType<typeof runFps>> | null = null;
      try {
        r = await runFps(engine, c, config, log);
      } catch (e) {
        results.push({
          name,
          case: c,
          ours: { status: 'error', error: errorText(e) },
          oursGpu: null,
          tfjs: none,
          ort: none,
          oursWasm: none,
        });
        continue;
      }
      results.push({ name, case: c, ours: r.ours, oursGpu: null, tfjs: none, ort: none, oursWasm: none, fps: r.fps });
      continue;
    }
    const data = caseData(c, 1000 + i);
    let ours: ImplResult;
    let oursGpu: GpuTiming | null = null;
    let out: Float32Array | null = null;
    let copy: CopyResult | undefined;
    let copyKernel: CopyKernel | undefined;
    if (c.op === 'pixelShuffle') {
      try {
        copyKernel = await prepareCopy(engine.device, Math.ceil(data.x.length / 4) * 4, engine.canTimeGpu);
      } catch (e) {
        copy = { error: errorText(e) };
      }
    }
    try {
      const r = await runOurs(engine, c, data, config, copyKernel);
      [ours, oursGpu, out] = [r.result, r.gpu, r.output];
      if (r.copy) copy = r.copy;
    } catch (e) {
      ours = { status: 'error', error: errorText(e) };
    } finally {
      copyKernel?.dispose();
    }
    const tfjs = await anchor(tfjsPeer, c, data, out);
    const ort = await anchor(ortPeer, c, data, out);
    const oursWasm = config.cpuBackend ? await runOursWasm(c, data, out, config) : skipped('not requested');
    results.push({ name, case: c, ours, oursGpu, tfjs, ort, oursWasm, ...(copy ? { copy } : {}) });
  }
  const report: PageReport = {
    adapter: engine.adapterInfo,
    userAgent: navigator.userAgent,
    crossOriginIsolated,
    timerResolutionMs: timerResolution(),
    tfjsInitError,
    results,
  };
  engine.destroy();
  document.body.dataset.state = 'done';
  return report;
}

window.__benchRun = run;
document.body.dataset.state = 'ready';
