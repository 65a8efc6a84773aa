/**
 * One case on every chosen contender, one after the other (never
 * concurrently: on a software adapter they would share the CPU), and on the
 * CPU reference, whose output every contender's is compared with.
 */
import { errorText, maxAbsDiff, type Peer, type PeerId, type PeerSession } from '../../../bench/peers/job.js';
import type { Engine } from '../../../src/index.js';
import type { ModelGraph } from '../../../src/model/ir.js';
import type { UpscaleModel } from '../../../src/model/types.js';
import { ALL_CONTENDERS, type BenchCase, type BenchConfig, type Contender } from './cases.js';
import type { QueueTimer } from './gpu-timer.js';
import { caseInputs, caseJob, referenceOutput, timeOurs, timePeer } from './measure.js';
import { compare, okResult, oursExtra, toCaseResult, type CaseResult, type ContenderResult } from './report.js';

/** What every case of a run shares: the loaded model, its graph for the reference, the peers (or why one failed to load). */
export interface RunContext {
  engine: Engine;
  config: BenchConfig;
  timer: QueueTimer | null;
  model: { ours: UpscaleModel | null; graph: ModelGraph | null; url: string; scale: number } | null;
  peers: Partial<Record<PeerId, Peer | { error: string }>>;
  /** Stop: checked between calls; an aborted case rejects with the signal's reason. */
  signal?: AbortSignal;
}

function absMax(v: Float32Array): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}

export async function runCase(ctx: RunContext, c: BenchCase): Promise<CaseResult> {
  const { config } = ctx;
  const inputs = caseInputs(c, ctx.model?.ours ?? null);
  const results = Object.fromEntries(ALL_CONTENDERS.map((n) => [n, { status: 'skipped', reason: 'not chosen' }])) as Record<
    Contender,
    ContenderResult
  >;
  const outputs: Partial<Record<Contender, Float32Array>> = {};

  let reference: { output: Float32Array; ms: number } | null = null;
  if (config.cpu && (c.op !== 'model' || ctx.model?.graph)) reference = referenceOutput(c, inputs, ctx.model?.graph ?? null);
  ctx.signal?.throwIfAborted();

  let ours: CaseResult['ours'] = null;
  if (config.contenders.includes('ours')) {
    try {
      const { timing, output } = await timeOurs(ctx.engine, c, inputs, config.reps, ctx.timer, ctx.model?.ours ?? null, ctx.signal);
      ours = oursExtra(c, timing);
      results.ours = okResult(timing);
      outputs.ours = output;
    } catch (e) {
      ctx.signal?.throwIfAborted();
      results.ours = { status: 'error', error: errorText(e) };
    }
  }

  for (const id of config.contenders) {
    if (id === 'ours') continue;
    const peer = ctx.peers[id];
    if (!peer || 'error' in peer) {
      results[id] = { status: 'error', error: peer ? `could not load: ${peer.error}` : 'not loaded' };
      continue;
    }
    let session: PeerSession | null = null;
    try {
      session = await peer.open(caseJob(c, inputs, ctx.model?.url ?? '', ctx.model?.scale ?? 1));
      ctx.signal?.throwIfAborted();
      const { timing, output } = await timePeer(session, config.reps, ctx.signal);
      results[id] = okResult(timing, { setupMs: session.setupMs, note: session.note || undefined });
      outputs[id] = output;
    } catch (e) {
      if (ctx.signal?.aborted) throw e;
      results[id] = { status: 'error', error: errorText(e) };
    } finally {
      await session?.dispose();
    }
  }

  for (const n of ALL_CONTENDERS) {
    const r = results[n];
    const out = outputs[n];
    if (r.status !== 'ok' || !out) continue;
    r.maxAbsDiffVsRef = reference ? maxAbsDiff(reference.output, out) : null;
    r.maxAbsDiffVsOurs = outputs.ours ? maxAbsDiff(outputs.ours, out) : null;
  }
  compare(results);
  return toCaseResult(c, results, ours, reference ? { ms: reference.ms, absMax: absMax(reference.output) } : null);
}
