/**
 * globalAvgPool: y[plane] = (Σ_{p < hw} x[plane · hw + p]) · invHw.
 *
 * One workgroup per plane (grid: planes · WG threads). Thread t sums the
 * plane's elements t, t + WG, t + 2WG, … (adjacent threads read adjacent
 * addresses), then the workgroup adds the WG partials in a tree of log2(WG)
 * levels in workgroup memory. An element's sum therefore passes through at
 * most ⌈hw / WG⌉ + log2(WG) additions (the error bound's depth). No atomics.
 * `invHw` is f32(1 / hw): one more rounding than a division, but WGSL's
 * division is itself only within 2.5 ULP.
 */
export const GLOBAL_AVG_POOL_WORKGROUP = 256;

export function globalAvgPoolShader(): string {
  return `
var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  // The plane is uniform per workgroup, so the barriers below stay in uniform control flow.
  let plane = threadIndex(wid, lid) / WG;
  let t = lid.x;
  var acc = 0.0;
  if (plane < params.planes) {
    let base = plane * params.hw;
    for (var p = t; p < params.hw; p += WG) {
      acc += x_ld(base + p);
    }
  }
  partial[t] = acc;
  workgroupBarrier();
  for (var half = WG / 2u; half > 0u; half /= 2u) {
    if (t < half) { partial[t] += partial[t + half]; }
    workgroupBarrier();
  }
  if (t == 0u && plane < params.planes) { y_st(plane, partial[0] * params.invHw); }
}
`;
}

/**
 * globalAvgPoolBackward: dx[i] = dy[i / hw] / hw, one thread per dx element. The
 * division is a real one here (WGSL: within 2.5 ULP), not a product with f32(1/hw).
 */
export function globalAvgPoolBackwardShader(): string {
  return `
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = threadIndex(wid, lid);
  if (i >= params.total) { return; }
  dx_st(i, dy_ld(i / params.hw) / f32(params.hw));
}
`;
}
