/**
 * GPU optimizers (src/train/optim.ts) vs their float64 CPU references
 * (src/train/optim-reference.ts), step by step.
 *
 * Tolerance, derived: the reference runs in float64 on the same float32 inputs
 * and, alongside, propagates a first-order bound on the float32 pass's error
 * through the update rule: every float32 operation adds u (2⁻²⁴) relative
 * error of its result's magnitude (WGSL's division 2.5 ulp and sqrt 4.5 ulp
 * count as 3u and 5u; each host scalar rounded to f32 adds u), and the state's
 * existing error propagates through the same linear maps as the state (e.g.
 * e_m ← β1·e_m + (1 − β1)·e_g + …). The GPU must stay within 1.05× that bound
 * (the 5% covers the dropped second-order terms), after every step.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, DisposedError, ShapeError, type Engine, type Tensor } from '../src/index.js';
import { adamStepReference, createAdam, createSgd, sgdStepReference, type AdamOptions, type SgdOptions } from '../src/train/index.js';
import { useEngine } from './helpers/engine.js';
import { randomData, rng } from './helpers/random.js';

const U = 2 ** -24;
const h = useEngine();
const SHAPES = [[10, 100], [7]];

function expectWithin(got: Float32Array, ref: Float64Array, bound: Float64Array, what: string): void {
  for (let i = 0; i < ref.length; i++) {
    const tol = 1.05 * bound[i] + 1e-30;
    if (!(Math.abs(got[i] - ref[i]) <= tol))
      expect.fail(`${what} element ${i}: gpu=${got[i]} ref=${ref[i]} |err|=${Math.abs(got[i] - ref[i])} bound=${tol}`);
  }
}

/** Fixed random gradients: grads[step][param]. */
function gradients(steps: number, seed: number): Float32Array[][] {
  const r = rng(seed);
  return Array.from({ length: steps }, () =>
    SHAPES.map((s) =>
      randomData(
        s.reduce((a, b) => a * b, 1),
        r,
      ),
    ),
  );
}

function upload(e: Engine, data: Float32Array[]): Tensor[] {
  return data.map((d, i) => e.tensor(d, SHAPES[i]));
}

describe('SGD: GPU trajectory == float64 reference within the propagated float32 bound', () => {
  const cases: SgdOptions[] = [
    { lr: 0.1 },
    { lr: 0.05, momentum: 0.9 },
    { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0.01 },
    { lr: 0.02, momentum: 0.9, nesterov: true, weightDecay: 0.1 },
  ];
  for (const options of cases) {
    it(JSON.stringify(options), async () => {
      const e = h.engine;
      const o = { lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...options };
      const init = SHAPES.map((s, i) =>
        randomData(
          s.reduce((a, b) => a * b, 1),
          rng(100 + i),
        ),
      );
      const params = upload(e, init);
      const opt = createSgd(e, params, options);
      const ref = init.map((d) => ({ param: Float64Array.from(d), buf: new Float64Array(d.length) }));
      const ep = init.map((d) => new Float64Array(d.length));
      const eb = init.map((d) => new Float64Array(d.length));
      const steps = 8;
      for (const [t, gs] of gradients(steps, 1).entries()) {
        const grads = upload(e, gs);
        opt.step(grads);
        for (const g of grads) g.dispose();
        ref.forEach((s, k) => {
          for (let i = 0; i < s.param.length; i++) {
            const p = s.param[i];
            let g = gs[k][i];
            let eg = 0;
            if (o.weightDecay !== 0) {
              eg = o.weightDecay * ep[k][i] + 3 * U * (Math.abs(g) + o.weightDecay * Math.abs(p));
              g += o.weightDecay * p;
            }
            if (o.momentum !== 0) {
              const b0 = s.buf[i];
              if (t === 0) eb[k][i] = eg;
              else
                eb[k][i] =
                  o.momentum * eb[k][i] + (1 - o.dampening) * eg + 5 * U * (o.momentum * Math.abs(b0) + Math.abs((1 - o.dampening) * g));
              const b = t === 0 ? g : o.momentum * b0 + (1 - o.dampening) * g;
              if (o.nesterov) eg = eg + o.momentum * eb[k][i] + 4 * U * (Math.abs(g) + o.momentum * Math.abs(b));
              else eg = eb[k][i];
              g = o.nesterov ? g + o.momentum * b : b;
            }
            ep[k][i] += o.lr * eg + 2 * U * o.lr * Math.abs(g) + U * Math.abs(p - o.lr * g);
          }
          sgdStepReference(s, gs[k], o, t + 1);
        });
        for (const [k, p] of params.entries()) expectWithin(await p.read(), ref[k].param, ep[k], `step ${t + 1} param ${k}`);
        if (o.momentum !== 0)
          for (const k of [0, 1]) expectWithin(await opt.state(k)[0].read(), ref[k].buf, eb[k], `step ${t + 1} buf ${k}`);
      }
      expect(opt.steps).toBe(steps);
      opt.dispose();
      for (const p of params) p.dispose();
    });
  }
});

