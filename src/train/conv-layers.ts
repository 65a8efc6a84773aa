/**
 * conv2d and convTranspose2d as trainable layers: weight (PyTorch layout) and
 * optional bias, forward through the engine's op, backward through
 * conv2dBackward / convTranspose2dBackward (dx skipped for a network's first
 * layer). Initialisers come from src/analysis: He-normal with the fans read
 * from what the axes mean (a stride-s convT's fan_in is Cin/g·k²/s²), the
 * checkerboard-free 'balanced' and 'bilinear' convT starts, and ICNR for a
 * conv that feeds a pixel shuffle. Biases start at 0.
 */
import type { Engine } from '../engine.js';
import { ArgumentError } from '../core/errors.js';
import { kaimingNormal, type Weights } from '../analysis/init.js';
import { balancedConvTranspose, bilinearConvTranspose, bilinearGeometry, icnrInit } from '../analysis/upsampler-init.js';
import type { GraphNode } from '../model/ir.js';
import { checkOptions, int, optionKeys, pair, type Pair, type Shape } from '../core/params.js';
import { OPS } from '../registry/table.js';
import type { Tensor } from '../core/tensor.js';
import { LayerBase, type BuildContext } from './layer.js';

export interface Conv2dLayerOptions {
  inChannels: number;
  outChannels: number;
  kernel: Pair;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  /** Default true. */
  bias?: boolean;
  /** 'he' (default): He-normal, fan_in, relu gain. `{ icnr: r }`: ICNR for a following pixelShuffle(r) (He-normal base copied r² times). */
  init?: 'he' | { icnr: number };
}

export interface ConvTranspose2dLayerOptions {
  inChannels: number;
  outChannels: number;
  kernel: Pair;
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
  /** Default true. */
  bias?: boolean;
  /**
   * 'he' (default): He-normal with the convT's real fan_in (Cin/g·k²/s²).
   * 'balanced': He-normal, then equal phase sums (a flat input gives a flat output: no checkerboard at step 0).
   * 'bilinear': exactly bilinear interpolation (inChannels = outChannels, groups 1 or C, kernel 2s − s mod 2, padding (k − s)/2).
   */
  init?: 'he' | 'balanced' | 'bilinear';
}

const CONV_KEYS = optionKeys<Conv2dLayerOptions>({
  inChannels: true,
  outChannels: true,
  kernel: true,
  stride: true,
  padding: true,
  dilation: true,
  groups: true,
  bias: true,
  init: true,
});
const CONVT_KEYS = optionKeys<ConvTranspose2dLayerOptions>({
  inChannels: true,
  outChannels: true,
  kernel: true,
  stride: true,
  padding: true,
  outputPadding: true,
  dilation: true,
  groups: true,
  bias: true,
  init: true,
});

interface Geometry {
  cIn: number;
  cOut: number;
  k: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
  bias: boolean;
}

function geometry(op: string, o: Conv2dLayerOptions | ConvTranspose2dLayerOptions): Geometry {
  const cIn = int(op, 'inChannels', o.inChannels, { min: 1 });
  const cOut = int(op, 'outChannels', o.outChannels, { min: 1 });
  const groups = int(op, 'groups', o.groups ?? 1, { min: 1 });
  if (cIn % groups !== 0 || cOut % groups !== 0) {
    throw new ArgumentError(`${op}: inChannels ${cIn} and outChannels ${cOut} must both be divisible by groups ${groups}`);
  }
  if (o.bias !== undefined && typeof o.bias !== 'boolean') throw new ArgumentError(`${op}: bias ${String(o.bias)} must be a boolean`);
  return {
    cIn,
    cOut,
    k: pair(op, 'kernel', o.kernel, NaN, { min: 1 }),
    stride: pair(op, 'stride', o.stride, 1, { min: 1 }),
    padding: pair(op, 'padding', o.padding, 0, { min: 0 }),
    dilation: pair(op, 'dilation', o.dilation, 1, { min: 1 }),
    groups,
    bias: o.bias ?? true,
  };
}

