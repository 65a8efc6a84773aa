/**
 * The CPU backend's ONNX Runtime sessions (src/upscale/ort-node.ts, ort-runner.ts), watched through a
 * real onnxruntime-node whose InferenceSession.create and run are counted (the sessions and runs are
 * ONNX Runtime's own): createCpuUpscaler's session defaults (one thread per physical core, no memory
 * pattern; given options win), and a model with global pools on a one-tile image is one session and one run, whose
 * pools are the exact whole-image means (= the staged whole-image-context path within float rounding).
 */
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { describeModel } from '../src/model/describe.js';
import type { GraphNode, ModelGraph } from '../src/model/ir.js';
import { createCpuUpscaler, physicalCores } from '../src/upscale/ort-node.js';
import type { OrtModule, OrtSessionLike, OrtSessionOptions } from '../src/upscale/ort-runner.js';
import { upscalePlanes } from '../src/upscale/upscale.js';
import { randomConv } from './helpers/graph-builders.js';
import { randomData, rng } from './helpers/random.js';

const realOrt = ((ortNode as unknown as { InferenceSession?: unknown }).InferenceSession
  ? ortNode
  : (ortNode as unknown as { default: OrtModule }).default) as unknown as OrtModule;

/** onnxruntime-node, with each InferenceSession.create (and its options) and each run recorded. */
function countingOrt(): { ort: OrtModule; creates: OrtSessionOptions[]; runs: string[][] } {
  const creates: OrtSessionOptions[] = [];
  const runs: string[][] = [];
  const ort: OrtModule = {
    Tensor: realOrt.Tensor,
    InferenceSession: {
      async create(model, options) {
        creates.push({ ...options });
        const session = await realOrt.InferenceSession.create(model, options);
        const counted: OrtSessionLike = {
          run: (feeds) => {
            runs.push(Object.keys(feeds));
            return session.run(feeds);
          },
          release: () => session.release(),
        };
        return counted;
      },
    },
  };
  return { ort, creates, runs };
}

/** ×2 with two squeeze-excitation blocks (global pools) before a depth-to-space. */
function seModel(): ModelGraph {
  const conv = (name: string, input: string, cOut: number, cIn: number, k: number, seed: number, extra: Partial<GraphNode> = {}) =>
    randomConv(name, input, cOut, cIn, k, seed, { activation: 'leakyRelu', negativeSlope: 0.1, ...extra }, { gain: 1.5, biasScale: 0.2 });
  const se = (p: string, input: string, c: number, seed: number): GraphNode[] => [
    { kind: 'globalAvgPool', name: `${p}gap`, inputs: [input] },
    conv(`${p}fc1`, `${p}gap`, 2, c, 1, seed, { activation: 'relu' }),
    conv(`${p}fc2`, `${p}fc1`, c, 2, 1, seed + 1, { activation: 'sigmoid' }),
    { kind: 'binary', name: `${p}mul`, inputs: [input, `${p}fc2`], op: 'mul' },
  ];
  return {
    nodes: [
      { kind: 'input', name: 'x', inputs: [], channels: 3 },
      conv('c1', 'x', 8, 3, 3, 1, { padding: [1, 1] }),
      ...se('a', 'c1', 8, 10),
      conv('c2', 'amul', 12, 8, 3, 2, { padding: [1, 1], activation: 'none' }),
      ...se('b', 'c2', 12, 20),
      { kind: 'depthToSpace', name: 'y', inputs: ['bmul'], r: 2, mode: 'CRD' },
    ],
    output: 'y',
  };
}

const options = { name: 'se-x2', inputRange: [0, 1] as const, outputRange: [0, 1] as const };

describe('CPU backend sessions', () => {
  it('physicalCores: distinct (physical id, core id) pairs, at most the available cores; null without them', () => {
    const cpu = (n: number, physical: number, core: number) => `processor\t: ${n}\nphysical id\t: ${physical}\ncore id\t\t: ${core}\n`;
    // Two sockets of two cores with two hardware threads each: 4 cores (8 processors).
    const smt = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => cpu(n, n >> 2, (n >> 1) & 1)).join('\n');
    expect(physicalCores(smt, 64)).toBe(4);
    expect(physicalCores(smt, 2), 'a process allowed 2 cores').toBe(2);
    expect(physicalCores(cpu(0, 0, 0))).toBe(1);
    expect(physicalCores('processor\t: 0\nBogoMIPS\t: 50.00\n\nprocessor\t: 1\nBogoMIPS\t: 50.00\n')).toBeNull();
    if (process.platform === 'linux') expect(physicalCores()).toBeGreaterThanOrEqual(1);
  });

  it('createCpuUpscaler: one intra-op thread per physical core and no memory pattern, unless the caller says otherwise', async () => {
    const a = countingOrt();
    const runner = await createCpuUpscaler(describeModel(seModel(), options), undefined, { ort: a.ort });
    await runner.dispose();
    expect(a.creates).toHaveLength(1);
    expect(a.creates[0]).toMatchObject({
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      enableMemPattern: false,
    });
    expect(a.creates[0].intraOpNumThreads).toBe(physicalCores() ?? undefined);
    const b = countingOrt();
    const given = await createCpuUpscaler(describeModel(seModel(), options), undefined, {
      ort: b.ort,
      sessionOptions: { intraOpNumThreads: 1, enableMemPattern: true, graphOptimizationLevel: 'basic' },
    });
    await given.dispose();
    expect(b.creates[0]).toMatchObject({ intraOpNumThreads: 1, enableMemPattern: true, graphOptimizationLevel: 'basic' });
  });

  it('global pools, one tile: one session and one run of the whole graph (= the staged context path within float rounding)', async () => {
    const [H, W] = [13, 10];
    const noise = randomData(3 * H * W, rng(5));
    const img = { data: noise.map((v, i) => (i % W < W / 2 ? 0.8 : 0.1) + 0.1 * v), channels: 3, height: H, width: W };
    const c = countingOrt();
    const runner = await createCpuUpscaler(describeModel(seModel(), options), undefined, { ort: c.ort });
    try {
      expect(runner.model.globalPools?.map((p) => p.name)).toEqual(['agap', 'bgap']);
      const one = await upscalePlanes(runner, img, { tileSize: 64 });
      expect(c.creates, 'sessions').toHaveLength(1);
      expect(c.runs, 'runs: the input alone, no pool fed').toEqual([['x']]);
      // Several tiles: the whole-image context passes (a staged session per pool, float64 sums) give the same means.
      const tiled = await upscalePlanes(runner, img, { tileSize: 6 });
      expect(c.creates.length, 'stage sessions for the tiled run').toBeGreaterThan(1);
      expect(c.runs.some((r) => r.includes('agap'))).toBe(true);
      let gap = 0;
      for (let i = 0; i < one.data.length; i++) gap = Math.max(gap, Math.abs(one.data[i] - tiled.data[i]));
      expect(one.data.length).toBe(3 * 2 * H * 2 * W);
      expect(gap, 'max |one tile − tiled|').toBeLessThan(1e-5);
    } finally {
      await runner.dispose();
    }
  });
});
