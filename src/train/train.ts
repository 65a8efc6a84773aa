/**
 * train(): the training loop, on the GPU end to end. Per step:
 *   zeroGrad; { x, y } = pairs(); pred = net.forward(x, training);
 *   L = loss(pred, y) (+ weight · Σ checkerboardPenalty(w) over every convTranspose2d);
 *   net.backward(∂L/∂pred) (+ weight · checkerboardPenaltyBackward(w) into each convT's weight grad);
 *   optimizer.step(grads).
 * Nothing is read back except the loss, every `logEvery` steps (and at the
 * last step). Between steps the loop yields to the event loop and checks the
 * AbortSignal. Every tensor a step allocates is freed before the next step,
 * and the optimizer's state when the loop ends, however it ends.
 */
import { ArgumentError } from '../core/errors.js';
import { checkOptions, int, optionKeys, real } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';
import { ConvTranspose2dLayer } from './conv-layers.js';
import { createAdam, createSgd, type Optimizer } from './optim.js';
import type { AdamOptions, SgdOptions } from './optim-reference.js';
import type { Sequential } from './sequential.js';

export type TrainLoss = 'mse' | 'l1' | 'charbonnier';
export type TrainOptimizer = ({ kind: 'adam' } & AdamOptions) | ({ kind: 'sgd' } & SgdOptions);

export interface TrainStep {
  /** 1-based. */
  step: number;
  /** The objective minimised at this step: the loss (mean over the batch), plus the regularizer's weighted penalty when there is one. */
  loss: number;
}

export interface TrainOptions {
  /** Makes one batch per call: x [N, C, h, w] (the network's input) and y (its target); train() disposes both. */
  pairs: () => { x: Tensor; y: Tensor };
  steps: number;
  /** Default 'mse'. */
  loss?: TrainLoss;
  /** Default { kind: 'adam', lr: 1e-3 } (torch.optim semantics; a fresh optimizer per train() call). */
  optimizer?: TrainOptimizer;
  /** Checkerboard phase-sum penalty on every convTranspose2d weight, times `weight`. */
  regularizer?: { weight: number };
  /** Checked between steps: train() then rejects with signal.reason, or an AbortError without one. */
  signal?: AbortSignal;
  /** Read the loss back every N steps (default 1); the last step is always read. */
  logEvery?: number;
  onStep?: (s: TrainStep) => void;
}

export interface TrainResult {
  losses: TrainStep[];
}

const KEYS = optionKeys<TrainOptions>({
  pairs: true,
  steps: true,
  loss: true,
  optimizer: true,
  regularizer: true,
  signal: true,
  logEvery: true,
  onStep: true,
});

function throwIfAborted(signal: AbortSignal | undefined, done: number, total: number): void {
  if (!signal?.aborted) return;
  const reason: unknown = signal.reason;
  const isDefault = reason === undefined || (reason instanceof DOMException && reason.name === 'AbortError');
  if (!isDefault) throw reason;
  throw new DOMException(`train was aborted after ${done} of ${total} steps`, 'AbortError');
}

function makeOptimizer(net: Sequential, params: Tensor[], o: TrainOptimizer | undefined): Optimizer {
  const spec = o ?? { kind: 'adam' };
  if (!spec || typeof spec !== 'object') throw new ArgumentError(`train: optimizer must be { kind: 'adam' | 'sgd', … }`);
  const { kind, ...rest } = spec;
  if (kind === 'adam') return createAdam(net.engine, params, rest);
  if (kind === 'sgd') return createSgd(net.engine, params, rest);
  throw new ArgumentError(`train: optimizer.kind '${String(kind)}' must be 'adam' or 'sgd'`);
}

/** Trains `net` in place for `options.steps` steps; resolves with the losses it read back. */
export async function train(net: Sequential, options: TrainOptions): Promise<TrainResult> {
  const op = 'train';
  checkOptions(op, options, KEYS);
  if (typeof options.pairs !== 'function') throw new ArgumentError(`${op}: pairs must be a function returning { x, y }`);
  const steps = int(op, 'steps', options.steps, { min: 0 });
  const logEvery = int(op, 'logEvery', options.logEvery ?? 1, { min: 1 });
  const lossKind = options.loss ?? 'mse';
  if (lossKind !== 'mse' && lossKind !== 'l1' && lossKind !== 'charbonnier')
    throw new ArgumentError(`${op}: loss '${String(lossKind)}' must be 'mse', 'l1' or 'charbonnier'`);
  let regWeight = 0;
  if (options.regularizer !== undefined) {
    checkOptions(op, options.regularizer, ['weight'], 'regularizer.');
    regWeight = real(op, 'regularizer.weight', options.regularizer.weight);
    if (regWeight < 0) throw new ArgumentError(`${op}: regularizer.weight ${regWeight} must be >= 0`);
  }
  const e = net.engine;
  const params = net.parameters();
  const convTs = net.layers.filter((l): l is ConvTranspose2dLayer => l instanceof ConvTranspose2dLayer);
  const losses: TrainStep[] = [];
  throwIfAborted(options.signal, 0, steps);
  const opt = makeOptimizer(
    net,
    params.map((p) => p.tensor),
    options.optimizer,
  );
  try {
    for (let step = 1; step <= steps; step++) {
      throwIfAborted(options.signal, step - 1, steps);
      const live: Tensor[] = [];
      try {
        net.zeroGrad();
        const batch = options.pairs();
        live.push(batch.x, batch.y);
        const pred = net.forward(batch.x, { training: true });
        live.push(pred);
        let loss =
          lossKind === 'mse' ? e.mseLoss(pred, batch.y) : lossKind === 'l1' ? e.l1Loss(pred, batch.y) : e.charbonnierLoss(pred, batch.y);
        live.push(loss);
        const dPred =
          lossKind === 'mse'
            ? e.mseLossBackward(pred, batch.y)
            : lossKind === 'l1'
              ? e.l1LossBackward(pred, batch.y)
              : e.charbonnierLossBackward(pred, batch.y);
        live.push(dPred);
        net.backward(dPred);
        if (regWeight > 0) {
          for (const layer of convTs) {
            const { weight, stride } = layer.checkerboard;
            const penalty = e.checkerboardPenalty(weight, { stride });
            const scaled = e.mul(penalty, regWeight);
            const total = e.add(loss, scaled);
            for (const t of [penalty, scaled]) t.dispose();
            live.push(total);
            loss = total;
            layer.addWeightGrad(e.checkerboardPenaltyBackward(weight, { stride, scale: regWeight }));
          }
        }
        opt.step(
          params.map((p) => {
            if (!p.grad) throw new ArgumentError(`${op}: parameter '${p.name}' got no gradient`);
            return p.grad;
          }),
        );
        if (step % logEvery === 0 || step === steps) {
          const s = { step, loss: (await loss.read())[0] };
          losses.push(s);
          options.onStep?.(s);
        } else {
          // Let timers and abort events run between steps even when nothing is read back.
          await new Promise((r) => setTimeout(r, 0));
        }
      } finally {
        for (const t of live) t.dispose();
      }
    }
  } finally {
    opt.dispose();
    net.zeroGrad();
  }
  return { losses };
}
