/** CPU reference of depth-to-space / space-to-depth, straight from the channel map. */
import {
  depthChannel,
  depthToSpaceMode,
  planDepthToSpace,
  planSpaceToDepth,
  type DepthToSpaceOptions,
  type DepthToSpacePlan,
} from '../ops/depth-to-space.js';
import { zerosLike, type CpuTensor } from './tensor.js';

function remap(x: CpuTensor, p: DepthToSpacePlan): CpuTensor {
  const out = zerosLike(x, p.outShape);
  const { r, c: C, h, w } = p;
  const depth = (n: number, ch: number, i: number, j: number) => ((n * C * r * r + ch) * h + i) * w + j;
  const space = (n: number, ch: number, y: number, xx: number) => ((n * C + ch) * h * r + y) * w * r + xx;
  for (let n = 0; n < p.n; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          for (let a = 0; a < r; a++)
            for (let b = 0; b < r; b++) {
              const d = depth(n, depthChannel(p.mode, c, a, b, C, r), i, j);
              const s = space(n, c, r * i + a, r * j + b);
              if (p.toSpace) out.data[s] = x.data[d];
              else out.data[d] = x.data[s];
            }
  return out;
}

/** ONNX DepthToSpace, NCHW. Default mode 'DCR' (ONNX default). */
export function depthToSpace(x: CpuTensor, r: number, options: DepthToSpaceOptions = {}): CpuTensor {
  return remap(x, planDepthToSpace(x.shape, r, depthToSpaceMode('depthToSpace', options)));
}

/** ONNX SpaceToDepth, NCHW: DCR channel order unless mode 'CRD' is asked for. */
export function spaceToDepth(x: CpuTensor, r: number, options: DepthToSpaceOptions = {}): CpuTensor {
  return remap(x, planSpaceToDepth(x.shape, r, depthToSpaceMode('spaceToDepth', options)));
}

/** PyTorch pixel_shuffle = depth-to-space in CRD order. */
export function pixelShuffle(x: CpuTensor, r: number): CpuTensor {
  return remap(x, planDepthToSpace(x.shape, r, 'CRD', 'pixelShuffle'));
}

/** PyTorch pixel_unshuffle = space-to-depth in CRD order (the inverse of pixelShuffle). */
export function pixelUnshuffle(x: CpuTensor, r: number): CpuTensor {
  return remap(x, planSpaceToDepth(x.shape, r, 'CRD', 'pixelUnshuffle'));
}
