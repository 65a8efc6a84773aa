/**
 * Depth-to-space and space-to-depth, NCHW. One index map serves all four ops:
 * output (c, r·i + a, r·j + b) of depth-to-space reads channel
 *   CRD (PyTorch pixel_shuffle):      c·r² + a·r + b
 *   DCR (ONNX default, TensorFlow):   (a·r + b)·C + c
 * and space-to-depth is the same map read the other way.
 */
import { ArgumentError, ShapeError } from '../core/errors.js';
import { ravel, unravel, wgslRavel, wgslUnravel } from '../core/indexing.js';
import { checkOptions, checkShape, int, optionKeys, type Shape } from '../core/params.js';

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

/**
 * The channel map, written once: the depth channel as digits, innermost first
 * (see ./indexing.ts), over the space channel c < C and block offsets a, b < r:
 *   CRD: ch = (c·r + a)·r + b      digits b (base r), a (base r), then c
 *   DCR: ch = (a·r + b)·C + c      digits c (base C), b (base r), then a
 * depthChannel / depthChannelCoords (CPU) and wgslDepthChannel (every shader
 * that shuffles) are all generated from this table.
 */
const CHANNEL_DIGITS: Record<DepthToSpaceMode, { inner: readonly (readonly ['c' | 'a' | 'b', 'C' | 'r'])[]; outer: 'c' | 'a' }> = {
  CRD: {
    inner: [
      ['b', 'r'],
      ['a', 'r'],
    ],
    outer: 'c',
  },
  DCR: {
    inner: [
      ['c', 'C'],
      ['b', 'r'],
    ],
    outer: 'a',
  },
};

/** Depth-side channel that holds space-side channel c at block offset (a, b); C space channels, block r. */
export function depthChannel(mode: DepthToSpaceMode, c: number, a: number, b: number, C: number, r: number): number {
  const { inner, outer } = CHANNEL_DIGITS[mode];
  const v = { c, a, b };
  const size = { C, r };
  return ravel(
    [...inner.map(([d]) => v[d]), v[outer]],
    inner.map(([, x]) => size[x]),
  );
}

/** The inverse of depthChannel: [c, a, b] of depth channel ch < C·r². */
export function depthChannelCoords(mode: DepthToSpaceMode, ch: number, C: number, r: number): [number, number, number] {
  const { inner, outer } = CHANNEL_DIGITS[mode];
  const size = { C, r };
  const digits = unravel(
    ch,
    inner.map(([, x]) => size[x]),
  );
  const v = { c: 0, a: 0, b: 0 };
  inner.forEach(([d], k) => (v[d] = digits[k]));
  v[outer] = digits[inner.length];
  return [v.c, v.a, v.b];
}

/**
 * WGSL twin of depthChannel and depthChannelCoords, for one mode (a shader
 * variant): `fn depthChannel(c, a, b, C, r) -> u32` and
 * `fn depthChannelCoords(ch, C, r) -> vec3<u32>` (c, a, b). The map is linear in
 * (c, a, b), so depthChannel(0, 0, 1, C, r) is the step from b to b + 1.
 */
export function wgslDepthChannel(mode: DepthToSpaceMode): string {
  const { inner, outer } = CHANNEL_DIGITS[mode];
  return `// Depth-to-space channel map, ${mode}: see src/ops/depth-to-space.ts.
fn depthChannel(c: u32, a: u32, b: u32, C: u32, r: u32) -> u32 {
  return ${wgslRavel(inner, outer)};
}
fn depthChannelCoords(ch: u32, C: u32, r: u32) -> vec3<u32> {
${wgslUnravel('ch', inner, outer)}
  return vec3<u32>(c, a, b);
}
`;
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
