/**
 * What every trainable layer is: a forward that keeps (references to) what
 * its backward needs, a backward that accumulates its parameters' gradients
 * and returns dx, and its parameters under PyTorch nn.Sequential names.
 *
 * A layer made by `layers.*` holds no GPU memory until a Sequential builds it
 * on its engine (`build`, internal), which is when its weights are drawn from
 * the Sequential's seeded stream and named after its position ('0.weight').
 *
 * Ownership: forward(x, true) keeps a reference to x (and nothing else the
 * caller gave it); x must stay alive until backward has run. Everything a
 * layer allocates for itself (weights, gradients) it frees in dispose().
 */
import type { Engine } from '../engine.js';
import { ArgumentError, DisposedError } from '../core/errors.js';
import type { GraphNode } from '../model/ir.js';
import type { Shape } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';

/** A trainable tensor: `name` as PyTorch's nn.Sequential state_dict names it ('0.weight', '0.bias', '3.sigma'). */
export interface Param {
  readonly name: string;
  readonly tensor: Tensor;
  /** ∂loss/∂tensor after a backward (accumulated over backwards until zeroGrad), else null. */
  grad: Tensor | null;
}

export type LayerKind =
  'convTranspose2d' | 'conv2d' | 'pixelShuffle' | 'upsample' | 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh' | 'learnableBlur';

export interface Layer {
  readonly kind: LayerKind;
  /** Its trainable tensors (none for activations, shuffles and resizes; empty until built). */
  params(): Param[];
  /** training = true keeps a reference to x (and anything else backward needs) until backward. Caller disposes the result. */
  forward(x: Tensor, training: boolean): Tensor;
  /** After a training forward: accumulates its params' .grad and returns dx (caller disposes it). Does not dispose dy. */
  backward(dy: Tensor): Tensor;
  dispose(): void;
}

/** Where a layer is built: its engine, its position (the name prefix) and the uniform stream its init draws from. */
export interface BuildContext {
  engine: Engine;
  index: number;
  random: () => number;
}

/**
 * The common part of every layer (internal: the Sequential and toUpscaleModel
 * use the extra members, users see `Layer`).
 */
export abstract class LayerBase implements Layer {
  abstract readonly kind: LayerKind;
  protected engine: Engine | null = null;
  protected prefix = '';
  /** The forward input kept for backward (not owned). */
  protected saved: Tensor | null = null;
  private plist: Param[] = [];
  private disposed = false;

  /** @internal Allocates the parameters on `ctx.engine`; once per layer. */
  build(ctx: BuildContext): void {
    if (this.engine)
      throw new ArgumentError(
        `${this.kind}: this layer already belongs to a Sequential (layer ${this.prefix}); make a new one for each network`,
      );
    this.engine = ctx.engine;
    this.prefix = String(ctx.index);
    this.plist = this.makeParams(ctx).map(([suffix, tensor]) => ({ name: `${this.prefix}.${suffix}`, tensor, grad: null }));
  }

  params(): Param[] {
    return [...this.plist];
  }

  forward(x: Tensor, training: boolean): Tensor {
    const e = this.live('forward');
    this.saved = training ? x : null;
    return this.run(e, x);
  }

  backward(dy: Tensor): Tensor {
    return this.backwardFrom(dy, true)!;
  }

  /**
   * @internal Backward, skipping dx when `needDx` is false (the first layer
   * of a Sequential: no one wants ∂L/∂input). Returns null then.
   */
  backwardFrom(dy: Tensor, needDx: boolean): Tensor | null {
    const e = this.live('backward');
    const x = this.saved;
    if (!x) throw new ArgumentError(`${this.kind} (layer ${this.prefix}).backward: needs a forward with training = true first`);
    if (x.disposed)
      throw new DisposedError(
        `${this.kind} (layer ${this.prefix}).backward: its forward input [${x.shape.join(', ')}] was disposed before backward`,
      );
    return this.grad(e, x, dy, needDx);
  }

  /** @internal Drops the reference to the forward input (the Sequential frees intermediates after backward). */
  release(): void {
    this.saved = null;
  }

  /** @internal The output shape for an input shape (the op's own shape rule); throws its typed errors. */
  abstract outShape(inShape: Shape): Shape;

  /**
   * @internal The layer as graph nodes (src/model/ir.ts) reading tensor `input`, the last one named `name`,
   * with its parameters' values `params` (in params() order). How a Sequential becomes a ModelGraph, whose
   * analysis (receptive field, sizes), ONNX export and CPU backend then apply to it.
   */
  abstract lower(input: string, name: string, params: readonly Float32Array[]): GraphNode[];

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.plist) {
      p.grad?.dispose();
      p.grad = null;
      p.tensor.dispose();
    }
    this.saved = null;
  }

  /** Adds g into param i's gradient (g is consumed: owned by the param or disposed). */
  protected accumulate(i: number, g: Tensor | null): void {
    if (!g) return;
    const p = this.plist[i];
    if (!p.grad) {
      p.grad = g;
      return;
    }
    const sum = this.engine!.add(p.grad, g);
    p.grad.dispose();
    g.dispose();
    p.grad = sum;
  }

  protected param(i: number): Tensor {
    return this.plist[i].tensor;
  }

  /** [suffix, tensor] per parameter, in state-dict order. */
  protected makeParams(_ctx: BuildContext): [string, Tensor][] {
    return [];
  }

  protected abstract run(e: Engine, x: Tensor): Tensor;
  protected abstract grad(e: Engine, x: Tensor, dy: Tensor, needDx: boolean): Tensor | null;

  private live(op: string): Engine {
    if (this.disposed) throw new DisposedError(`${this.kind} (layer ${this.prefix}).${op}: the layer was disposed`);
    if (!this.engine)
      throw new ArgumentError(`${this.kind}.${op}: the layer is not built yet; put it in a Sequential (new Sequential(engine, [...]))`);
    return this.engine;
  }
}
