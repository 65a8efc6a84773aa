/**
 * The two small kernels of gaussianBlur (maths in src/ops/gaussian-blur.ts);
 * the blur itself runs on conv2d's kernel as a depthwise conv.
 *
 * gaussianWeightsShader: G[c, 0, i, j] = g_i · g_j from σ_c, so the weights
 * never leave the GPU. One thread per element of G [C, 1, k, k]; each sums the
 * k unnormalised taps itself (k is small; no shared memory needed).
 *
 * gaussianSigmaGradShader: dσ_s = Σ_{c of s} Σ_{i,j} (g'_i g_j + g_i g'_j) · D[c, 0, i, j],
 * D = the depthwise conv's weight gradient. One thread per σ element; a shared σ's
 * thread loops over all C channels (C·k² terms: a few thousand at most).
 */
export const GAUSSIAN_WORKGROUP = 64;

/** The unnormalised tap e_t = exp(−t²/(2σ²)), with e_0 = 1 exactly (σ² is clamped ≥ 1e−30 by the caller). */
const TAP = `
fn tapE(u: u32, s2: f32) -> f32 {
  let t = f32(i32(u) - i32(params.radius));
  return select(exp(-t * t / (2.0 * s2)), 1.0, u == params.radius);
}
`;

export function gaussianWeightsShader(): string {
  return `${TAP}
fn element(idx: u32) {
  let j = idx % params.taps;
  let i = (idx / params.taps) % params.taps;
  let c = idx / (params.taps * params.taps);
  let sg = sigma_ld(c * params.sigmaStride);
  let s2 = max(sg * sg, params.minSigma2);
  var sum = 0.0;
  for (var u = 0u; u < params.taps; u++) { sum += tapE(u, s2); }
  w_st(idx, (tapE(i, s2) / sum) * (tapE(j, s2) / sum));
}
`;
}

export function gaussianSigmaGradShader(): string {
  return `${TAP}
fn element(s: u32) {
  let sg = sigma_ld(s);
  let s2 = max(sg * sg, params.minSigma2);
  var sum = 0.0;
  var moment = 0.0;
  for (var u = 0u; u < params.taps; u++) {
    let t = f32(i32(u) - i32(params.radius));
    let e = tapE(u, s2);
    sum += e;
    moment += e * t * t;
  }
  // m = Σ g_u u², the kernel's variance; g'_t = g_t (t² − m) / σ³, taken as 0 once every off-centre tap has underflowed.
  let m = moment / sum;
  let inv3 = select(0.0, 1.0 / (sg * s2), m > 0.0);
  let c0 = select(s, 0u, params.sharedSigma == 1u);
  let c1 = select(s + 1u, params.channels, params.sharedSigma == 1u);
  var acc = 0.0;
  for (var c = c0; c < c1; c++) {
    for (var i = 0u; i < params.taps; i++) {
      let ti = f32(i32(i) - i32(params.radius));
      let gi = tapE(i, s2) / sum;
      let dgi = gi * (ti * ti - m) * inv3;
      for (var j = 0u; j < params.taps; j++) {
        let tj = f32(i32(j) - i32(params.radius));
        let gj = tapE(j, s2) / sum;
        let dgj = gj * (tj * tj - m) * inv3;
        acc += (dgi * gj + gi * dgj) * d_ld((c * params.taps + i) * params.taps + j);
      }
    }
  }
  dsigma_st(s, acc);
}
`;
}
