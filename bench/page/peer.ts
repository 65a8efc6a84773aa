/**
 * A peer library (bench/peers: TensorFlow.js WebGPU, ONNX Runtime Web) on one
 * case, through the same timing loop as ours (./measure.ts), with its output
 * compared to ours.
 */
import type { BenchCase, CaseData } from '../cases.js';
import { errorText, maxAbsDiff, type Peer, type PeerJob, type PeerSession } from '../peers/job.js';
import { timeCalls, type ImplResult, type TimingConfig } from './measure.js';
import { modelUrl } from './ours.js';

/** The case as a peer job (absolute model URL: peers fetch it themselves). */
export function caseJob(c: BenchCase, data: CaseData): PeerJob {
  switch (c.op) {
    case 'convTranspose2d':
      return {
        op: c.op,
        x: data.x,
        xShape: [1, c.cin, c.h, c.h],
        w: data.w!,
        wShape: [c.cin, c.cout, c.k, c.k],
        b: data.b,
        stride: c.s,
        padding: c.p,
        outputPadding: c.op_,
      };
    case 'conv2d':
      return { op: c.op, x: data.x, xShape: [1, c.cin, c.h, c.h], w: data.w!, wShape: [c.cout, c.cin, c.k, c.k], b: data.b, padding: c.p };
    case 'pixelShuffle':
      return { op: c.op, x: data.x, xShape: [1, c.c, c.h, c.h], r: c.r };
    case 'model':
      return { op: c.op, x: data.x, xShape: [1, 3, c.h, c.h], modelUrl: new URL(modelUrl(c), location.href).href, scale: c.scale };
  }
}

/** Runs `peer` on a case; `ours` (NCHW) is the output to compare with, when ours ran. */
export async function runPeer(peer: Peer, c: BenchCase, data: CaseData, ours: Float32Array | null, cfg: TimingConfig): Promise<ImplResult> {
  let session: PeerSession | null = null;
  try {
    session = await peer.open(caseJob(c, data));
    const { result, output } = await timeCalls(session.call, cfg);
    result.setupMs = session.setupMs;
    result.note = [result.note, session.note].filter(Boolean).join('; ') || undefined;
    if (ours) result.maxAbsDiffVsOurs = maxAbsDiff(ours, session.toNchw(output));
    return result;
  } catch (e) {
    return { status: 'error', error: errorText(e) };
  } finally {
    await session?.dispose();
  }
}
