/**
 * train() against the float64 CPU references, and learnableBlur inside a Sequential.
 *
 * 1. train() with Adam, step by step: runs of 1, 2 and 3 steps from the same
 *    starting weights on one fixed pair give the GPU's W_1, W_2, W_3 (the runs
 *    are deterministic: their common steps report bit-identical losses). Step t
 *    is checked against one float64 Adam step (adamStepReference) applied to the
 *    GPU's own W_{t−1}, with gradients from central differences of the float64
 *    CPU forward of the mse loss at W_{t−1} (exact: the net is affine in each
 *    single weight away from the relu kinks, asserted as in train-backward), and
 *    the reference's m, v carried over from its earlier steps.
 *
 *    Tolerance, derived. The GPU's gradient of step s is off by at most
 *    E_s = (K + 2)·u·M_s (u = 2⁻²⁴, K = roundingDepth, M_s the gradient of the
 *    "abs" network taken against |∂L/∂pred| + 2·S/n, S its forward output: the
 *    second term is what the float32 pred − y carries into ∂L/∂pred = 2(pred − y)/n).
 *    Adam's moments then lie in m ± δm, v ± δv with
 *      δm_t = β1·δm + (1 − β1)·E_t + 4u(|m_{t−1}| + |g_t|),
 *      δv_t = β2·δv + (1 − β2)(2|g_t|·E_t + E_t²) + 6u(β2·v_{t−1} + (1 − β2)g_t²)
 *    (the second parts: the f32 pass's own rounding, as in optim.test.ts), and the
 *    update Δ = α_t·m/(√v/√(1 − β2^t) + ε), α_t = lr/(1 − β1^t), lies between the
 *    corners of that box (denominator ± 12u more): a rigorous interval, wide where
 *    E is comparable to |g| (|g| tiny: a rounding-sized gradient can flip an update
 *    ≈ lr·sign(g)). Whatever the gradients, |Δ| ≤ lr·C_t (Cauchy–Schwarz on m against v),
 *      C_t = (1 − β1)/(1 − β1^t)·√(1 − β2^t)·√(Σ_{j<t} β1^{2j}/((1 − β2)·β2^j))   (C_1 = 1),
 *    so the spread is capped at |Δ_ref| + lr·C_t. The box treats m and v as
 *    independent, which overstates it (step 1 is lr·g/(|g| + ε), blind to |g|), so
 *    where v is known to 1% (δv ≤ 0.01·v) the spread is also bounded at first order,
 *    the errors moving m and v together: Σ_s |∂Δ/∂g_s|·E_s + the moments' rounding,
 *    times 1.1 (the second order is ≤ 1% there). On top: the f32 rounding of the
 *    step size, bias correction, quotient and p − Δ: 6u·|Δ| + 2u·|p|, all times 1.05.
 *    Not vacuous: ≥ 90% of the updates must get a bound under 5% of themselves.
 *    The reported loss of step t is the loss at W_{t−1}: off by ≤ (2/n)Σ|pred − y|·K·u·S
 *    + (n + 4)·u·L (pred's error through the square, and the f32 mean).
 *
 * 2. learnableBlur in convT(k3 s2) → learnableBlur → conv: Sequential.backward ==
 *    central differences of the float64 CPU forward (gaussianBlur on Float64Array
 *    data), for every weight (exact differences, bound K·u·(abs-network gradient))
 *    and the per-channel '1.sigma' (bound derived where it is computed); then one
 *    train() step moves σ by Adam's first step, −lr·g/(|g| + ε), and more steps keep moving it.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { Sequential, train, type StateDict, type Tensor } from '../src/index.js';
import { gaussianTaps } from '../src/ops/gaussian-blur.js';
import { adamStepReference } from '../src/train/index.js';
import { useEngine } from './helpers/engine.js';
import { centralDiff, expectGradClose, type FdResult } from './helpers/finite-diff.js';
import { randomData, rng } from './helpers/random.js';
import { absParams, cpuForward, gpuLayers, roundingDepth, type Params64, type Spec } from './helpers/train-nets.js';

const U = 2 ** -24;
const H = 1e-5;
const h = useEngine();

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const t64 = (data: Float64Array, shape: number[]): CpuTensor => ({ data: data as unknown as Float32Array, shape });

function to64(sd: StateDict): Params64 {
  return Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, { shape: v.shape, data: Float64Array.from(v.data) }]));
}

/** Central differences of <net(x), dy> in every element of parameter `name`, all others held (abs: the magnitude network). */
function paramDiff(
  specs: Spec[],
  params: Params64,
  name: string,
  x: CpuTensor,
  dy: ArrayLike<number>,
  step: number,
  abs = false,
): FdResult {
  const p = params[name];
  const wrap = (v: CpuTensor): Params64 => ({ ...params, [name]: { shape: p.shape, data: v.data as unknown as Float64Array } });
  return centralDiff((v) => cpuForward(specs, wrap(v), x, abs), t64(p.data.slice(), p.shape), dy, step);
}

