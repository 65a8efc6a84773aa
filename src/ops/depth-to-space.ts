/**
 * Depth-to-space and space-to-depth, NCHW. One index map serves all four ops:
 * output (c, r·i + a, r·j + b) of depth-to-space reads channel
 *   CRD (PyTorch pixel_shuffle):      c·r² + a·r + b
 *   DCR (ONNX default, TensorFlow):   (a·r + b)·C + c
 * and space-to-depth is the same map read the other way.
 */
import { ArgumentError, ShapeError } from '../errors.js';
import { checkOptions, checkShape, int, optionKeys, type Shape } from './params.js';

export type DepthToSpaceMode = 'DCR' | 'CRD';

/** Options of depthToSpace and spaceToDepth. */
export interface DepthToSpaceOptions {
  /** 'DCR' (default, as ONNX and TensorFlow) or 'CRD' (PyTorch pixel_shuffle). */
  mode?: DepthToSpaceMode;
}

const DEPTH_TO_SPACE_KEYS = optionKeys<DepthToSpaceOptions>({ mode: true });

export interface DepthToSpacePlan {
  /** true: depth → space (channels shrink by r²); false: space → depth. */
  toSpace: boolean;
  mode: DepthToSpaceMode;
  r: number;
  n: number;
  /** Channels of the space-side tensor (the small-channel one). */
  c: number;
  /** Height and width of the depth-side tensor (the small-image one). */
  h: number;
  w: number;
  outShape: [number, number, number, number];
}

/** Depth-side channel that holds space-side channel c at block offset (a, b). */
export function depthChannel(mode: DepthToSpaceMode, c: number, a: number, b: number, r: number, C: number): number {
  return mode === 'CRD' ? c * r * r + a * r + b : (a * r + b) * C + c;
}

function checkMode(op: string, mode: unknown): DepthToSpaceMode {
  if (mode !== 'DCR' && mode !== 'CRD') throw new ArgumentError(`${op}: mode '${String(mode)}' must be 'DCR' or 'CRD'`);
  return mode;
}

/** The mode that depthToSpace / spaceToDepth options ask for (default 'DCR'), after checking their keys. */
export function depthToSpaceMode(op: string, options: unknown): DepthToSpaceMode {
  return checkMode(op, checkOptions(op, options, DEPTH_TO_SPACE_KEYS).mode ?? 'DCR');
}

export function planDepthToSpace(xShape: Shape, r: unknown, mode: unknown, op = 'depthToSpace'): DepthToSpacePlan {
  checkShape(op, 'input', xShape, 4);
  const rr = int(op, 'blockSize r', r, { min: 1 });
  const m = checkMode(op, mode);
  const [n, cIn, h, w] = xShape;
  if (cIn % (rr * rr) !== 0) {
    throw new ShapeError(`${op}: input channels ${cIn} must be divisible by r² = ${rr * rr}`);
  }
  const c = cIn / (rr * rr);
  return { toSpace: true, mode: m, r: rr, n, c, h, w, outShape: [n, c, h * rr, w * rr] };
}

export function planSpaceToDepth(xShape: Shape, r: unknown, mode: unknown, op = 'spaceToDepth'): DepthToSpacePlan {
  checkShape(op, 'input', xShape, 4);
  const rr = int(op, 'blockSize r', r, { min: 1 });
  const m = checkMode(op, mode);
  const [n, c, H, W] = xShape;
  if (H % rr !== 0 || W % rr !== 0) {
    throw new ShapeError(`${op}: input height ${H} and width ${W} must be divisible by r = ${rr}`);
  }
  return { toSpace: false, mode: m, r: rr, n, c, h: H / rr, w: W / rr, outShape: [n, c * rr * rr, H / rr, W / rr] };
}
