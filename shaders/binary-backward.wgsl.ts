/**
 * binaryBackward, one operand's gradient (the variant's `side`, 'a' or 'b'):
 *   d[j] = Σ_{p < m} dy[i(j, p)] · ∂(u ∘ v)/∂side,
 * gathered, no atomics. j is the operand's element, unravelled over its shape
 * padded to 4 axes (s1, s2, s3); p runs over the axes it was broadcast along
 * (extents r1, r2, r3; 1 elsewhere), so the output coordinate is j_k + p_k on
 * each axis, flat index Σ (j_k + p_k)·o_k, and the other operand is read at
 * Σ (j_k + p_k)·t_k (its broadcast strides). u = a and v = b at that element.
 *
 * `reduce` (the variant) picks the summation: one workgroup per element, the
 * axis sum of ./axis-sum.wgsl.ts (for large m: depth ⌈m / WG⌉ + log2 WG), or one thread per element looping over p (m
 * small, e.g. 1 when the operand has the output's shape). The partials are
 * PyTorch's (src/ops/binary-backward.ts); pow's use binary.wgsl.ts's powReal.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import type { BinaryOp } from '../src/ops/binary.js';
import { wgslUnravel } from '../src/core/indexing.js';
import { wgslAxisSum } from './axis-sum.wgsl.js';
import { POW_REAL_WGSL } from './binary.wgsl.js';

export const BINARY_BACKWARD_WORKGROUP = 256;

/** ∂(u ∘ v)/∂u and ∂(u ∘ v)/∂v as WGSL expressions in u, v. */
const PARTIALS: Record<BinaryOp, [string, string]> = {
  add: ['1.0', '1.0'],
  sub: ['1.0', '-1.0'],
  mul: ['v', 'u'],
  div: ['1.0 / v', '-u / (v * v)'],
  max: ['select(select(0.0, 0.5, u == v), 1.0, u > v)', 'select(select(0.0, 0.5, u == v), 1.0, v > u)'],
  min: ['select(select(0.0, 0.5, u == v), 1.0, u < v)', 'select(select(0.0, 0.5, u == v), 1.0, v < u)'],
  pow: ['select(v * powReal(u, v - 1.0), 0.0, v == 0.0)', 'select(powReal(u, v) * log(u), 0.0, u == 0.0 && v >= 0.0)'],
};

export type BinaryBackwardVariant = {
  op: BinaryOp;
  side: 'a' | 'b';
  reduce: boolean;
};

export function binaryBackwardShader(v: BinaryBackwardVariant): string {
  const partial = PARTIALS[v.op][v.side === 'a' ? 0 : 1];
  const self = v.side === 'a' ? 'u' : 'v';
  const other = v.side === 'a' ? 'v' : 'u';
  return wgsl`
#if ${v.op === 'pow'}
${POW_REAL_WGSL}#endif
// The term of reduced position p for element j (coordinates j0..j3).
fn term(j0: u32, j1: u32, j2: u32, j3: u32, p: u32, ${self}: f32) -> f32 {
${wgslUnravel(
  'p',
  [
    ['p3', 'params.r3'],
    ['p2', 'params.r2'],
    ['p1', 'params.r1'],
  ],
  'p0',
  'q',
)}
  let i0 = j0 + p0;
  let i1 = j1 + p1;
  let i2 = j2 + p2;
  let i3 = j3 + p3;
  let ${other} = other_ld(i0 * params.t0 + i1 * params.t1 + i2 * params.t2 + i3 * params.t3);
  return dy_ld(i0 * params.o0 + i1 * params.o1 + i2 * params.o2 + i3 * params.o3) * (${partial});
}

#if ${v.reduce}
${wgslAxisSum({
  index: 'j',
  count: 'params.count',
  length: 'params.m',
  setup: `${wgslUnravel(
    'j',
    [
      ['j3', 'params.s3'],
      ['j2', 'params.s2'],
      ['j1', 'params.s1'],
    ],
    'j0',
    'rest',
    '    ',
  )}
    let s = self_ld(j);`,
  term: 'term(j0, j1, j2, j3, p, s)',
  store: 'd_st(j, sum);',
})}
#else
fn element(j: u32) {
${wgslUnravel(
  'j',
  [
    ['j3', 'params.s3'],
    ['j2', 'params.s2'],
    ['j1', 'params.s1'],
  ],
  'j0',
)}
  let s = self_ld(j);
  var acc = 0.0;
  for (var p = 0u; p < params.m; p++) {
    acc += term(j0, j1, j2, j3, p, s);
  }
  d_st(j, acc);
}
#endif
`;
}
