/**
 * Layers without parameters: pixelShuffle, upsample (nearest, bilinear) and
 * the element-wise activations. Each backward is an op of the table:
 * pixelUnshuffle (the shuffle's inverse), upsampleBackward, and the
 * activations' *Backward. sigmoid and tanh take their gradient from the
 * forward's OUTPUT, which these layers recompute from the kept input in
 * backward (one cheap element-wise pass) rather than keep: the output is the
 * caller's to dispose, and may be gone by then.
 */
import type { Engine } from '../engine.js';
import { ArgumentError } from '../core/errors.js';
import type { GraphNode } from '../model/ir.js';
import { checkOptions, int, optionKeys, real, type Shape } from '../core/params.js';
import { OPS } from '../registry/table.js';
import type { Tensor } from '../core/tensor.js';
import { LayerBase } from './layer.js';

export class PixelShuffleLayer extends LayerBase {
  readonly kind = 'pixelShuffle' as const;
  private readonly r: number;

  constructor(r: number) {
    super();
    this.r = int('layers.pixelShuffle', 'r', r, { min: 1 });
  }

  protected run(e: Engine, x: Tensor): Tensor {
    return e.pixelShuffle(x, this.r);
  }

  protected grad(e: Engine, _x: Tensor, dy: Tensor, needDx: boolean): Tensor | null {
    return needDx ? e.pixelUnshuffle(dy, this.r) : null;
  }

  outShape(inShape: Shape): Shape {
    return OPS.pixelShuffle.outShape({ shape: inShape }, this.r);
  }

  lower(input: string, name: string): GraphNode[] {
    return [{ kind: 'depthToSpace', name, inputs: [input], r: this.r, mode: 'CRD' }];
  }
}

export interface UpsampleLayerOptions {
  /** A number or [h, w] (> 0). */
  scale: number | readonly [number, number];
  mode: 'nearest' | 'bilinear';
}

const UPSAMPLE_KEYS = optionKeys<UpsampleLayerOptions>({ scale: true, mode: true });

export class UpsampleLayer extends LayerBase {
  readonly kind = 'upsample' as const;
  private readonly o: UpsampleLayerOptions;
  private readonly s: [number, number];

  constructor(options: UpsampleLayerOptions) {
    super();
    const op = 'layers.upsample';
    checkOptions(op, options, UPSAMPLE_KEYS);
    if (options.mode !== 'nearest' && options.mode !== 'bilinear') {
      throw new ArgumentError(`${op}: mode '${String(options.mode)}' must be 'nearest' or 'bilinear' (the modes with a backward)`);
    }
    // The op's shape rule checks scale itself; probe it here so a bad scale fails at construction.
    OPS.upsample.outShape({ shape: [1, 1, 8, 8] }, { scale: options.scale, mode: options.mode });
    this.o = { scale: options.scale, mode: options.mode };
    const sc = options.scale;
    this.s = typeof sc === 'number' ? [sc, sc] : [sc[0], sc[1]];
  }

  protected run(e: Engine, x: Tensor): Tensor {
    return e.upsample(x, this.o);
  }

  protected grad(e: Engine, x: Tensor, dy: Tensor, needDx: boolean): Tensor | null {
    return needDx ? e.upsampleBackward(dy, { ...this.o, inputShape: x.shape }) : null;
  }

  outShape(inShape: Shape): Shape {
    return OPS.upsample.outShape({ shape: inShape }, this.o);
  }

  lower(input: string, name: string): GraphNode[] {
    return [{ kind: 'upsample', name, inputs: [input], size: this.s, mode: this.o.mode }];
  }
}

type ActivationKind = 'relu' | 'leakyRelu' | 'sigmoid' | 'tanh';

export class ActivationLayer extends LayerBase {
  constructor(
    readonly kind: ActivationKind,
    private readonly slope = 0.01,
  ) {
    super();
    if (kind === 'leakyRelu') real('layers.leakyRelu', 'slope', slope);
  }

  protected run(e: Engine, x: Tensor): Tensor {
    switch (this.kind) {
      case 'relu':
        return e.relu(x);
      case 'leakyRelu':
        return e.leakyRelu(x, this.slope);
      case 'sigmoid':
        return e.sigmoid(x);
      case 'tanh':
        return e.tanh(x);
    }
  }

  protected grad(e: Engine, x: Tensor, dy: Tensor, needDx: boolean): Tensor | null {
    if (!needDx) return null;
    switch (this.kind) {
      case 'relu':
        return e.reluBackward(dy, x);
      case 'leakyRelu':
        return e.leakyReluBackward(dy, x, this.slope);
      case 'sigmoid':
      case 'tanh': {
        const y = this.run(e, x);
        const dx = this.kind === 'sigmoid' ? e.sigmoidBackward(dy, y) : e.tanhBackward(dy, y);
        y.dispose();
        return dx;
      }
    }
  }

  outShape(inShape: Shape): Shape {
    return inShape;
  }

  lower(input: string, name: string): GraphNode[] {
    return [
      { kind: 'activation', name, inputs: [input], fn: this.kind, ...(this.kind === 'leakyRelu' ? { negativeSlope: this.slope } : {}) },
    ];
  }
}
