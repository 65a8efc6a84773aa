/**
 * PReLU fused into the conv epilogue (`preluSlope`): v ↦ v ≥ 0 ? v : slope[c]·v in place of the
 * activation, then outputScale, the depth-to-space store and the residual. The fused result must
 * equal the plain chain (conv, prelu, mul, depthToSpace, add) bit for bit: the conv sums are the
 * same code, and each later stage is one float32 operation in both. Checked on every conv kernel
 * (direct, tiled, Winograd, and the transposed conv), on the CPU reference, and through a model
 * graph whose PReLU nodes the planner folds (no separate PReLU pass runs).
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { ArgumentError, ShapeError } from '../src/core/errors.js';
import type { Engine, Tensor } from '../src/index.js';
import type { PipelineCache } from '../src/gpu/pipeline-cache.js';
import type { GraphNode, ModelGraph } from '../src/model/ir.js';
import { planSteps, prepareGraph } from '../src/model/run-graph.js';
import { runModelGraph } from '../src/model/run-cpu.js';
import { expectExact } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { pick, randInt, randomData, randomTensor, rng } from './helpers/random.js';

const kernels = {
  direct: useEngine({ convKernel: 'direct', winograd: 'off' }),
  tiled: useEngine({ convKernel: 'tiled', winograd: 'off' }),
  winograd: useEngine({ convKernel: 'direct', winograd: 'f63' }),
};
const graphEngine = useEngine({ convKernel: 'direct', winograd: 'off' });

const keys = (e: Engine): string[] => (e as unknown as { cache: PipelineCache }).cache.keys();
const t = randomTensor;

interface Case {
  transposed: boolean;
  x: CpuTensor;
  w: CpuTensor;
  b: CpuTensor | null;
  slope: CpuTensor;
  padding: number;
  stride: number;
  scale?: number;
  shuffle?: { r: number; mode: 'CRD' | 'DCR' };
  residual: boolean;
}

/** Slopes of both signs, zero and above one: a wrong channel index or a wrong branch shows. */
function slopes(n: number, r: () => number): CpuTensor {
  return { data: Float32Array.from({ length: n }, () => pick(r, [0, 0.25, -0.5, 1.5, r() - 0.5])), shape: [n] };
}

function randomCase(r: () => number, transposed: boolean): Case {
  const cIn = randInt(r, 1, 12);
  const cOut = 4 * randInt(r, 1, 5);
  const x = t([randInt(r, 1, 2), cIn, randInt(r, 3, 11), randInt(r, 3, 11)], r);
  return {
    transposed,
    x,
    w: transposed ? t([cIn, cOut, 4, 4], r) : t([cOut, cIn, 3, 3], r),
    b: r() < 0.7 ? t([cOut], r) : null,
    slope: slopes(r() < 0.3 ? 1 : cOut, r),
    padding: 1,
    stride: transposed ? 2 : 1,
    scale: r() < 0.4 ? pick(r, [0.5, -2]) : undefined,
    shuffle: r() < 0.4 ? { r: 2, mode: pick(r, ['CRD', 'DCR'] as const) } : undefined,
    residual: r() < 0.5,
  };
}

/** The fused conv and the plain chain on one engine; both results read back. */
async function runBoth(e: Engine, c: Case, r: () => number): Promise<{ fused: Float32Array; plain: Float32Array }> {
  const up = (v: CpuTensor) => e.tensor(v.data, v.shape);
  const [x, w, slope] = [up(c.x), up(c.w), up(c.slope)];
  const b = c.b ? up(c.b) : null;
  const geo = { padding: c.padding, stride: c.stride };
  const conv = (options: object): Tensor =>
    c.transposed ? e.convTranspose2d(x, w, b, { ...geo, ...options }) : e.conv2d(x, w, b, { ...geo, ...options });
  const made: Tensor[] = [x, w, slope, ...(b ? [b] : [])];
  // The plain chain, which also gives the residual's shape.
  let y = conv({});
  made.push(y);
  y = e.prelu(y, slope);
  made.push(y);
  if (c.scale !== undefined) made.push((y = e.mul(y, c.scale)));
  if (c.shuffle) made.push((y = e.depthToSpace(y, c.shuffle.r, { mode: c.shuffle.mode })));
  let residual: Tensor | null = null;
  if (c.residual) {
    residual = e.tensor(randomData(y.size, r), y.shape);
    made.push(residual, (y = e.add(y, residual)));
  }
  const plain = await y.read();
  const fusedT = conv({ preluSlope: slope, outputScale: c.scale, depthToSpace: c.shuffle, residual });
  made.push(fusedT);
  const fused = await fusedT.read();
  for (const m of made) m.dispose();
  return { fused, plain };
}

