/**
 * globalAvgPool: y[plane] = (Σ_{p < hw} x[plane · hw + p]) · invHw.
 *
 * One workgroup per plane: the axis sum (./axis-sum.wgsl.ts), so an
 * element's sum passes through at most ⌈hw / WG⌉ + log2(WG) additions (the
 * error bound's depth). No atomics.
 * `invHw` is f32(1 / hw): one more rounding than a division, but WGSL's
 * division is itself only within 2.5 ULP.
 */
import { wgslAxisSum } from './axis-sum.wgsl.js';

export const GLOBAL_AVG_POOL_WORKGROUP = 256;

export function globalAvgPoolShader(): string {
  return wgslAxisSum({
    index: 'plane',
    count: 'params.planes',
    length: 'params.hw',
    setup: '    let base = plane * params.hw;',
    term: 'x_ld(base + p)',
    store: 'y_st(plane, sum * params.invHw);',
  });
}

/**
 * globalAvgPoolBackward: dx[i] = dy[i / hw] / hw, one thread per dx element. The
 * division is a real one here (WGSL: within 2.5 ULP), not a product with f32(1/hw).
 */
export function globalAvgPoolBackwardShader(): string {
  return `
fn element(i: u32) {
  dx_st(i, dy_ld(i / params.hw) / f32(params.hw));
}
`;
}
