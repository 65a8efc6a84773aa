/**
 * Sum of n terms, one tree level per step: the first pass of a reduction.
 *
 * Each workgroup of WG threads sums 2·WG consecutive terms: thread l adds terms
 * l and l + WG, then the workgroup halves its shared array log2(WG) times
 * (partial[l] += partial[l + s]); thread 0 writes the group's sum, times
 * `params.scale`, to out[g]. Grid: ceil(n / 2WG) groups; one partial per group.
 * Every term sits at depth 1 + log2(WG) of a balanced binary tree, so a whole
 * reduction of n terms over P passes is a pairwise sum of depth P·(1 + log2 WG)
 * (error ≤ γ_depth·Σ|terms|, not the n·u of a running sum).
 *
 * The caller defines `fn term(i: u32) -> f32` (a loss's per-element term, or
 * `x_ld(i)` for the later passes) and a `n: u32` and `scale: f32` uniform.
 */
export const REDUCE_WORKGROUP = 256;

/** Tree levels one pass adds: the pair sum, then log2(WG) halvings. */
export const REDUCE_LEVELS_PER_PASS = 1 + Math.log2(REDUCE_WORKGROUP);

export function reduceShader(termFn: string): string {
  return `
${termFn}
var<workgroup> partial: array<f32, WG>;

fn item(g: u32, t: u32) {
  // Groups past the last (the 2-D grid's remainder) leave; g is uniform per workgroup, so the barriers stay uniform.
  if (g * WG >= params.total) { return; }
  let i0 = g * (2u * WG) + t;
  let i1 = i0 + WG;
  var a = 0.0;
  var b = 0.0;
  if (i0 < params.n) { a = term(i0); }
  if (i1 < params.n) { b = term(i1); }
  partial[t] = a + b;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (t < s) { partial[t] = partial[t] + partial[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) { out_st(g, partial[0] * params.scale); }
}
`;
}

/** The later passes' term: the previous pass's partial sums. */
export const SUM_TERM = 'fn term(i: u32) -> f32 { return x_ld(i); }';