describe('Adam: GPU trajectory == float64 reference within the propagated float32 bound', () => {
  const cases: AdamOptions[] = [{ lr: 0.01 }, { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.05 }, {}];
  for (const options of cases) {
    it(JSON.stringify(options), async () => {
      const e = h.engine;
      const o = { lr: 1e-3, betas: [0.9, 0.999] as const, eps: 1e-8, weightDecay: 0, ...options };
      const [b1, b2] = o.betas;
      const init = SHAPES.map((s, i) =>
        randomData(
          s.reduce((a, b) => a * b, 1),
          rng(200 + i),
        ),
      );
      const params = upload(e, init);
      const opt = createAdam(e, params, options);
      const ref = init.map((d) => ({ param: Float64Array.from(d), m: new Float64Array(d.length), v: new Float64Array(d.length) }));
      const err = init.map((d) => ({ p: new Float64Array(d.length), m: new Float64Array(d.length), v: new Float64Array(d.length) }));
      const steps = 10;
      for (const [t, gs] of gradients(steps, 2).entries()) {
        const grads = upload(e, gs);
        opt.step(grads);
        for (const g of grads) g.dispose();
        const step = t + 1;
        const ss = o.lr / (1 - b1 ** step);
        const bc2s = Math.sqrt(1 - b2 ** step);
        ref.forEach((s, k) => {
          const E = err[k];
          for (let i = 0; i < s.param.length; i++) {
            const p = s.param[i];
            let g = gs[k][i];
            let eg = 0;
            if (o.weightDecay !== 0) {
              eg = o.weightDecay * E.p[i] + 3 * U * (Math.abs(g) + o.weightDecay * Math.abs(p));
              g += o.weightDecay * p;
            }
            const m0 = s.m[i];
            const v0 = s.v[i];
            E.m[i] = b1 * E.m[i] + (1 - b1) * eg + 4 * U * (Math.abs(m0) + Math.abs(g));
            E.v[i] = b2 * E.v[i] + (1 - b2) * 2 * Math.abs(g) * eg + 6 * U * (b2 * v0 + (1 - b2) * g * g);
            const m = b1 * m0 + (1 - b1) * g;
            const v = b2 * v0 + (1 - b2) * g * g;
            const sv = Math.sqrt(v);
            const den = sv / bc2s + o.eps;
            const eden = (E.v[i] / (2 * sv) + 9 * U * sv) / bc2s + U * den + U * o.eps;
            const delta = (ss * m) / den;
            E.p[i] += ss * (E.m[i] / den + (Math.abs(m) * eden) / (den * den)) + 5 * U * Math.abs(delta) + U * Math.abs(p - delta);
          }
          adamStepReference(s, gs[k], o, step);
        });
        for (const [k, p] of params.entries()) {
          expectWithin(await p.read(), ref[k].param, err[k].p, `step ${step} param ${k}`);
          const [m, v] = opt.state(k);
          expectWithin(await m.read(), ref[k].m, err[k].m, `step ${step} m ${k}`);
          expectWithin(await v.read(), ref[k].v, err[k].v, `step ${step} v ${k}`);
        }
      }
      opt.dispose();
      for (const p of params) p.dispose();
    });
  }

  it('converges on a convex quadratic (mseLoss to a target), with no read-back until the end', async () => {
    const e = h.engine;
    const n = 4096;
    const target = e.tensor(randomData(n, rng(3)), [1, 1, 64, 64]);
    const x = e.tensor(new Float32Array(n), [1, 1, 64, 64]);
    const l0 = e.mseLoss(x, target);
    const start = (await l0.read())[0];
    l0.dispose();
    const opt = createAdam(e, [x], { lr: 0.05 });
    const submitsBefore = e.stats().submits;
    for (let i = 0; i < 300; i++) {
      const g = e.mseLossBackward(x, target);
      opt.step([g]);
      g.dispose();
      if (i === 150) opt.lr = 0.01; // a schedule: lr is read at each step
    }
    // 2 passes per step, batched 64 to a submit: nothing waited on the GPU in the loop.
    expect(e.stats().submits - submitsBefore).toBeLessThanOrEqual(Math.ceil(600 / 64) + 1);
    const l = e.mseLoss(x, target);
    const end = (await l.read())[0];
    expect(start).toBeGreaterThan(0.2);
    expect(end).toBeLessThan(1e-6 * start);
    for (const t of [l, x, target]) t.dispose();
    opt.dispose();
  });
});

