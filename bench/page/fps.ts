/**
 * The fps cases on the benchmark page (bench/fps/browser.ts with the page's
 * model files): the result, plus what the page's common columns show for it
 * (ours = the GPU-resident path, an error if either of our paths failed).
 */
import { loadModel, type Engine } from '../../src/index.js';
import { summarize } from '../cases.js';
import { runFpsBrowser } from '../fps/browser.js';
import type { FpsCase } from '../fps/cases.js';
import type { FpsResult } from '../fps/measure.js';
import { fetchLayersModel } from '../peers/job.js';
import type { ImplResult, TimingConfig } from './measure.js';
import { modelUrl } from './ours.js';

export async function runFps(
  engine: Engine,
  c: FpsCase,
  cfg: TimingConfig,
  log: (line: string) => void,
): Promise<{ ours: ImplResult; fps: FpsResult }> {
  const fps = await runFpsBrowser(engine, c, {
    async loadLayersModel(info) {
      const url = new URL(modelUrl({ op: 'model', pkg: info.pkg!, scale: info.scale, h: c.height }), location.href).href;
      const { json, shards } = await fetchLayersModel(url);
      return { model: loadModel(engine, { modelJson: json, weightShards: shards, name: `${info.pkg}-x${info.scale}` }), owned: true };
    },
    budgetMs: cfg.budgetMs,
    log,
  });
  const { gpu, roundTrip } = fps;
  let ours: ImplResult;
  if (gpu.status === 'error') ours = { status: 'error', error: `GPU-resident path: ${gpu.error}` };
  else if (roundTrip.status === 'error') ours = { status: 'error', error: `round-trip path: ${roundTrip.error}` };
  else if (gpu.status !== 'ok') ours = { status: 'error', error: 'GPU-resident path did not run' };
  else
    ours = {
      status: 'ok',
      coldMs: gpu.warmupMs[0] ?? gpu.frameMs[0],
      warm: summarize(gpu.frameMs),
      ...(gpu.note ? { note: gpu.note } : {}),
    };
  return { ours, fps };
}
