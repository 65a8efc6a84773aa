/**
 * The timing loop every implementation goes through, so "cold" and "warm"
 * mean the same thing for each: one call = dispatch the op on an input that is
 * already on the GPU, then await its result on the CPU (readback included).
 */
import { summarize, type Summary } from '../cases.js';

/** What one implementation measured on one case. */
export type ImplResult =
  | {
      status: 'ok';
      /** First call after setup: includes shader/pipeline compilation. */
      coldMs: number;
      /** Later calls (dispatch + readback). */
      warm: Summary | null;
      /** Setup outside the timed calls (e.g. ORT session creation), when it matters. */
      setupMs?: number;
      /** max |ours − theirs| over the output, when both ran (a sanity check that they computed the same thing). */
      maxAbsDiffVsOurs?: number;
      /** Why warm reps stopped early, or how the anchor was driven. */
      note?: string;
      /** Of the cold output: element count, mean and max |v|, to see that every implementation produced real values. */
      output?: { n: number; mean: number; absMax: number };
    }
  | { status: 'error'; error: string }
  | { status: 'skipped'; reason: string };

/** Config the orchestrator passes to the page. */
export interface TimingConfig {
  reps: number;
  /** A rep (cold included) slower than this ends the implementation's reps for the case. */
  budgetMs: number;
}

/**
 * Runs `call` once cold and then up to `reps` times warm. Each call returns
 * its output (read back to the CPU); the cold output is returned for the
 * cross-check. Stops early once a call exceeds the budget, and says so.
 */
export async function timeCalls(
  call: () => Promise<Float32Array>,
  cfg: TimingConfig,
): Promise<{ result: ImplResult & { status: 'ok' }; output: Float32Array }> {
  let t0 = performance.now();
  const output = await call();
  const coldMs = performance.now() - t0;
  const warm: number[] = [];
  let note: string | undefined;
  if (coldMs > cfg.budgetMs) note = `cold run ${coldMs.toFixed(0)} ms > budget ${cfg.budgetMs} ms: warm reps skipped`;
  for (let i = 0; i < cfg.reps && !note; i++) {
    t0 = performance.now();
    await call();
    const ms = performance.now() - t0;
    warm.push(ms);
    if (ms > cfg.budgetMs && i < cfg.reps - 1)
      note = `rep ${i + 1} took ${ms.toFixed(0)} ms > budget ${cfg.budgetMs} ms: stopped after ${i + 1} warm reps`;
  }
  return { result: { status: 'ok', coldMs, warm: summarize(warm), output: outputStats(output), ...(note ? { note } : {}) }, output };
}

function outputStats(v: Float32Array): { n: number; mean: number; absMax: number } {
  let sum = 0;
  let absMax = 0;
  for (const x of v) {
    sum += x;
    absMax = Math.max(absMax, Math.abs(x));
  }
  return { n: v.length, mean: sum / v.length, absMax };
}
