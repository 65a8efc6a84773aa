/**
 * Depth-to-space and space-to-depth (pixelShuffle, pixelUnshuffle, ONNX
 * DepthToSpace DCR/CRD, SpaceToDepth). A pure copy: one thread per output
 * element, gathering its source through the channel map
 *   CRD: depth channel = c·r² + a·r + b      DCR: depth channel = (a·r + b)·C + c
 * Threads run along the output row, so writes are coalesced.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';

export const D2S_WORKGROUP = 256;

export function depthToSpaceShader(toSpace: boolean, crd: boolean): string {
  return wgsl`
fn depthChannel(c: u32, a: u32, b: u32) -> u32 {
#if ${crd}
  return c * params.r * params.r + a * params.r + b;
#else
  return (a * params.r + b) * params.c + c;
#endif
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let idx = threadIndex(wid, lid);
  if (idx >= params.total) { return; }
  let r = params.r;
  let H = params.h * r;
  let W = params.w * r;
#if ${toSpace}
  // Output is the space side [n, c, H, W].
  var t = idx;
  let X = t % W; t = t / W;
  let Y = t % H; t = t / H;
  let c = t % params.c;
  let n = t / params.c;
  let src = ((n * params.c * r * r + depthChannel(c, Y % r, X % r)) * params.h + Y / r) * params.w + X / r;
#else
  // Output is the depth side [n, c·r², h, w].
  var t = idx;
  let j = t % params.w; t = t / params.w;
  let i = t % params.h; t = t / params.h;
  let cd = t % (params.c * r * r);
  let n = t / (params.c * r * r);
#if ${crd}
  let c = cd / (r * r); let a = (cd / r) % r; let b = cd % r;
#else
  let c = cd % params.c; let a = (cd / params.c) / r; let b = (cd / params.c) % r;
#endif
  let src = ((n * params.c + c) * H + i * r + a) * W + j * r + b;
#endif
  y_st(idx, x_ld(src));
}
`;
}