function upload(e: Engine, w: Weights, bias: number | null): [string, Tensor][] {
  const out: [string, Tensor][] = [['weight', e.tensor(w.data, w.shape)]];
  if (bias !== null) out.push(['bias', e.tensor(new Float32Array(bias), [bias])]);
  return out;
}

export class Conv2dLayer extends LayerBase {
  readonly kind = 'conv2d' as const;
  private readonly g: Geometry;
  private readonly init: 'he' | { icnr: number };

  constructor(options: Conv2dLayerOptions) {
    super();
    const op = 'layers.conv2d';
    if (options?.kernel === undefined) throw new ArgumentError(`${op}: options { inChannels, outChannels, kernel } are required`);
    checkOptions(op, options, CONV_KEYS);
    this.g = geometry(op, options);
    const init = options.init ?? 'he';
    if (init !== 'he' && !(typeof init === 'object' && init !== null && Object.keys(init).join() === 'icnr')) {
      throw new ArgumentError(`${op}: init ${JSON.stringify(init)} must be 'he' or { icnr: r }`);
    }
    if (typeof init === 'object') {
      const r = int(op, 'init.icnr', init.icnr, { min: 1 });
      if (this.g.cOut % (r * r) !== 0)
        throw new ArgumentError(`${op}: init { icnr: ${r} } needs outChannels ${this.g.cOut} divisible by r² = ${r * r}`);
    }
    this.init = init;
  }

  protected override makeParams(ctx: BuildContext): [string, Tensor][] {
    const { cIn, cOut, k, groups, bias } = this.g;
    const shape = [cOut, cIn / groups, k[0], k[1]];
    const w =
      this.init === 'he'
        ? kaimingNormal(shape, { layout: 'conv', groups, seed: ctx.random })
        : icnrInit(shape, this.init.icnr, { groups, seed: ctx.random });
    return upload(ctx.engine, w, bias ? cOut : null);
  }

  private get opts() {
    const { stride, padding, dilation, groups } = this.g;
    return { stride, padding, dilation, groups };
  }

  protected run(e: Engine, x: Tensor): Tensor {
    return e.conv2d(x, this.param(0), this.g.bias ? this.param(1) : null, this.opts);
  }

  protected grad(e: Engine, x: Tensor, dy: Tensor, needDx: boolean): Tensor | null {
    const { dx, dw, db } = e.conv2dBackward(x, this.param(0), dy, { ...this.opts, needs: { dx: needDx, dw: true, db: this.g.bias } });
    this.accumulate(0, dw);
    if (this.g.bias) this.accumulate(1, db);
    return dx;
  }

  outShape(inShape: Shape): Shape {
    const { cIn, cOut, k, groups } = this.g;
    return OPS.conv2d.outShape({ shape: inShape }, { shape: [cOut, cIn / groups, k[0], k[1]] }, null, this.opts);
  }

  lower(input: string, name: string, [weight, bias]: readonly Float32Array[]): GraphNode[] {
    const { cIn, cOut, k, stride, padding, dilation, groups } = this.g;
    const w: [number, number, number, number] = [cOut, cIn / groups, k[0], k[1]];
    return [
      {
        kind: 'conv',
        name,
        inputs: [input],
        weight,
        weightShape: w,
        bias: this.g.bias ? bias : null,
        stride,
        padding,
        dilation,
        groups,
        activation: 'none',
      },
    ];
  }
}

export class ConvTranspose2dLayer extends LayerBase {
  readonly kind = 'convTranspose2d' as const;
  private readonly g: Geometry;
  private readonly outputPadding: [number, number];
  private readonly init: 'he' | 'balanced' | 'bilinear';

