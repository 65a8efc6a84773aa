/**
 * Depth-to-space and space-to-depth (pixelShuffle, pixelUnshuffle, ONNX
 * DepthToSpace DCR/CRD, SpaceToDepth): a pure copy through the channel map
 *   CRD: depth channel = c·r² + a·r + b      DCR: depth channel = (a·r + b)·C + c
 * for space position (c, r·i + a, r·j + b) and depth position (i, j).
 *
 * One thread per (n, c, space row Y = r·i + a, depth column j): it moves the r
 * elements (b = 0 … r−1) of one block row. The index decomposition (the costly
 * part: integer division) is done once per r elements, the r space-side
 * accesses are contiguous, and neighbouring threads touch neighbouring j, so
 * both sides stay coalesced.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';

export const D2S_WORKGROUP = 256;

export function depthToSpaceShader(toSpace: boolean, crd: boolean): string {
  return wgsl`
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let idx = threadIndex(wid, lid);
  if (idx >= params.total) { return; }
  let r = params.r;
  let H = params.h * r;
  let W = params.w * r;
  let plane = params.h * params.w;
  var t = idx;
  let j = t % params.w; t = t / params.w;
  let Y = t % H; t = t / H;
  let c = t % params.c;
  let n = t / params.c;
  let i = Y / r;
  let a = Y - i * r;
  // Depth side: channel of (c, a, b = 0) and the step from b to b + 1.
#if ${crd}
  let ch0 = c * r * r + a * r;
  let chStep = 1u;
#else
  let ch0 = a * r * params.c + c;
  let chStep = params.c;
#endif
  var d = ((n * params.c * r * r + ch0) * params.h + i) * params.w + j;
  let dStep = chStep * plane;
  var s = ((n * params.c + c) * H + Y) * W + j * r;
  for (var b = 0u; b < r; b++) {
#if ${toSpace}
    y_st(s, x_ld(d));
#else
    y_st(d, x_ld(s));
#endif
    d += dStep;
    s += 1u;
  }
}
`;
}