describe('train() with Adam == float64 Adam steps on float64 CPU gradients, step by step', () => {
  const SPECS: Spec[] = [
    { kind: 'convT', cin: 2, cout: 4, k: 4, s: 2, p: 1 },
    { kind: 'relu' },
    { kind: 'conv', cin: 4, cout: 2, k: 3, p: 1 },
  ];
  const X_SHAPE = [1, 2, 4, 4];
  const Y_SHAPE = [1, 2, 8, 8];
  const LR = 0.01;
  const [B1, B2, EPS] = [0.9, 0.999, 1e-8];
  const STEPS = 3;

  it(`convT(k4 s2 p1) + relu + conv(k3 p1), mse, adam lr ${LR}, ${STEPS} steps`, async () => {
    const e = h.engine;
    const before = e.stats().liveTensors;
    const xData = randomData(size(X_SHAPE), rng(21));
    const yData = randomData(size(Y_SHAPE), rng(22));
    const pairs = (): { x: Tensor; y: Tensor } => ({ x: e.tensor(xData, X_SHAPE), y: e.tensor(yData, Y_SHAPE) });
    const net = new Sequential(e, gpuLayers(SPECS), { seed: 5 });
    const w0 = await net.stateDict();
    const weights: StateDict[] = [w0];
    const runs: number[][] = [];
    for (let steps = 1; steps <= STEPS; steps++) {
      net.loadStateDict(w0);
      const { losses } = await train(net, { pairs, steps, optimizer: { kind: 'adam', lr: LR } });
      expect(losses.map((l) => l.step)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
      runs.push(losses.map((l) => l.loss));
      weights.push(await net.stateDict());
    }
    // The longer runs pass through the shorter runs' weights: the same losses, bit for bit.
    for (let r = 1; r < STEPS; r++) expect(runs[r].slice(0, r), `run of ${r + 1} steps vs run of ${r}: losses`).toEqual(runs[r - 1]);

    const x64 = t64(Float64Array.from(xData), X_SHAPE);
    const xAbs = t64(Float64Array.from(xData, Math.abs), X_SHAPE);
    const n = yData.length;
    const K = roundingDepth(SPECS, X_SHAPE);
    const names = Object.keys(w0);
    const state = Object.fromEntries(
      names.map((k) => {
        const len = w0[k].data.length;
        const z = (): Float64Array => new Float64Array(len);
        return [k, { m: z(), v: z(), dm: z(), dv: z(), mr: z(), vr: z(), g: [] as Float64Array[], E: [] as Float64Array[] }];
      }),
    );
    let cSum = 0;
    let tight = 0;
    let total = 0;
    for (let t = 1; t <= STEPS; t++) {
      const params = to64(weights[t - 1]);
      const pre: Float64Array[] = [];
      const pred = cpuForward(SPECS, params, x64, false, pre).data as unknown as Float64Array;
      // Margin from the relu kink: as train-backward.test.ts (a step H moves z by ≤ H; the GPU's z is off by ≪ H).
      for (const z of pre) expect(Math.min(...z.map(Math.abs)), `step ${t}: smallest |pre-activation|`).toBeGreaterThan(4 * H);
      const dy = pred.map((p, j) => (2 * (p - yData[j])) / n);
      const S = cpuForward(SPECS, absParams(params), xAbs, true).data as unknown as Float64Array;
      const dyMag = dy.map((d, j) => Math.abs(d) + (2 * S[j]) / n);

      // Loss reported at step t == mse at W_{t−1}.
      let L = 0;
      let lossBound = 0;
      for (let j = 0; j < n; j++) {
        const d = pred[j] - yData[j];
        L += (d * d) / n;
        lossBound += (2 * Math.abs(d) * K * U * S[j] + (K * U * S[j]) ** 2) / n;
      }
      lossBound += (n + 4) * U * L;
      const reported = runs[STEPS - 1][t - 1];
      expect(
        Math.abs(reported - L),
        `step ${t}: train() loss ${reported} vs CPU ${L} (bound ${lossBound.toExponential(2)})`,
      ).toBeLessThanOrEqual(lossBound);

      cSum += B1 ** (2 * (t - 1)) / ((1 - B2) * B2 ** (t - 1));
      const C = ((1 - B1) / (1 - B1 ** t)) * Math.sqrt(1 - B2 ** t) * Math.sqrt(cSum);
      const alpha = LR / (1 - B1 ** t);
      const bc2 = Math.sqrt(1 - B2 ** t);
      for (const name of names) {
        const g = paramDiff(SPECS, params, name, x64, dy, H);
        const mag = paramDiff(SPECS, absParams(params), name, xAbs, dyMag, H, true);
        const s = state[name];
        const p0 = params[name].data;
        const ref = { param: p0.slice(), m: s.m, v: s.v };
        const m0 = s.m.slice();
        const v0 = s.v.slice();
        adamStepReference(ref, g.grad, { lr: LR, betas: [B1, B2], eps: EPS, weightDecay: 0 }, t);
        s.g.push(g.grad);
        s.E.push(g.grad.map((_, i) => (K + 2) * U * (Math.abs(mag.grad[i]) + mag.tol[i]) + g.tol[i]));
        const got = weights[t][name].data;
        for (let i = 0; i < p0.length; i++) {
          const gi = g.grad[i];
          const E = s.E[t - 1][i];
          // The f32 pass's own rounding of the moments, and the whole box (gradient errors + rounding).
          s.mr[i] = B1 * s.mr[i] + 4 * U * (Math.abs(m0[i]) + Math.abs(gi));
          s.vr[i] = B2 * s.vr[i] + 6 * U * (B2 * v0[i] + (1 - B2) * gi * gi);
          s.dm[i] = B1 * s.dm[i] + (1 - B1) * E + 4 * U * (Math.abs(m0[i]) + Math.abs(gi));
          s.dv[i] = B2 * s.dv[i] + (1 - B2) * (2 * Math.abs(gi) * E + E * E) + 6 * U * (B2 * v0[i] + (1 - B2) * gi * gi);
          const [m, v] = [s.m[i], s.v[i]];
          const delta = p0[i] - ref.param[i];
          const den = (w: number): number => Math.sqrt(Math.max(0, w)) / bc2 + EPS;
          let box = 0;
          for (const mm of [m - s.dm[i], m + s.dm[i]]) {
            for (const d of [den(v - s.dv[i]) * (1 - 12 * U), den(v + s.dv[i]) * (1 + 12 * U)])
              box = Math.max(box, Math.abs((alpha * mm) / d - delta));
          }
          let spread = Math.min(box, Math.abs(delta) + LR * C);
          if (s.dv[i] <= 0.01 * v) {
            // v known to 1%: first order in the gradient errors, correlated through m and v alike
            // (∂Δ/∂g_s = α[(1 − β1)β1^{t−s}/D − m(1 − β2)β2^{t−s}g_s/(bc·√v·D²)]); 1.1× covers the ≤ 1% second order.
            const D = den(v);
            let fo = (alpha * s.mr[i]) / D + (Math.abs(delta) * s.vr[i]) / (2 * bc2 * Math.sqrt(v) * D) + 12 * U * Math.abs(delta);
            for (let k = 1; k <= t; k++) {
              const gs = s.g[k - 1][i];
              const dd = alpha * (((1 - B1) * B1 ** (t - k)) / D - (m * (1 - B2) * B2 ** (t - k) * gs) / (bc2 * Math.sqrt(v) * D * D));
              fo += Math.abs(dd) * s.E[k - 1][i];
            }
            spread = Math.min(spread, 1.1 * fo);
          }
          const bound = 1.05 * (spread + 6 * U * Math.abs(delta) + 2 * U * Math.abs(p0[i])) + 1e-30;
          const err = Math.abs(p0[i] - got[i] - delta);
          if (!(err <= bound)) {
            expect.fail(
              `step ${t} ${name}[${i}]: GPU update ${p0[i] - got[i]} vs reference ${delta} (g ${gi}, gradient bound ${E.toExponential(2)}): |err| ${err.toExponential(3)} > bound ${bound.toExponential(3)}`,
            );
          }
          total++;
          if (spread < 0.05 * Math.abs(delta)) tight++;
        }
      }
    }
    // Not vacuous: 90% of the updates are pinned to within 5% (most far closer), so a bias-correction, β or sign
    // slip shows; only the rest (gradients near their own rounding) get the lr·C_t slack.
    expect(tight / total, `fraction of updates checked to 5% (${tight} of ${total})`).toBeGreaterThan(0.9);
    net.dispose();
    expect(e.stats().liveTensors).toBe(before);
  });
});

describe('learnableBlur inside a Sequential: convT(k3 s2) → learnableBlur → conv', () => {
  const SPECS: Spec[] = [
    { kind: 'convT', cin: 2, cout: 3, k: 3, s: 2, p: 1 },
    { kind: 'blur', channels: 3, sigma: 0.8, k: 5 },
    { kind: 'conv', cin: 3, cout: 2, k: 3, p: 1 },
  ];
  const X_SHAPE = [1, 2, 4, 4];
  const SIGMA = [0.6, 0.9, 1.3];

  it('backward == central differences of the float64 CPU forward, weights and per-channel σ; train() moves σ', async () => {
    const e = h.engine;
    const before = e.stats().liveTensors;
    const net = new Sequential(e, gpuLayers(SPECS), { seed: 9 });
    const sd = await net.stateDict();
    expect(Object.keys(sd)).toEqual(['0.weight', '0.bias', '1.sigma', '2.weight', '2.bias']);
    expect(Array.from(sd['1.sigma'].data)).toEqual(Array(3).fill(Math.fround(0.8)));
    net.loadStateDict({ ...sd, '1.sigma': { shape: [3], data: Float32Array.from(SIGMA) } });

    const xData = randomData(size(X_SHAPE), rng(31));
    const x = e.tensor(xData, X_SHAPE);
    const y = net.forward(x, { training: true });
    expect(y.shape).toEqual([1, 2, 7, 7]);
    const dyData = randomData(y.size, rng(32));
    const dy = e.tensor(dyData, y.shape);
    net.backward(dy);
    const grads = Object.fromEntries(await Promise.all(net.parameters().map(async (p) => [p.name, await p.grad!.read()] as const)));
    const params = to64(await net.stateDict());
    const x64 = t64(Float64Array.from(xData), X_SHAPE);
    const xAbs = t64(Float64Array.from(xData, Math.abs), X_SHAPE);
    const dy64 = Float64Array.from(dyData);
    const dyAbs = dy64.map(Math.abs);
    const K = roundingDepth(SPECS, X_SHAPE);
    const abs = absParams(params);

    // Weights and biases: the net is affine in each (no activation), so central differences are exact;
    // the float32 bound is K·u times the abs network's gradient (taps ≥ 0: the blur is its own "abs").
    for (const name of ['0.weight', '0.bias', '2.weight', '2.bias']) {
      const fd = paramDiff(SPECS, params, name, x64, dy64, H);
      const mag = paramDiff(SPECS, abs, name, xAbs, dyAbs, H, true);
      const bound = mag.grad.map((m, i) => K * U * (Math.abs(m) + mag.tol[i]));
      expectGradClose(grads[name], fd, `blur net ${name} (K=${K})`, { truncation: bound, analyticMag: new Float64Array(bound.length) });
    }

    // σ: L is smooth but not affine in σ. Truncation h²/6·|L'''| is estimated from the step-halving
    // difference (fd(2h) − fd(h) ≈ h²/2·L''', three times the truncation) and taken whole as the bound.
    // Float32: K·u·M_σ with M_σ = Σ_{n,h,w} |dy at the blur| · Σ_ij (ĝ'_i g_j + g_i ĝ'_j)·|x at the blur|, where
    // ĝ'_i = g_i((i − r)² + m)/σ³ ≥ |g'_i| = g_i|(i − r)² − m|/σ³ bounds the tap derivative and the f32 cancellation
    // in (i − r)² − m alike; |dy at the blur| is the conv's adjoint (convTranspose2d, same weight) of |dy| with |w|.
    const hs = 1e-3;
    const fdS = paramDiff(SPECS, params, '1.sigma', x64, dy64, hs);
    const fdS2 = paramDiff(SPECS, params, '1.sigma', x64, dy64, 2 * hs);
    const xb = cpuForward(SPECS.slice(0, 1), abs, xAbs, true);
    const [, C, Hh, Ww] = xb.shape;
    const w2 = abs['2.weight'];
    const r = 2;
    /** K·u·M_σ per channel, for |dy| (at the net's output) = dyMag. */
    const sigmaRounding = (dyMag: Float64Array): number[] => {
      const dyb = cpu.convTranspose2d(t64(dyMag, [...y.shape]), t64(w2.data, w2.shape), null, { padding: 1 });
      return SIGMA.map((sigma, c) => {
        const { g } = gaussianTaps(sigma, 5);
        const m = g.reduce((acc, v, i) => acc + v * (i - r) ** 2, 0);
        const gd = g.map((v, i) => (v * ((i - r) ** 2 + m)) / sigma ** 3);
        let M = 0;
        for (let i = 0; i < Hh; i++) {
          for (let j = 0; j < Ww; j++) {
            let acc = 0;
            for (let a = -r; a <= r; a++) {
              for (let b = -r; b <= r; b++) {
                const [ii, jj] = [i + a, j + b];
                if (ii >= 0 && ii < Hh && jj >= 0 && jj < Ww)
                  acc += (gd[a + r] * g[b + r] + g[a + r] * gd[b + r]) * xb.data[(c * Hh + ii) * Ww + jj];
              }
            }
            M += dyb.data[(c * Hh + i) * Ww + j] * acc;
          }
        }
        return K * U * M;
      });
    };
    const boundS = sigmaRounding(dyAbs).map((b, c) => b + Math.abs(fdS2.grad[c] - fdS.grad[c]));
    expect(C).toBe(3);
    expectGradClose(grads['1.sigma'], fdS, `blur net 1.sigma (K=${K}, sigma [${SIGMA}])`, {
      truncation: boundS,
      analyticMag: new Float64Array(3),
    });
    for (const t of [y, dy]) t.dispose();

    // train(): Adam's first step moves σ by lr·g/(|g| + ε) (m = (1 − β1)g, √v/√(1 − β2) = |g|), g the GPU's ∂L/∂σ.
    // With the f32 g within b of the float64 one (b < |g|: same sign), that is off by ≤ lr·ε·b/((|g| − b)·|g|),
    // plus the pass's rounding (8u·lr for the scalars and the quotient, 2u·σ for σ − Δ).
    // Target 0: L = mean(net(x)²), which a wider blur lowers: ∂L/∂σ ≈ −0.91, −0.049, −0.0039 here, the last
    // just inside its f32 bound (a pessimistic γ_n over the N·H·W·k² terms of dσ), so 2 of 3 signs are proven.
    const yT = new Float32Array(y.size);
    const pairs = (): { x: Tensor; y: Tensor } => ({ x: e.tensor(xData, X_SHAPE), y: e.tensor(yT, [1, 2, 7, 7]) });
    const lr = 0.02;
    const pred = cpuForward(SPECS, params, x64).data as unknown as Float64Array;
    const S = cpuForward(SPECS, abs, xAbs, true).data as unknown as Float64Array;
    const dL = pred.map((p, j) => (2 * (p - yT[j])) / pred.length);
    const gS = paramDiff(SPECS, params, '1.sigma', x64, dL, hs);
    const gS2 = paramDiff(SPECS, params, '1.sigma', x64, dL, 2 * hs);
    const bS = sigmaRounding(dL.map((d, j) => Math.abs(d) + (2 * S[j]) / pred.length)).map(
      (b, c) => b + Math.abs(gS2.grad[c] - gS.grad[c]) + gS.tol[c],
    );
    const first = await train(net, { pairs, steps: 1, optimizer: { kind: 'adam', lr } });
    const s1 = (await net.stateDict())['1.sigma'].data;
    let proven = 0;
    for (let c = 0; c < 3; c++) {
      const g = gS.grad[c];
      const moved = Math.fround(SIGMA[c]) - s1[c];
      // Where the bound cannot settle the sign of the GPU's g, the move is still ±lr·|g|/(|g| + ε): check its size.
      const sure = Math.abs(g) > bS[c];
      const want = sure ? (lr * g) / (Math.abs(g) + 1e-8) : Math.sign(moved) * lr * (1 - 1e-8 / (Math.abs(g) + 1e-8));
      const slack = sure ? (lr * 1e-8 * bS[c]) / ((Math.abs(g) - bS[c]) * Math.abs(g)) : (lr * 1e-8) / Math.abs(g);
      const tol = 1.05 * (slack + 8 * U * lr + 2 * U * SIGMA[c]);
      if (sure) proven++;
      expect(
        Math.abs(moved - want),
        `σ_${c} after one Adam step: moved ${moved}, want ${want} (∂L/∂σ ${g} ± ${bS[c].toExponential(2)})`,
      ).toBeLessThanOrEqual(tol);
    }
    expect(proven, 'channels whose step direction the float64 gradient fixes').toBeGreaterThanOrEqual(2);
    const more = await train(net, { pairs, steps: 4, optimizer: { kind: 'adam', lr } });
    const s5 = (await net.stateDict())['1.sigma'].data;
    for (let c = 0; c < 3; c++) expect(s5[c], `σ_${c} after 4 more steps`).not.toBe(s1[c]);
    expect(more.losses.at(-1)!.loss).toBeLessThan(first.losses[0].loss);
    x.dispose();
    net.dispose();
    expect(e.stats().liveTensors).toBe(before);
  });
});
