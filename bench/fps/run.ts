/**
 * One fps case end to end, wherever it runs (the page with VideoFrames, Node
 * with textures): checks on frame 0 that the GPU-resident and round-trip
 * outputs are equal byte for byte, then times the GPU-resident path, the round
 * trip and WebSR (where the caller can run it) over the same frame sequence,
 * one path after the other (never concurrently: on a software adapter they
 * would share the CPU). No DOM here: the caller brings the frames.
 */
import { fromImage, type Engine, type GpuImageSource, type RgbaImage, type Tensor, type UpscaleModel } from '../../src/index.js';
import { FPS_TARGETS, fpsCaseName, type FpsCase } from './cases.js';
import {
  compareRgba,
  errorText,
  ratioTo,
  timeFrames,
  type FpsResult,
  type FrameSource,
  type PathResult,
  type TimingOptions,
} from './measure.js';
import { gpuResidentPath, outputTexture, roundTripPath, textureReader } from './paths.js';

/** A path the library does not own (WebSR): per frame, run until its output is complete on its GPU queue. */
export interface FrameRunner<F> {
  run(frame: F): Promise<void>;
  close(): Promise<void> | void;
  /** How it was driven, for the report. */
  note?: string;
}

export interface FpsInputs<F> {
  engine: Engine;
  /** Loaded on `engine`; the caller disposes it. */
  model: UpscaleModel;
  case: FpsCase;
  /** e.g. 'Anime4K CNN ×2 S (cnn-2x-s-an)'. */
  modelLabel: string;
  /** What a frame is, for the report. */
  sourceKind: string;
  source: FrameSource<F>;
  /** The frame as upscaleTexture takes it. */
  gpuImage(frame: F): GpuImageSource;
  /** The frame's RGBA bytes on the CPU (the round trip's first leg, timed). */
  rgba(frame: F): Promise<RgbaImage>;
  /** Opens WebSR on the case's network, or says why it does not run here. */
  websr: (() => Promise<FrameRunner<F>>) | string;
  budgetMs?: number;
  log?: (line: string) => void;
}

export async function measureFps<F>(inp: FpsInputs<F>): Promise<FpsResult> {
  const { engine, model, case: c, source } = inp;
  const log = inp.log ?? (() => {});
  const name = fpsCaseName(c);
  const [width, height] = [c.width * model.scale, c.height * model.scale];
  const { device } = engine;
  const gpuOut = outputTexture(device, width, height, 'fps GPU-resident output');
  const roundOut = outputTexture(device, width, height, 'fps round-trip output');
  const reader = textureReader(device, width, height);
  const opts = { frames: c.frames, warmup: c.warmup, budgetMs: inp.budgetMs };
  try {
    const gpuPath = gpuResidentPath(engine, model, gpuOut, inp.gpuImage);
    const roundPath = roundTripPath(engine, model, roundOut, inp.rgba);

    log(`${name}: frame 0 through both paths, outputs compared…`);
    let identical: FpsResult['identical'];
    try {
      const frame = await source.frame(0);
      try {
        await gpuPath(frame);
        await roundPath(frame);
      } finally {
        source.release(frame);
      }
      identical = compareRgba(await reader.read(gpuOut), await reader.read(roundOut), width);
    } catch (e) {
      identical = { error: errorText(e) };
    }

    log(`${name}: GPU-resident…`);
    const gpu = await timeFrames(source, gpuPath, opts);
    log(`${name}: round trip…`);
    const roundTrip = await timeFrames(source, roundPath, opts);
    log(`${name}: network alone…`);
    const network = await timeNetwork(engine, model, source, inp.gpuImage, opts);
    let websr: PathResult;
    if (typeof inp.websr === 'string') websr = { status: 'skipped', reason: inp.websr };
    else {
      log(`${name}: WebSR…`);
      websr = await timeWebSR(inp.websr, source, opts);
    }

    const rt = ratioTo(gpu, roundTrip, FPS_TARGETS.roundTrip);
    const ws = ratioTo(gpu, websr, FPS_TARGETS.websr);
    return {
      name,
      case: c,
      model: inp.modelLabel,
      source: inp.sourceKind,
      output: { width, height },
      gpu,
      roundTrip,
      websr,
      network,
      identical,
      ratios: { roundTrip: rt.ratio, websr: ws.ratio },
      met: { roundTrip: rt.met, websr: ws.met },
    };
  } finally {
    reader.destroy();
    gpuOut.destroy();
    roundOut.destroy();
    engine.trim();
  }
}

/**
 * The network alone on the frame's pixels as a resident tensor (in its input
 * range, read with fromImage), each call drained: what the image transfers
 * and the tiling of the two paths add to.
 */
async function timeNetwork<F>(
  engine: Engine,
  model: UpscaleModel,
  source: FrameSource<F>,
  gpuImage: (frame: F) => GpuImageSource,
  opts: TimingOptions,
): Promise<PathResult> {
  let input: Tensor;
  try {
    const frame = await source.frame(0);
    try {
      input = await fromImage(engine, gpuImage(frame), { range: model.inputRange });
    } finally {
      source.release(frame);
    }
  } catch (e) {
    return { status: 'error', error: errorText(e) };
  }
  const run = async (): Promise<void> => {
    const y = model.run(input);
    await engine.flush();
    y.dispose();
  };
  try {
    return await timeFrames({ width: source.width, height: source.height, frame: () => null, release: () => {} }, run, opts);
  } finally {
    input.dispose();
  }
}

async function timeWebSR<F>(open: () => Promise<FrameRunner<F>>, source: FrameSource<F>, opts: TimingOptions): Promise<PathResult> {
  let runner: FrameRunner<F>;
  try {
    runner = await open();
  } catch (e) {
    return { status: 'error', error: `WebSR setup: ${errorText(e)}` };
  }
  try {
    const r = await timeFrames(source, (f) => runner.run(f), opts);
    if (r.status === 'ok' && runner.note) r.note = [runner.note, r.note].filter(Boolean).join('; ');
    return r;
  } finally {
    await runner.close();
  }
}