  constructor(options: ConvTranspose2dLayerOptions) {
    super();
    const op = 'layers.convTranspose2d';
    if (options?.kernel === undefined) throw new ArgumentError(`${op}: options { inChannels, outChannels, kernel } are required`);
    checkOptions(op, options, CONVT_KEYS);
    this.g = geometry(op, options);
    this.outputPadding = pair(op, 'outputPadding', options.outputPadding, 0, { min: 0 });
    const init = options.init ?? 'he';
    if (init !== 'he' && init !== 'balanced' && init !== 'bilinear')
      throw new ArgumentError(`${op}: init '${String(init)}' must be 'he', 'balanced' or 'bilinear'`);
    if (init === 'bilinear') {
      const { cIn, cOut, k, stride, padding, dilation, groups } = this.g;
      const geo = bilinearGeometry(stride[0]);
      const fits =
        cIn === cOut &&
        (groups === 1 || groups === cIn) &&
        stride[0] === stride[1] &&
        dilation[0] === 1 &&
        dilation[1] === 1 &&
        k[0] === geo.kernel &&
        k[1] === geo.kernel &&
        padding[0] === geo.padding &&
        padding[1] === geo.padding;
      if (!fits) {
        throw new ArgumentError(
          `${op}: init 'bilinear' needs inChannels = outChannels (got ${cIn}, ${cOut}), groups 1 or ${cIn} (got ${groups}), dilation 1 and, for stride ${stride[0]}, kernel ${geo.kernel} and padding ${geo.padding} (got kernel [${k}], padding [${padding}])`,
        );
      }
    }
    this.init = init;
  }

  private get weightShape(): [number, number, number, number] {
    const { cIn, cOut, k, groups } = this.g;
    return [cIn, cOut / groups, k[0], k[1]];
  }

  protected override makeParams(ctx: BuildContext): [string, Tensor][] {
    const { cIn, stride, dilation, groups, bias, cOut } = this.g;
    const shape = this.weightShape;
    const w =
      this.init === 'he'
        ? kaimingNormal(shape, { layout: 'convTranspose', groups, stride, seed: ctx.random })
        : this.init === 'balanced'
          ? balancedConvTranspose(shape, stride, { groups, dilation, seed: ctx.random })
          : bilinearConvTranspose(cIn, stride[0], { dense: groups === 1 });
    return upload(ctx.engine, w, bias ? cOut : null);
  }

  private get opts() {
    const { stride, padding, dilation, groups } = this.g;
    return { stride, padding, outputPadding: this.outputPadding, dilation, groups };
  }

  /** @internal The stride (for the checkerboard regularizer) and the weight. */
  get checkerboard(): { weight: Tensor; stride: [number, number]; param: number } {
    return { weight: this.param(0), stride: this.g.stride, param: 0 };
  }

  protected run(e: Engine, x: Tensor): Tensor {
    return e.convTranspose2d(x, this.param(0), this.g.bias ? this.param(1) : null, this.opts);
  }

  protected grad(e: Engine, x: Tensor, dy: Tensor, needDx: boolean): Tensor | null {
    const { dx, dw, db } = e.convTranspose2dBackward(x, this.param(0), dy, {
      ...this.opts,
      needs: { dx: needDx, dw: true, db: this.g.bias },
    });
    this.accumulate(0, dw);
    if (this.g.bias) this.accumulate(1, db);
    return dx;
  }

  /** @internal Adds `g` to the weight's gradient (the regularizer's term). */
  addWeightGrad(g: Tensor): void {
    this.accumulate(0, g);
  }

  outShape(inShape: Shape): Shape {
    return OPS.convTranspose2d.outShape({ shape: inShape }, { shape: this.weightShape }, null, this.opts);
  }

  lower(input: string, name: string, [weight, bias]: readonly Float32Array[]): GraphNode[] {
    const { stride, padding, dilation, groups } = this.g;
    return [
      {
        kind: 'convTranspose',
        name,
        inputs: [input],
        weight,
        weightShape: this.weightShape,
        bias: this.g.bias ? bias : null,
        stride,
        padding,
        outputPadding: this.outputPadding,
        dilation,
        groups,
        activation: 'none',
      },
    ];
  }
}