describe('conv epilogue: fused PReLU (preluSlope)', () => {
  for (const [name, holder] of Object.entries(kernels)) {
    // The tiled kernel compiles a pipeline per epilogue variant and config, seconds each on SwiftShader: fewer cases.
    const cases = name === 'tiled' ? 3 : 8;
    it(`${name} kernel: fused == conv → prelu → mul → depthToSpace → add, bit for bit (${cases} random cases)`, async () => {
      const e = holder.engine;
      for (let seed = 1; seed <= cases; seed++) {
        const r = rng(8800 + seed + 100 * Object.keys(kernels).indexOf(name));
        const c = randomCase(r, false);
        const context = `${name} seed ${seed} x [${c.x.shape}] w [${c.w.shape}] slopes ${c.slope.shape[0]}`;
        const { fused, plain } = await runBoth(e, c, r);
        expectExact(fused, plain, context);
      }
      // The fused runs really ran on this kernel, with the PReLU in its epilogue.
      const prefix = name === 'tiled' ? 'conv2d-tiled[' : name === 'winograd' ? 'conv2d-winograd-out[' : 'conv2d[';
      expect(keys(e).filter((k) => k.startsWith(prefix) && k.includes('prelu=true')).length, name).toBeGreaterThan(0);
    });
  }

  it('convTranspose2d (k4 s2 p1): fused == the plain chain, bit for bit (6 random cases)', async () => {
    const e = kernels.direct.engine;
    for (let seed = 1; seed <= 6; seed++) {
      const r = rng(8900 + seed);
      const c = randomCase(r, true);
      const { fused, plain } = await runBoth(e, c, r);
      expectExact(fused, plain, `convT seed ${seed} x [${c.x.shape}] slopes ${c.slope.shape[0]}`);
    }
    expect(keys(e).some((k) => k.startsWith('convTranspose2d[') && k.includes('prelu=true'))).toBe(true);
  });

  it('CPU reference: fused == cpu.prelu of the plain conv, and a known answer', () => {
    const r = rng(8950);
    for (let i = 0; i < 4; i++) {
      const c = randomCase(r, i % 2 === 1);
      const geo = { padding: c.padding, stride: c.stride };
      const conv = c.transposed ? cpu.convTranspose2d : cpu.conv2d;
      const fused = conv(c.x, c.w, c.b, { ...geo, preluSlope: c.slope });
      expectExact(fused.data, cpu.prelu(conv(c.x, c.w, c.b, geo), c.slope).data, `cpu case ${i}`);
    }
    // One channel, a centre tap of 1: the input through PReLU with slopes 0.25 (shared) and per channel.
    const x = { data: Float32Array.from([-2, 3, -4, 0]), shape: [1, 1, 2, 2] };
    const w = { data: Float32Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0]), shape: [1, 1, 3, 3] };
    expect([...cpu.conv2d(x, w, null, { padding: 1, preluSlope: { data: Float32Array.from([0.25]), shape: [1] } }).data]).toEqual([
      -0.5, 3, -1, 0,
    ]);
  });

  it('known answer on the engine: the same centre tap, shared and per-channel slopes', async () => {
    const e = kernels.direct.engine;
    const x = e.tensor(Float32Array.from([-2, 3, -4, 0, 8, -8, 1, -1]), [1, 2, 2, 2]);
    const w = new Float32Array(2 * 2 * 9);
    w[0 * 18 + 0 * 9 + 4] = 1;
    w[1 * 18 + 1 * 9 + 4] = 1;
    const wt = e.tensor(w, [2, 2, 3, 3]);
    const s = e.tensor(Float32Array.from([0.25, -1]), [2]);
    const y = e.conv2d(x, wt, null, { padding: 1, preluSlope: s });
    expect([...(await y.read())]).toEqual([-0.5, 3, -1, 0, 8, 8, 1, 1]);
    for (const v of [x, wt, s, y]) v.dispose();
  });

  it('refuses a slope count that is neither 1 nor the output channels, and an activation beside it', () => {
    const e = kernels.direct.engine;
    const x = e.tensor(new Float32Array(2 * 16), [1, 2, 4, 4]);
    const w = e.tensor(new Float32Array(3 * 2 * 9), [3, 2, 3, 3]);
    const s2 = e.tensor(new Float32Array(2), [2]);
    const s3 = e.tensor(new Float32Array(3), [3]);
    expect(() => e.conv2d(x, w, null, { padding: 1, preluSlope: s2 })).toThrow(ShapeError);
    expect(() => e.conv2d(x, w, null, { padding: 1, preluSlope: s2 })).toThrow(/preluSlope \[2\] must be \[1\] or \[3\]/);
    expect(() => e.conv2d(x, w, null, { padding: 1, preluSlope: s3, activation: 'relu' })).toThrow(ArgumentError);
    expect(() => e.conv2d(x, w, null, { padding: 1, preluSlope: s3, activation: 'relu' })).toThrow(/activation 'relu' must be 'none'/);
    const cx = { data: new Float32Array(2 * 16), shape: [1, 2, 4, 4] };
    const cw = { data: new Float32Array(3 * 2 * 9), shape: [3, 2, 3, 3] };
    expect(() => cpu.conv2d(cx, cw, null, { padding: 1, preluSlope: { data: new Float32Array(2), shape: [2] } })).toThrow(ShapeError);
    for (const v of [x, w, s2, s3]) v.dispose();
  });
});

