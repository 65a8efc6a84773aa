/**
 * learnableBlur: a depthwise Gaussian blur whose width σ is trained (one σ
 * per channel, parameter '<i>.sigma' of shape [channels]), the checkerboard
 * fix placed after a transposed convolution. Forward and backward are the op
 * table's gaussianBlur / gaussianBlurBackward (src/ops/gaussian-blur.ts: zero
 * padding, size kept, dσ through the normalised weights).
 */
import type { Engine } from '../engine.js';
import { ArgumentError } from '../core/errors.js';
import type { GraphNode } from '../model/ir.js';
import { gaussianTaps } from '../ops/gaussian-blur.js';
import { checkOptions, int, optionKeys, real, type Shape } from '../core/params.js';
import { OPS } from '../registry/table.js';
import type { Tensor } from '../core/tensor.js';
import { LayerBase, type BuildContext } from './layer.js';

export interface LearnableBlurOptions {
  channels: number;
  /** Initial σ of every channel, in pixels; default 0.8. */
  sigma?: number;
  /** Taps per axis, odd; default 5. */
  kernel?: number;
}

const KEYS = optionKeys<LearnableBlurOptions>({ channels: true, sigma: true, kernel: true });

export class LearnableBlurLayer extends LayerBase {
  readonly kind = 'learnableBlur' as const;
  private readonly channels: number;
  private readonly sigma0: number;
  private readonly kernel: number;

  constructor(options: LearnableBlurOptions) {
    super();
    const op = 'layers.learnableBlur';
    checkOptions(op, options, KEYS);
    this.channels = int(op, 'channels', options.channels, { min: 1 });
    this.sigma0 = real(op, 'sigma', options.sigma ?? 0.8);
    this.kernel = int(op, 'kernel', options.kernel ?? 5, { min: 1 });
    if (this.kernel % 2 !== 1) throw new ArgumentError(`${op}: kernel ${this.kernel} must be odd`);
  }

  protected override makeParams(ctx: BuildContext): [string, Tensor][] {
    return [['sigma', ctx.engine.tensor(new Float32Array(this.channels).fill(this.sigma0), [this.channels])]];
  }

  protected run(e: Engine, x: Tensor): Tensor {
    return e.gaussianBlur(x, this.param(0), { kernel: this.kernel });
  }

  protected grad(e: Engine, x: Tensor, dy: Tensor, needDx: boolean): Tensor | null {
    const { dx, dsigma } = e.gaussianBlurBackward(x, this.param(0), dy, { kernel: this.kernel, needs: { dx: needDx, dsigma: true } });
    this.accumulate(0, dsigma);
    return dx;
  }

  outShape(inShape: Shape): Shape {
    return OPS.gaussianBlur.outShape({ shape: inShape }, { shape: [this.channels] }, { kernel: this.kernel });
  }

  /** A depthwise conv (groups = channels) with each channel's normalised kernel g ⊗ g, zero padding r. */
  lower(input: string, name: string, [sigma]: readonly Float32Array[]): GraphNode[] {
    const k = this.kernel;
    const r = (k - 1) / 2;
    const weight = new Float32Array(this.channels * k * k);
    for (let c = 0; c < this.channels; c++) {
      const { g } = gaussianTaps(sigma[c], k);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) weight[(c * k + i) * k + j] = g[i] * g[j];
    }
    const padding: [number, number] = [r, r];
    return [
      {
        kind: 'conv',
        name,
        inputs: [input],
        weight,
        weightShape: [this.channels, 1, k, k],
        bias: null,
        stride: [1, 1],
        padding,
        dilation: [1, 1],
        groups: this.channels,
        activation: 'none',
      },
    ];
  }
}
