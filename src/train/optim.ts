/**
 * Optimizers on the GPU: SGD (with momentum) and Adam, PyTorch semantics
 * (definitions and CPU references in ./optim-reference.ts, WGSL in
 * shaders/optim.wgsl.ts). Each step is one pass per parameter that updates the
 * parameter tensor and its state in place; nothing is read back. The step
 * count lives on the host (it is just the number of step() calls), and what
 * depends on it reaches the pass as uniforms.
 *
 *   const opt = createAdam(engine, [w, b], { lr: 1e-3 });
 *   opt.step([dw, db]);     // records the passes; grads are read, not disposed
 *   opt.zeroState();        // m, v (or the momentum buffer) and the step count back to 0
 *   opt.dispose();          // frees the state tensors (the parameters stay the caller's)
 *
 * Parameters are the one exception to "tensors are immutable": a step writes
 * them in place and drops their cached derived copies (prepacked conv
 * weights), so the next conv sees the new values.
 */
import { adamShader, fillZeroShader, OPTIM_WORKGROUP, sgdShader } from '../../shaders/optim.wgsl.js';
import type { Engine } from '../engine.js';
import { ArgumentError, DisposedError, ShapeError } from '../core/errors.js';
import type { Params } from '../gpu/program.js';
import type { Binding } from '../gpu/command-runner.js';
import type { KernelContext } from '../kernels/context.js';
import { checkOptions, fmt, optionKeys, real, sameShape } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';
import type { AdamOptions, SgdOptions } from './optim-reference.js';

export type { AdamOptions, SgdOptions } from './optim-reference.js';

export interface Optimizer {
  /** The parameters it updates, in the order `step` takes their gradients. */
  readonly params: readonly Tensor[];
  /** Steps taken since creation or the last `zeroState()`. */
  readonly steps: number;
  /** The learning rate of the next step (settable, for schedules). */
  lr: number;
  /** Updates every parameter (and its state) from its gradient, in place: one pass each, no read-back. */
  step(grads: readonly Tensor[]): void;
  /** Resets the state (momentum buffer; Adam's m and v) to zero and the step count to 0. */
  zeroState(): void;
  /** The state tensors of parameter i (SGD: [buf] with momentum, else []; Adam: [m, v]), for checkpoints and tests. */
  state(i: number): readonly Tensor[];
  /** Frees the state tensors; idempotent. The parameters are not disposed. */
  dispose(): void;
}

const SGD_KEYS = optionKeys<SgdOptions>({ lr: true, momentum: true, dampening: true, nesterov: true, weightDecay: true });
const ADAM_KEYS = optionKeys<AdamOptions>({ lr: true, betas: true, eps: true, weightDecay: true });

function nonNegative(op: string, name: string, v: unknown, def: number): number {
  if (v === undefined) return def;
  const x = real(op, name, v);
  if (x < 0) throw new ArgumentError(`${op}: ${name} ${x} must be >= 0`);
  return x;
}

function beta(op: string, name: string, v: unknown): number {
  const x = real(op, name, v);
  if (!(x >= 0 && x < 1)) throw new ArgumentError(`${op}: ${name} ${x} must be in [0, 1)`);
  return x;
}

abstract class GpuOptimizer implements Optimizer {
  readonly params: readonly Tensor[];
  private stepCount = 0;
  private learningRate: number;
  private states: Tensor[][];
  private disposed = false;

  constructor(
    protected readonly engine: Engine,
    private readonly op: string,
    params: readonly Tensor[],
    lr: number,
    stateCount: number,
  ) {
    const create = `create${op[0].toUpperCase()}${op.slice(1)}`; // createSgd, createAdam
    const ctx = engine.kernelContext(create);
    if (!Array.isArray(params) || params.length === 0) throw new ArgumentError(`${create}: params must be a non-empty array of tensors`);
    params.forEach((p, i) => {
      ctx.check(create, `params[${i}]`, p);
      if (params.indexOf(p) !== i)
        throw new ArgumentError(`${create}: params[${i}] is params[${params.indexOf(p)}] again; list each tensor once`);
    });
    this.params = [...params];
    this.learningRate = lr;
    this.states = this.params.map((p) => Array.from({ length: stateCount }, () => ctx.alloc(p.shape)));
    this.fillZero(ctx);
  }

  get steps(): number {
    return this.stepCount;
  }

  get lr(): number {
    return this.learningRate;
  }

  set lr(v: number) {
    this.learningRate = nonNegative(this.op, 'lr', v, 1e-3);
  }

  step(grads: readonly Tensor[]): void {
    const op = `${this.op}.step`;
    const ctx = this.context(op);
    if (!Array.isArray(grads) || grads.length !== this.params.length) {
      throw new ArgumentError(
        `${op}: needs ${this.params.length} gradients (one per parameter), got ${Array.isArray(grads) ? grads.length : typeof grads}`,
      );
    }
    this.params.forEach((p, i) => {
      ctx.check(op, `params[${i}]`, p);
      const g = ctx.check(op, `grads[${i}]`, grads[i]);
      if (!sameShape(g.shape, p.shape))
        throw new ShapeError(`${op}: grads[${i}] ${fmt(g.shape)} must have the shape of params[${i}] ${fmt(p.shape)}`);
      if (g === p) throw new ArgumentError(`${op}: grads[${i}] is params[${i}] itself; pass a separate gradient tensor`);
    });
    this.stepCount++;
    this.params.forEach((p, i) => {
      const { variant, body, params, state } = this.update(this.stepCount);
      const bindings: Binding[] = [
        { name: 'p', tensor: p, write: true },
        { name: 'grad', tensor: grads[i] },
        ...state.map((name, k) => ({ name, tensor: this.states[i][k], write: true })),
      ];
      ctx.runner.run({ name: this.op, variant, workgroupSize: OPTIM_WORKGROUP, entry: 'element', body }, params, bindings, p.size);
      this.engine.wroteInPlace(p);
    });
  }

