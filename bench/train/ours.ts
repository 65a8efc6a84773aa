/**
 * The training step on our engine: the decoder as a Sequential (weights
 * loaded from the shared PyTorch-layout data under nn.Sequential names, convs
 * at 0, 2, 4 with relus between), and one step made of the pieces `train()`
 * is built from, so that nothing but the step is timed:
 *
 *   zeroGrad → forward(x, training) → mseLoss, mseLossBackward → backward → Adam step → read the loss
 *
 * The loss is read back after the Adam passes are recorded, so the read waits
 * for the whole step's GPU work (one submit of everything).
 */
import { createAdam, layers, Sequential, type Engine, type Optimizer, type Tensor } from '../../src/index.js';
import type { TrainData, TrainSession } from './case.js';

/** The decoder as a Sequential holding the case's initial weights (convs at 0, 2, 4; relus at 1, 3). */
export function decoderNet(engine: Engine, d: TrainData): Sequential {
  const net = new Sequential(
    engine,
    d.convs.flatMap((l, i) => {
      const o = { inChannels: l.inChannels, outChannels: l.outChannels, kernel: l.kernel, stride: l.stride, padding: l.padding };
      const conv = l.kind === 'convTranspose2d' ? layers.convTranspose2d(o) : layers.conv2d(o);
      return i < d.convs.length - 1 ? [conv, layers.relu()] : [conv];
    }),
  );
  try {
    const sd: Record<string, { shape: number[]; data: Float32Array }> = {};
    d.convs.forEach((l, i) => {
      const shape =
        l.kind === 'convTranspose2d'
          ? [l.inChannels, l.outChannels, l.kernel, l.kernel]
          : [l.outChannels, l.inChannels, l.kernel, l.kernel];
      sd[`${2 * i}.weight`] = { shape, data: l.weight };
      sd[`${2 * i}.bias`] = { shape: [l.outChannels], data: l.bias };
    });
    net.loadStateDict(sd);
    return net;
  } catch (e) {
    net.dispose();
    throw e;
  }
}

/** Opens a training session on `engine`; the data is uploaded once, untimed. */
export async function openOursTrain(engine: Engine, d: TrainData): Promise<TrainSession> {
  const t0 = performance.now();
  const owned: { dispose(): void }[] = [];
  try {
    const net = decoderNet(engine, d);
    owned.push(net);
    const x = engine.tensor(d.x, d.xShape);
    const y = engine.tensor(d.y, d.yShape);
    owned.push(x, y);
    const params = net.parameters();
    const { lr, beta1, beta2, eps } = d.adam;
    const opt: Optimizer = createAdam(
      engine,
      params.map((p) => p.tensor),
      { lr, betas: [beta1, beta2], eps },
    );
    owned.push(opt);
    await engine.flush();
    return {
      async step() {
        net.zeroGrad();
        const pred = net.forward(x, { training: true });
        let loss: Tensor | null = null;
        try {
          loss = engine.mseLoss(pred, y);
          const dy = engine.mseLossBackward(pred, y);
          pred.dispose();
          net.backward(dy);
          dy.dispose();
          opt.step(params.map((p) => p.grad!));
          return (await loss.read())[0];
        } finally {
          pred.dispose();
          loss?.dispose();
        }
      },
      setupMs: performance.now() - t0,
      note: 'Sequential forward/backward, mseLoss(+Backward), createAdam step',
      dispose() {
        for (const o of owned.reverse()) o.dispose();
        engine.trim();
      },
    };
  } catch (e) {
    for (const o of owned.reverse()) o.dispose();
    throw e;
  }
}
