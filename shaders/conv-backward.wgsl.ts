/**
 * The reductions of the convolution gradients (their dx is the other
 * convolution's forward kernel, shaders/conv2d.wgsl.ts).
 *
 * Weight gradient: both convolutions' dw is one correlation,
 *   dw[a, b, ky, kx] = Σ_{n, u, v} A[n, a, u, v] · B[n, g·B/g + b, u·s − p + ky·d, v·s − p + kx·d]
 * with a in group g (weight layout [A channels, B channels / groups, kH, kW]):
 *   conv2d:          A = dy (grid outH×outW), B = x  (weight [Cout, Cin/g, kH, kW]);
 *   convTranspose2d: A = x  (grid inH×inW),  B = dy (weight [Cin, Cout/g, kH, kW]).
 * It is a split reduction in two passes, with no workgroup barriers (on
 * SwiftShader a barrier switches between every lane group of the workgroup;
 * a tree reduction in workgroup memory made this kernel 13× slower):
 *   1. weightGradShader: one thread per (chunk of the N·H·W pixels of A, g,
 *      a-block of 4, b-block of 8, ky, kx), kx fastest. It walks its chunk's
 *      pixels (incrementally, no division per pixel) accumulating the 4×8 block
 *      of products in registers (per pixel: 4 loads of A, 8 of B, 32
 *      multiply-adds; a tap that lands in B's padding skips the pixel) and
 *      stores the 32 partial sums at partial[chunk][dw index].
 *   2. sumChunksShader: one thread per output element adds its chunks in order.
 * Bias gradient, db[c] = Σ_{n, h, w} dy[n, c, h, w]: biasGradShader, one
 * thread per (chunk, channel), then the same sumChunksShader.
 */
import { wgslUnravel } from '../src/core/indexing.js';

export const GRAD_WORKGROUP = 64;
/** Weight-gradient block per thread: A channels (one vec4) × B channels. */
export const WGRAD_A = 4;
export const WGRAD_B = 8;

/** Uniform fields of the weight-gradient kernel, in order; filled by src/kernels/conv-backward.ts. */
export const WGRAD_PARAMS = [
  'n',
  'aC',
  'bC',
  'uH',
  'uW',
  'bH',
  'bW',
  'kH',
  'kW',
  'sH',
  'sW',
  'pH',
  'pW',
  'dH',
  'dW',
  'aPerGroup',
  'bPerGroup',
  'aBlocks',
  'bBlocks',
  'groups',
  'chunk',
  'dwSize',
] as const;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function weightGradShader(): string {
  const A = range(WGRAD_A);
  const B = range(WGRAD_B);
  return `
fn element(idx: u32) {
${wgslUnravel(
  'idx',
  [
    ['kx', 'params.kW'],
    ['ky', 'params.kH'],
    ['bb', 'params.bBlocks'],
    ['ab', 'params.aBlocks'],
    ['g', 'params.groups'],
  ],
  'chunk',
)}
  let a0 = ab * ${WGRAD_A}u;
  let b0 = bb * ${WGRAD_B}u;
  let uPlane = params.uH * params.uW;
  let bPlane = params.bH * params.bW;
  // Lanes past the group's channels read its last channel; their sums are dropped at the store.
${A.map((i) => `  let aOff${i} = (g * params.aPerGroup + min(a0 + ${i}u, params.aPerGroup - 1u)) * uPlane;`).join('\n')}
${B.map((j) => `  let bOff${j} = (g * params.bPerGroup + min(b0 + ${j}u, params.bPerGroup - 1u)) * bPlane;`).join('\n')}
  // B's row and column for A pixel (u, v): u·s + (k·d − p).
  let yShift = i32(ky * params.dH) - i32(params.pH);
  let xShift = i32(kx * params.dW) - i32(params.pW);
${B.map((j) => `  var acc${j} = vec4<f32>(0.0);`).join('\n')}
  // This chunk's pixels: flat indices [first, last) over (n, u, v) of A, walked without division.
  let first = chunk * params.chunk;
  let last = min(first + params.chunk, params.n * uPlane);
${wgslUnravel(
  'first',
  [
    ['v0', 'params.uW'],
    ['u0', 'params.uH'],
  ],
  'n0',
  'firstRest',
)}
  var n = n0;
  var u = u0;
  var v = v0;
  for (var i = first; i < last; i++) {
    let by = i32(u * params.sH) + yShift;
    let bx = i32(v * params.sW) + xShift;
    if (by >= 0 && by < i32(params.bH) && bx >= 0 && bx < i32(params.bW)) {
      let ai = (n * params.aC) * uPlane + u * params.uW + v;
      let av = vec4<f32>(${A.map((i) => `ga_ld(ai + aOff${i})`).join(', ')});
      let bi = (n * params.bC) * bPlane + u32(by) * params.bW + u32(bx);
${B.map((j) => `      acc${j} += av * gb_ld(bi + bOff${j});`).join('\n')}
    }
    v++;
    if (v == params.uW) { v = 0u; u++; if (u == params.uH) { u = 0u; n++; } }
  }
  var accs = array<vec4<f32>, ${WGRAD_B}>(${B.map((j) => `acc${j}`).join(', ')});
  for (var j = 0u; j < ${WGRAD_B}u; j++) {
    let b = b0 + j;
    for (var k = 0u; k < ${WGRAD_A}u; k++) {
      let a = a0 + k;
      if (a < params.aPerGroup && b < params.bPerGroup) {
        let o = (((g * params.aPerGroup + a) * params.bPerGroup + b) * params.kH + ky) * params.kW + kx;
        part_st(chunk * params.dwSize + o, accs[j][k]);
      }
    }
  }
}
`;
}

/** Bias gradient, pass 1: thread (chunk, c) sums dy[n, c, pixel] over its chunk of the flat (n, pixel) range. */
export function biasGradShader(): string {
  return `
fn element(idx: u32) {
${wgslUnravel('idx', [['c', 'params.c']], 'chunk')}
  let first = chunk * params.chunk;
  let last = min(first + params.chunk, params.n * params.plane);
${wgslUnravel('first', [['p0', 'params.plane']], 'n0')}
  var i = (n0 * params.c + c) * params.plane + p0;
  var p = p0;
  var s = 0.0;
  for (var j = first; j < last; j++) {
    s += dy_ld(i);
    i++;
    p++;
    if (p == params.plane) { p = 0u; i += (params.c - 1u) * params.plane; }
  }
  part_st(chunk * params.c + c, s);
}
`;
}

/** Pass 2 of both: out[i] = Σ_chunk part[chunk][i], in chunk order. One thread per output element. */
export function sumChunksShader(): string {
  return `
fn element(i: u32) {
  var s = 0.0;
  for (var c = 0u; c < params.chunks; c++) { s += part_ld(c * params.total + i); }
  out_st(i, s);
}
`;
}