describe('model graphs: a PReLU after a conv folds into its epilogue', () => {
  // input → conv 3→8 → prelu (8 slopes) → conv 8→8 → prelu (1 slope) → convT 8→4 (×2) → prelu (4) → conv 4→3
  function graph(r: () => number): ModelGraph {
    const conv = (name: string, input: string, cIn: number, cOut: number): GraphNode => ({
      kind: 'conv',
      name,
      inputs: [input],
      weight: randomData(cOut * cIn * 9, r),
      weightShape: [cOut, cIn, 3, 3],
      bias: randomData(cOut, r),
      stride: [1, 1],
      dilation: [1, 1],
      padding: [1, 1],
      activation: 'none',
    });
    const prelu = (name: string, input: string, n: number): GraphNode => ({
      kind: 'prelu',
      name,
      inputs: [input],
      slope: slopes(n, r).data,
    });
    return {
      output: 'c4',
      nodes: [
        { kind: 'input', name: 'input', inputs: [], channels: 3 },
        conv('c1', 'input', 3, 8),
        prelu('p1', 'c1', 8),
        conv('c2', 'p1', 8, 8),
        prelu('p2', 'c2', 1),
        {
          kind: 'convTranspose',
          name: 't3',
          inputs: ['p2'],
          weight: randomData(8 * 4 * 16, r),
          weightShape: [8, 4, 4, 4],
          bias: null,
          stride: [2, 2],
          dilation: [1, 1],
          padding: [1, 1],
          outputPadding: [0, 0],
          activation: 'none',
        },
        prelu('p3', 't3', 4),
        conv('c4', 'p3', 4, 3),
      ],
    };
  }

  it('the planner folds every PReLU; fused == unfused on the engine (bit for bit) and on the CPU reference, no PReLU pass compiled', async () => {
    const r = rng(9001);
    const g = graph(r);
    const steps = planSteps(g, true);
    expect(steps.filter((s) => s.kind === 'node' && s.node.kind === 'prelu')).toEqual([]);
    expect(steps.flatMap((s) => (s.kind === 'conv' && s.prelu ? [s.prelu.name] : []))).toEqual(['p1', 'p2', 'p3']);

    const x = { data: randomData(2 * 3 * 9 * 7, r), shape: [2, 3, 9, 7] };
    const fusedCpu = runModelGraph(g, x, { fuse: true });
    expectExact(fusedCpu.data, runModelGraph(g, x, { fuse: false }).data, 'CPU reference');

    const e = graphEngine.engine;
    const target = {
      ops: e,
      constant: (data: Float32Array, shape: number[]) => e.tensor(data, shape),
      dispose: (v: Tensor) => v.dispose(),
    };
    const xt = e.tensor(x.data, x.shape);
    const fusedRun = prepareGraph(g, target, { fuse: true });
    const fused = fusedRun.run(xt);
    const fusedOut = await fused.read();
    expect(keys(e).filter((k) => k.startsWith('prelu['))).toEqual([]);
    const plainRun = prepareGraph(g, target, { fuse: false });
    const plain = plainRun.run(xt);
    expectExact(fusedOut, await plain.read(), 'engine: fused vs unfused graph');
    expect(keys(e).filter((k) => k.startsWith('prelu[')).length).toBe(1);
    for (const v of [xt, fused, plain]) v.dispose();
    fusedRun.dispose();
    plainRun.dispose();
  });
});
