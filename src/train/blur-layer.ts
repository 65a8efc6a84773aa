/**
 * learnableBlur: a depthwise Gaussian blur whose width σ is trained (one σ
 * per channel, parameter '<i>.sigma' of shape [channels]), the checkerboard
 * fix placed after a transposed convolution. Forward and backward are the op
 * table's gaussianBlur / gaussianBlurBackward (src/ops/gaussian-blur.ts: zero
 * padding, size kept, dσ through the normalised weights).
 */
import type { Engine } from '../engine.js';
import { ArgumentError } from '../errors.js';
import { checkOptions, int, optionKeys, real, type Shape } from '../ops/params.js';
import { OPS } from '../ops/table.js';
import type { Tensor } from '../tensor.js';
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

  inputInterval(lo: number, hi: number): [number, number] {
    const r = (this.kernel - 1) / 2;
    return [lo - r, hi + r];
  }
}
