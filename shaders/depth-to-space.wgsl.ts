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
import { wgslDepthChannel } from '../src/ops/depth-to-space.js';
import { wgslRavel, wgslUnravel } from '../src/core/indexing.js';

export const D2S_WORKGROUP = 256;

export function depthToSpaceShader(toSpace: boolean, crd: boolean): string {
  return wgsl`
${wgslDepthChannel(crd ? 'CRD' : 'DCR')}
fn element(idx: u32) {
  let r = params.r;
  let H = params.h * r;
  let W = params.w * r;
  let plane = params.h * params.w;
${wgslUnravel(
  'idx',
  [
    ['j', 'params.w'],
    ['Y', 'H'],
    ['c', 'params.c'],
  ],
  'n',
)}
  let i = Y / r;
  let a = Y - i * r;
  // Depth side: channel of (c, a, b = 0) and the step from b to b + 1 (the map is linear).
  let ch0 = depthChannel(c, a, 0u, params.c, r);
  let chStep = depthChannel(0u, 0u, 1u, params.c, r);
  var d = ${wgslRavel(
    [
      ['j', 'params.w'],
      ['i', 'params.h'],
      ['ch0', 'params.c * r * r'],
    ],
    'n',
  )};
  let dStep = chStep * plane;
  var s = ${wgslRavel(
    [
      ['j * r', 'W'],
      ['Y', 'H'],
      ['c', 'params.c'],
    ],
    'n',
  )};
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

/** Largest block size the vec4 kernel is generated for; bigger r uses the scalar kernel. */
export const D2S_VEC4_MAX_R = 8;

/**
 * The vec4 kernel, for depth-side widths w that are multiples of 4: one thread
 * per (n, c, space row Y = r·i + a, 4 depth columns j = 4q … 4q + 3) moves r
 * depth-side vec4s (b = 0 … r−1, one per channel of the block row) and the r
 * space-side vec4s they interleave into (space columns 4rq … 4rq + 4r − 1).
 * Every load and store moves 16 bytes, like a plain vec4 copy, which is what
 * makes it bandwidth-bound instead of load-instruction-bound. r is a constant
 * of the shader (a pipeline per r), so the interleave is a fixed swizzle:
 * local space column L = r·jj + b  <->  depth vec4 b, lane jj = space vec4 L / 4, lane L % 4.
 */
export function depthToSpaceVec4Shader(toSpace: boolean, crd: boolean, r: number): string {
  const lanes = (m: number) => [0, 1, 2, 3].map((e) => 4 * m + e);
  const B = Array.from({ length: r }, (_, b) => b);
  const move = toSpace
    ? [
        ...B.map((b) => `  let d${b} = x_ld(d + ${b}u * dStep);`),
        ...B.map(
          (m) =>
            `  y_st(s + ${m}u, vec4<f32>(${lanes(m)
              .map((L) => `d${L % r}[${Math.floor(L / r)}]`)
              .join(', ')}));`,
        ),
      ]
    : [
        ...B.map((m) => `  let s${m} = x_ld(s + ${m}u);`),
        ...B.map(
          (b) =>
            `  y_st(d + ${b}u * dStep, vec4<f32>(${[0, 1, 2, 3]
              .map((jj) => {
                const L = r * jj + b;
                return `s${Math.floor(L / 4)}[${L % 4}]`;
              })
              .join(', ')}));`,
        ),
      ];
  return wgsl`
${wgslDepthChannel(crd ? 'CRD' : 'DCR')}
const R: u32 = ${r}u;
fn element(idx: u32) {
  let w4 = params.w / 4u;
  let H = params.h * R;
  // Two divisions by uniforms (the costly part on a SIMD-over-threads adapter):
  // row = (n·C + c)·H + Y is the space-side row, nc = n·C + c its plane.
${wgslUnravel(
  'idx',
  [
    ['q', 'w4', 'row'],
    ['Y', 'H'],
  ],
  'nc',
)}
  let i = Y / R;
  let a = Y - i * R;
#if ${crd}
  // CRD is linear in c with stride R², so the batch folds into the channel:
  // n·C·R² + depthChannel(c, …) = depthChannel(n·C + c, …), and no division splits nc.
  let n = 0u;
  let c = nc;
#else
  let n = nc / params.c;
  let c = nc - n * params.c;
#endif
  // In vec4 units: a depth row is w4 long, a space row R·w4.
  let d = ((n * params.c * R * R + depthChannel(c, a, 0u, params.c, R)) * params.h + i) * w4 + q;
  let dStep = depthChannel(0u, 0u, 1u, params.c, R) * params.h * w4;
  let s = row * R * w4 + R * q;
${move.join('\n')}
}
`;
}
