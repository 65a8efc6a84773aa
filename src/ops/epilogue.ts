/**
 * Fused epilogue of conv2d / convTranspose2d, applied per output in this order:
 *   v = activation(conv + bias) · outputScale + residual
 * where the activation is `activation` or, with `preluSlope`, PReLU with per-channel slopes
 * then stored straight into depth-to-space positions when `depthToSpace` is set
 * (so "conv → pixel shuffle" costs no extra pass). `residual` has the shape of
 * the final (shuffled) output. Shared by the CPU reference and the GPU kernel.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import type { DepthToSpaceMode } from './depth-to-space.js';
import { checkOptions, fmt, int, optionKeys, real, type Shape } from '../core/params.js';

export interface EpilogueOptions<T> {
  /**
   * PReLU as the activation: v ↦ v ≥ 0 ? v : slope[c]·v, with `preluSlope` of shape [C] (one slope per
   * output channel of the conv) or [1] (shared). `activation` must then be 'none' (or absent).
   */
  preluSlope?: T | null;
  /** Multiplies every output after the activation (e.g. a residual-scaling beta). */
  outputScale?: number;
  /** Added last; must have the shape of the final output. */
  residual?: T | null;
  /**
   * Store into depth-to-space positions: [N, C·r², H, W] → [N, C, H·r, W·r]. `mode` is required:
   * engine.depthToSpace defaults to 'DCR' and PyTorch's pixel_shuffle is 'CRD', so no default is safe.
   */
  depthToSpace?: { r: number; mode: DepthToSpaceMode };
}

const SHUFFLE_KEYS = optionKeys<NonNullable<EpilogueOptions<unknown>['depthToSpace']>>({ r: true, mode: true });

export interface EpiloguePlan {
  /** Slopes of the fused PReLU: 0 (none), 1 (shared) or C (per channel). */
  prelu: number;
  scale: number | null;
  residual: boolean;
  shuffle: { r: number; mode: DepthToSpaceMode } | null;
  outShape: [number, number, number, number];
}

export function planEpilogue(
  op: string,
  convShape: readonly [number, number, number, number],
  options: EpilogueOptions<{ shape: Shape }> & { activation?: string },
): EpiloguePlan {
  let prelu = 0;
  const slope = options.preluSlope;
  if (slope !== undefined && slope !== null) {
    if (options.activation !== undefined && options.activation !== 'none') {
      throw new ArgumentError(`${op}: preluSlope is the activation; activation '${String(options.activation)}' must be 'none' with it`);
    }
    const s = slope.shape;
    if (!s || s.length !== 1 || (s[0] !== 1 && s[0] !== convShape[1])) {
      throw new ShapeError(
        `${op}: preluSlope ${s ? fmt(s) : String(slope)} must be [1] or [${convShape[1]}] (one slope per output channel)`,
      );
    }
    prelu = s[0];
  }
  const scale = options.outputScale === undefined ? null : real(op, 'outputScale', options.outputScale);
  let shuffle: EpiloguePlan['shuffle'] = null;
  let outShape = convShape;
  if (options.depthToSpace !== undefined && options.depthToSpace !== null) {
    const d = checkOptions(op, options.depthToSpace, SHUFFLE_KEYS, 'depthToSpace.');
    const r = int(op, 'depthToSpace.r', d.r, { min: 1 });
    const mode = d.mode;
    if (mode === undefined) {
      throw new ArgumentError(
        `${op}: depthToSpace.mode is required ('DCR' or 'CRD'); the fused store and engine.depthToSpace must not disagree silently`,
      );
    }
    if (mode !== 'DCR' && mode !== 'CRD') throw new ArgumentError(`${op}: depthToSpace.mode '${String(mode)}' must be 'DCR' or 'CRD'`);
    const [n, c, h, w] = convShape;
    if (c % (r * r) !== 0)
      throw new ShapeError(`${op}: output channels ${c} must be divisible by r² = ${r * r} for the fused depthToSpace`);
    shuffle = { r, mode };
    outShape = [n, c / (r * r), h * r, w * r];
  }
  const res = options.residual;
  if (res) {
    if (!res.shape || fmt(res.shape) !== fmt(outShape)) {
      throw new ShapeError(`${op}: residual ${res.shape ? fmt(res.shape) : String(res)} must have the output shape ${fmt(outShape)}`);
    }
  }
  return { prelu, scale, residual: !!res, shuffle, outShape: [...outShape] as [number, number, number, number] };
}