describe('optimizers: lifetime and errors', () => {
  it('zeroState restarts the trajectory; dispose frees every state buffer (live buffers back to the start)', async () => {
    const e = h.engine;
    await e.flush();
    e.trim();
    const start = e.stats().liveBuffers;
    const p = e.tensor([1, 2, 3, 4], [4]);
    const g = e.tensor([0.5, -1, 2, 0.1], [4]);
    const opt = createAdam(e, [p], { lr: 0.1 });
    opt.step([g]);
    const afterOne = await p.read();
    opt.step([g]);
    opt.zeroState();
    expect(opt.steps).toBe(0);
    expect([...(await opt.state(0)[0].read())]).toEqual([0, 0, 0, 0]);
    const before = await p.read();
    opt.step([g]); // a first step again: the same displacement as the very first one (bias correction restarts)
    const after = await p.read();
    for (let i = 0; i < 4; i++) expect(after[i] - before[i]).toBeCloseTo(afterOne[i] - [1, 2, 3, 4][i], 5);
    const sgd = createSgd(e, [p], { momentum: 0.9 });
    sgd.step([g]);
    sgd.dispose();
    sgd.dispose();
    opt.dispose();
    expect(() => opt.step([g])).toThrow(new DisposedError('adam.step: the optimizer was disposed'));
    p.dispose();
    g.dispose();
    await e.flush();
    e.trim();
    expect(e.stats().liveBuffers).toBe(start);
  });

  it('a step updates a conv weight in place and the next conv sees it (prepacked copies are dropped)', async () => {
    const e = h.engine;
    const x = e.tensor(randomData(2 * 16, rng(5)), [1, 2, 4, 4]);
    const w = e.tensor(randomData(2 * 3 * 9, rng(6)), [2, 3, 3, 3]);
    const y0 = e.convTranspose2d(x, w, null, { stride: 2 });
    const zero = e.tensor(new Float32Array(54), [2, 3, 3, 3]);
    const opt = createSgd(e, [w], { lr: 1, weightDecay: 1 }); // p ← p − (0 + p) = 0
    opt.step([zero]);
    const y1 = e.convTranspose2d(x, w, null, { stride: 2 });
    expect((await y0.read()).some((v) => v !== 0)).toBe(true);
    expect([...(await w.read())].every((v) => v === 0)).toBe(true);
    expect([...(await y1.read())].every((v) => v === 0)).toBe(true);
    opt.dispose();
    for (const t of [x, w, y0, y1, zero]) t.dispose();
  });

  it('arguments are checked, naming the optimizer, argument and rule', () => {
    const e = h.engine;
    const p = e.tensor([1, 2], [2]);
    const q = e.tensor([1, 2, 3], [3]);
    expect(() => createAdam(e, [p], { betas: [0.9, 1] })).toThrow(new ArgumentError('createAdam: betas[1] 1 must be in [0, 1)'));
    expect(() => createAdam(e, [p], { lr: -1 })).toThrow('createAdam: lr -1 must be >= 0');
    expect(() => createAdam(e, [p], { amsgrad: true } as never)).toThrow("createAdam: unknown option 'amsgrad'");
    expect(() => createSgd(e, [p], { nesterov: true })).toThrow('createSgd: nesterov needs momentum > 0 and dampening 0');
    expect(() => createSgd(e, [p, p])).toThrow('createSgd: params[1] is params[0] again');
    expect(() => createSgd(e, [])).toThrow('createSgd: params must be a non-empty array of tensors');
    const opt = createSgd(e, [p]);
    expect(() => opt.step([q])).toThrow(new ShapeError('sgd.step: grads[0] [3] must have the shape of params[0] [2]'));
    expect(() => opt.step([])).toThrow('sgd.step: needs 1 gradients (one per parameter), got 0');
    expect(() => opt.step([p])).toThrow('sgd.step: grads[0] is params[0] itself');
    expect(() => (opt.lr = Number.NaN)).toThrow('sgd: lr NaN must be a finite number');
    opt.dispose();
    p.dispose();
    q.dispose();
  });
});
