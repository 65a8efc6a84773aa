/**
 * Conv weights prepacked for the kernels that read them as vec4 output-channel blocks: the direct and
 * tiled kernels (src/kernels/conv.ts, conv-tiled.ts) and the 1×1 GEMM (conv-pointwise.ts).
 */
import { CONV_WORKGROUP, packWeightsShader } from '../../shaders/conv2d.wgsl.js';
import type { Tensor } from '../core/tensor.js';
import type { Params } from '../gpu/program.js';
import type { KernelContext } from './context.js';

export interface ConvGeometry {
  transposed: boolean;
  groups: number;
  cIn: number;
  cOut: number;
  kH: number;
  kW: number;
}

/** vec4 channel blocks per thread: as many as the group fills, up to 4 (16 channels). */
export function channelVecs(coPerGroup: number): 1 | 2 | 4 {
  return coPerGroup > 8 ? 4 : coPerGroup > 4 ? 2 : 1;
}

/** Channel blocks per group, padded to a multiple of the blocks a thread handles. */
export function channelBlocks(coPerGroup: number): number {
  const cv = channelVecs(coPerGroup);
  return Math.ceil(coPerGroup / (4 * cv)) * cv;
}

/**
 * Weights prepacked as [g][ky][kx][ci/g][coBlocks]·vec4, zero past coPerGroup; cached on the weight
 * tensor. The direct kernel pads to whole thread blocks (channelBlocks); the tiled one, which asks
 * for `coBlocks`, to whole channel tiles. Equal coBlocks means the same layout, hence one copy.
 */
export function packedWeights(ctx: KernelContext, w: Tensor, geo: ConvGeometry, coBlocks = channelBlocks(geo.cOut / geo.groups)): Tensor {
  const ciPerGroup = geo.cIn / geo.groups;
  const coPerGroup = geo.cOut / geo.groups;
  const key = `conv-pack:${geo.transposed ? 'T' : 'C'}:${geo.groups}:${coBlocks}`;
  return ctx.derived(w, key, () => {
    const packed = ctx.alloc([geo.groups * geo.kH * geo.kW * ciPerGroup * coBlocks * 4]);
    const params: Params = {
      kH: ['u32', geo.kH],
      kW: ['u32', geo.kW],
      ciPerGroup: ['u32', ciPerGroup],
      coPerGroup: ['u32', coPerGroup],
      coBlocks: ['u32', coBlocks],
    };
    ctx.runner.run(
      {
        name: 'pack-weights',
        variant: { transposed: geo.transposed },
        workgroupSize: CONV_WORKGROUP,
        entry: 'element',
        body: (v) => packWeightsShader(v.transposed),
      },
      params,
      [
        { name: 'w', tensor: w },
        { name: 'p', tensor: packed, write: true },
      ],
      packed.size,
    );
    return packed;
  });
}