  zeroState(): void {
    this.fillZero(this.context(`${this.op}.zeroState`));
    this.stepCount = 0;
  }

  state(i: number): readonly Tensor[] {
    this.context(`${this.op}.state`);
    return this.states[i] ?? [];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.states) for (const t of s) t.dispose();
    this.states = [];
  }

  /** The pass of one step: its variant, WGSL, uniforms, and the names its state tensors bind as. */
  protected abstract update(step: number): {
    variant: Record<string, boolean>;
    /** The WGSL of the pass, from the variant alone (the pipeline key is the variant's). */
    body: (variant: Record<string, boolean>) => string;
    params: Params;
    state: readonly string[];
  };

  private context(op: string): KernelContext {
    if (this.disposed) throw new DisposedError(`${op}: the optimizer was disposed`);
    return this.engine.kernelContext(op);
  }

  private fillZero(ctx: KernelContext): void {
    for (const s of this.states) {
      for (const t of s) {
        ctx.runner.run(
          { name: 'fill-zero', variant: '', workgroupSize: OPTIM_WORKGROUP, entry: 'element', body: fillZeroShader },
          {},
          [{ name: 'y', tensor: t, write: true }],
          t.size,
        );
      }
    }
  }
}

class Sgd extends GpuOptimizer {
  constructor(
    engine: Engine,
    params: readonly Tensor[],
    private readonly o: Required<Omit<SgdOptions, 'lr'>>,
    lr: number,
  ) {
    super(engine, 'sgd', params, lr, o.momentum !== 0 ? 1 : 0);
  }

  protected update(step: number) {
    const { momentum, dampening, nesterov, weightDecay } = this.o;
    const variant = { momentum: momentum !== 0, nesterov, decay: weightDecay !== 0 };
    return {
      variant,
      body: (v: Record<string, boolean>) => sgdShader(v as typeof variant),
      params: {
        lr: ['f32', this.lr],
        momentum: ['f32', momentum],
        dampenedBy: ['f32', 1 - dampening],
        weightDecay: ['f32', weightDecay],
        first: ['u32', step === 1 ? 1 : 0],
      } satisfies Params,
      state: variant.momentum ? ['buf'] : [],
    };
  }
}

class Adam extends GpuOptimizer {
  constructor(
    engine: Engine,
    params: readonly Tensor[],
    private readonly o: Required<Omit<AdamOptions, 'lr'>>,
    lr: number,
  ) {
    super(engine, 'adam', params, lr, 2);
  }

  protected update(step: number) {
    const [b1, b2] = this.o.betas;
    const decay = this.o.weightDecay !== 0;
    return {
      variant: { decay },
      body: (v: Record<string, boolean>) => adamShader(v.decay),
      // Bias corrections in float64 on the host, each rounded to f32 once.
      params: {
        stepSize: ['f32', this.lr / (1 - b1 ** step)],
        bc2Sqrt: ['f32', Math.sqrt(1 - b2 ** step)],
        oneMinusBeta1: ['f32', 1 - b1],
        beta2: ['f32', b2],
        oneMinusBeta2: ['f32', 1 - b2],
        eps: ['f32', this.o.eps],
        weightDecay: ['f32', this.o.weightDecay],
      } satisfies Params,
      state: ['m', 'v'],
    };
  }
}

/**
 * SGD with optional momentum, dampening, Nesterov and weight decay, as
 * torch.optim.SGD. State: a momentum buffer per parameter when momentum > 0.
 */
export function createSgd(engine: Engine, params: readonly Tensor[], options: SgdOptions = {}): Optimizer {
  const op = 'createSgd';
  const o = checkOptions(op, options, SGD_KEYS) as SgdOptions;
  const momentum = nonNegative(op, 'momentum', o.momentum, 0);
  const dampening = o.dampening === undefined ? 0 : real(op, 'dampening', o.dampening);
  const weightDecay = nonNegative(op, 'weightDecay', o.weightDecay, 0);
  if (o.nesterov !== undefined && typeof o.nesterov !== 'boolean')
    throw new ArgumentError(`${op}: nesterov ${String(o.nesterov)} must be a boolean`);
  const nesterov = o.nesterov ?? false;
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new ArgumentError(
      `${op}: nesterov needs momentum > 0 and dampening 0 (got momentum ${momentum}, dampening ${dampening}), as PyTorch`,
    );
  }
  return new Sgd(engine, params, { momentum, dampening, nesterov, weightDecay }, nonNegative(op, 'lr', o.lr, 1e-3));
}

/** Adam, as torch.optim.Adam (L2 weight decay added to the gradient, bias-corrected moments). State: m and v per parameter. */
export function createAdam(engine: Engine, params: readonly Tensor[], options: AdamOptions = {}): Optimizer {
  const op = 'createAdam';
  const o = checkOptions(op, options, ADAM_KEYS) as AdamOptions;
  const betas = o.betas ?? [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2) throw new ArgumentError(`${op}: betas ${JSON.stringify(betas)} must be a [β1, β2] pair`);
  const b1 = beta(op, 'betas[0]', betas[0]);
  const b2 = beta(op, 'betas[1]', betas[1]);
  const eps = nonNegative(op, 'eps', o.eps, 1e-8);
  const weightDecay = nonNegative(op, 'weightDecay', o.weightDecay, 0);
  return new Adam(engine, params, { betas: [b1, b2], eps, weightDecay }, nonNegative(op, 'lr', o.lr, 1e-3));
}
