/**
 * A training-step case in the page: ours (bench/train/ours.ts), then
 * TensorFlow.js WebGPU (bench/train/tfjs.ts through bench/peers/tfjs.ts, loaded
 * only when asked for), each through the same timing loop as every other case
 * (./measure.ts): one call = one step with its loss read back; cold = the
 * first step (compilation included), warm = the next `reps` steps. Both start
 * from the same weights on the same batch, so their losses are compared step
 * by step. ORT-web is not run: ONNX Runtime Web's WebGPU build has no training.
 */
import type { Engine } from '../../src/index.js';
import type { TrainCase } from '../cases.js';
import { errorText, type Peer } from '../peers/job.js';
import { maxRelDiff, trainData, type TrainSession } from '../train/case.js';
import { openOursTrain } from '../train/ours.js';
import { timeCalls, type ImplResult, type TimingConfig } from './measure.js';

/** Losses per step (the cold step first) and how far the two sides' losses are apart. */
export interface TrainComparison {
  oursLosses: number[];
  tfjsLosses: number[];
  /** max |ours − tfjs| / |tfjs| over the steps both completed; null when tfjs did not run. */
  maxRelDiff: number | null;
}

async function timeSteps(open: () => Promise<TrainSession>, cfg: TimingConfig): Promise<{ result: ImplResult; losses: number[] }> {
  const losses: number[] = [];
  let session: TrainSession | null = null;
  try {
    session = await open();
    const s = session;
    const { result } = await timeCalls(async () => {
      const loss = await s.step();
      losses.push(loss);
      return Float32Array.of(loss);
    }, cfg);
    result.setupMs = s.setupMs;
    return { result, losses };
  } catch (e) {
    return { result: { status: 'error', error: errorText(e) }, losses };
  } finally {
    session?.dispose();
  }
}

/** Runs a training case: ours, then tfjs (`tfjs`: the loaded peer, its init error, or null when not requested). */
export async function runTrain(
  engine: Engine,
  c: TrainCase,
  seed: number,
  cfg: TimingConfig,
  tfjs: Peer | string | null,
): Promise<{ ours: ImplResult; tfjs: ImplResult; train: TrainComparison }> {
  const data = trainData(c, seed);
  const ours = await timeSteps(() => openOursTrain(engine, data), cfg);
  let theirs: { result: ImplResult; losses: number[] } = { result: { status: 'skipped', reason: 'not requested' }, losses: [] };
  if (typeof tfjs === 'string') theirs = { result: { status: 'error', error: `init: ${tfjs}` }, losses: [] };
  else if (tfjs) {
    const { openTfjsTrainWebgpu } = await import('../peers/tfjs.js');
    theirs = await timeSteps(() => openTfjsTrainWebgpu(data), cfg);
  }
  const compared = theirs.losses.length > 0 && ours.losses.length > 0;
  return {
    ours: ours.result,
    tfjs: theirs.result,
    train: { oursLosses: ours.losses, tfjsLosses: theirs.losses, maxRelDiff: compared ? maxRelDiff(ours.losses, theirs.losses) : null },
  };
}
