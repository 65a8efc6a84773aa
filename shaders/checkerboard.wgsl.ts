/**
 * The checkerboard regularizer (definition in src/ops/checkerboard.ts) over a
 * weight w [pairs, kH, kW] (pairs = Cin·Cout/groups):
 *   - `checkerboardTerm`: term(i) = Σ_ab (S_ab − m)² of channel pair i, the
 *     first pass of a tree reduction (shaders/reduce.wgsl.ts), one thread per pair;
 *   - `checkerboardGradShader`: one thread per tap, g = scale·2(S_phase − m).
 * Uniforms kH, kW, sh, sw; m = (Σ the pair's taps) / (sh·sw).
 */
export const CHECKERBOARD_GRAD_WORKGROUP = 64;

const HELPERS = `
fn phaseSum(base: u32, a: u32, b: u32) -> f32 {
  var s = 0.0;
  for (var ky = a; ky < params.kH; ky += params.sh) {
    for (var kx = b; kx < params.kW; kx += params.sw) { s += w_ld(base + ky * params.kW + kx); }
  }
  return s;
}
fn phaseMean(base: u32) -> f32 {
  var t = 0.0;
  for (var j = 0u; j < params.kH * params.kW; j++) { t += w_ld(base + j); }
  return t / f32(params.sh * params.sw);
}
`;

export const checkerboardTerm = `${HELPERS}
fn term(i: u32) -> f32 {
  let base = i * params.kH * params.kW;
  let m = phaseMean(base);
  var r = 0.0;
  for (var a = 0u; a < params.sh; a++) {
    for (var b = 0u; b < params.sw; b++) {
      let d = phaseSum(base, a, b) - m;
      r += d * d;
    }
  }
  return r;
}`;

export function checkerboardGradShader(): string {
  return `${HELPERS}
fn element(i: u32) {
  let taps = params.kH * params.kW;
  let base = (i / taps) * taps;
  let j = i - base;
  let ky = j / params.kW;
  let kx = j - ky * params.kW;
  let s = phaseSum(base, ky % params.sh, kx % params.sw);
  g_st(i, params.scale * 2.0 * (s - phaseMean(base)));
}
`;
}
