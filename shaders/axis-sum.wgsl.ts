/**
 * The one axis reduction: out[j] = Σ_{p < length} term(j, p), one workgroup per output j (a program
 * with entry 'workgroup', src/gpu/program.ts). Thread t sums the terms p = t, t + WG, t + 2WG, …
 * (adjacent threads read adjacent positions when the term's index is p-contiguous), then the workgroup
 * adds its WG partials in a tree of log2(WG) levels in workgroup memory; thread 0 stores the sum. No
 * atomics, and the order is fixed, so the result is deterministic. A term's sum passes through at most
 * ⌈length / WG⌉ + log2(WG) additions: the depth that error bounds of its users count
 * (AXIS_SUM_DEPTH). j is uniform per workgroup, so the barriers stay in uniform control flow.
 *
 * Users: globalAvgPool (mean over H·W), prelu's slope gradient, binary's broadcast gradient.
 */

export interface AxisSum {
  /** Name of the output index in the generated WGSL (a u32, uniform per workgroup). */
  index: string;
  /** How many outputs: a u32 WGSL expression (e.g. 'params.planes'). */
  count: string;
  /** Length of the reduced axis: a u32 WGSL expression. */
  length: string;
  /** WGSL statements run once per output, before the loop (the index is in scope; may define lets for term). */
  setup?: string;
  /** The term at position `p` of the axis: an f32 WGSL expression. */
  term: string;
  /** A WGSL statement storing `sum` (an f32) for the output. */
  store: string;
}

/** `fn item(g, t)` and its workgroup memory for the reduction `r` (see the file comment). */
export function wgslAxisSum(r: AxisSum): string {
  return `
var<workgroup> partial: array<f32, WG>;

fn item(${r.index}: u32, t: u32) {
  var acc = 0.0;
  if (${r.index} < ${r.count}) {
${r.setup ?? ''}
    for (var p = t; p < ${r.length}; p += WG) {
      acc += ${r.term};
    }
  }
  partial[t] = acc;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (t < half) { partial[t] += partial[t + half]; }
    workgroupBarrier();
  }
  if (t == 0u && ${r.index} < ${r.count}) {
    let sum = partial[0];
    ${r.store}
  }
}
`;
}
