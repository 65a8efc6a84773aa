/**
 * The receptive radius (graphFacts, from the node table's `reads` column) is exact: perturb one input
 * pixel, run the graph on the CPU references, and the farthest output pixel that moved is exactly the
 * radius away (in input pixels), for graphs of every resolution-changing kind — and never farther.
 * Linear graphs with dense random weights, so no path is dead by chance.
 */
import { describe, expect, it } from 'vitest';
import { graphFacts } from '../src/model/graph.js';
import type { GraphNode, ModelGraph } from '../src/model/ir.js';
import { runModelGraph } from '../src/model/run-cpu.js';
import { randomConv } from './helpers/graph-builders.js';
import { randomData, rng } from './helpers/random.js';

const input = (channels = 3): GraphNode => ({ kind: 'input', name: 'x', inputs: [], channels });

/** Farthest input-pixel distance (per axis, max of both) from a perturbed pixel to an output pixel that changed. */
function measuredReach(graph: ModelGraph, size: number, at: [number, number]): number {
  const { scale } = graphFacts(graph);
  const base = randomData(3 * size * size, rng(5));
  const bumped = base.slice();
  for (let c = 0; c < 3; c++) bumped[(c * size + at[0]) * size + at[1]] += 1;
  const a = runModelGraph(graph, { data: base, shape: [1, 3, size, size] });
  const b = runModelGraph(graph, { data: bumped, shape: [1, 3, size, size] });
  const [, , H, W] = a.shape;
  let reach = 0;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const i = (c * H + y) * W + x;
        if (Math.abs(a.data[i] - b.data[i]) <= 1e-6 * (1 + Math.abs(a.data[i]))) continue;
        reach = Math.max(reach, Math.abs(Math.floor(y / scale) - at[0]), Math.abs(Math.floor(x / scale) - at[1]));
      }
  return reach;
}

const conv = (name: string, from: string, cOut: number, cIn: number, k: number, seed: number, extra: Partial<GraphNode> = {}) =>
  randomConv(name, from, cOut, cIn, k, seed, extra, { biasScale: 0 });

function convT(name: string, from: string, cOut: number, cIn: number, k: number, s: number, p: number, seed: number): GraphNode {
  const r = rng(seed);
  return {
    kind: 'convTranspose',
    name,
    inputs: [from],
    weight: randomData(cIn * cOut * k * k, r),
    weightShape: [cIn, cOut, k, k],
    bias: null,
    stride: [s, s],
    dilation: [1, 1],
    padding: [p, p],
    outputPadding: [0, 0],
    activation: 'none',
  };
}

const CASES: Record<string, ModelGraph> = {
  'convT k4 s2 p1 → conv k3 p1 (the per-layer sum would say 2; it is 1)': {
    nodes: [input(), convT('t', 'x', 4, 3, 4, 2, 1, 1), conv('y', 't', 3, 4, 3, 2, { padding: [1, 1] })],
    output: 'y',
  },
  'waifu2x-like: reflect border 3, three valid convs, convT k4 s2 p3, crop to 2 × the input': {
    nodes: [
      input(),
      { kind: 'pad', name: 'p', inputs: ['x'], pads: [3, 3, 3, 3], mode: 'reflect' },
      conv('c1', 'p', 4, 3, 3, 3),
      conv('c2', 'c1', 4, 4, 3, 4),
      convT('t', 'c2', 3, 4, 4, 2, 3, 5),
      { kind: 'crop', name: 'y', inputs: ['t', 'x'], begin: [0, 0], refScale: 2 },
    ],
    output: 'y',
  },
  'pixel-unshuffle ×2, conv k3 p1, dilated conv, pixel shuffle ×4 (×2 overall; grid 2)': {
    nodes: [
      input(),
      { kind: 'spaceToDepth', name: 's', inputs: ['x'], r: 2, mode: 'CRD' },
      conv('c', 's', 8, 12, 3, 6, { padding: [1, 1] }),
      conv('d', 'c', 48, 8, 3, 7, { padding: [2, 2], dilation: [2, 2] }),
      { kind: 'depthToSpace', name: 'y', inputs: ['d'], r: 4, mode: 'CRD' },
    ],
    output: 'y',
  },
  'U-net: stride-2 conv, convT k2 s2, residual, nearest ×2 skip': {
    nodes: [
      input(),
      conv('down', 'x', 4, 3, 3, 8, { padding: [1, 1], stride: [2, 2] }),
      convT('up', 'down', 3, 4, 2, 2, 0, 9),
      { kind: 'add', name: 'sum', inputs: ['up', 'x'] },
      conv('c', 'sum', 3, 3, 3, 10, { padding: [1, 1] }),
      { kind: 'upsample', name: 'y', inputs: ['c'], size: [2, 2], mode: 'nearest' },
    ],
    output: 'y',
  },
  'animevideov3 ×2-like: conv, bicubic ×4, bicubic ×0.5, then bilinear ×1 conv chain': {
    nodes: [
      input(),
      conv('c', 'x', 3, 3, 3, 11, { padding: [1, 1] }),
      { kind: 'upsample', name: 'u', inputs: ['c'], size: [4, 4], mode: 'bicubic' },
      { kind: 'upsample', name: 'y', inputs: ['u'], size: [0.5, 0.5], mode: 'bicubic' },
    ],
    output: 'y',
  },
  'bilinear ×3 then a crop that shifts the window and a pad back': {
    nodes: [
      input(),
      { kind: 'upsample', name: 'u', inputs: ['x'], size: [3, 3], mode: 'bilinear' },
      { kind: 'crop', name: 'k', inputs: ['u'], begin: [2, 1], end: [1, 2] },
      { kind: 'pad', name: 'p', inputs: ['k'], pads: [2, 1, 1, 2], mode: 'replicate' },
      conv('y', 'p', 3, 3, 3, 12, { padding: [1, 1] }),
    ],
    output: 'y',
  },
};

describe('receptive radius: exact (perturbation on the CPU references)', () => {
  for (const [name, graph] of Object.entries(CASES)) {
    it(name, () => {
      const { receptiveRadius: R, gridAlignment: g } = graphFacts(graph);
      const size = 2 * R + 4 * g + 12;
      let reach = 0;
      // Every phase of the grid, far from the borders.
      for (let py = 0; py < g; py++)
        for (let px = 0; px < g; px++) reach = Math.max(reach, measuredReach(graph, size, [R + 2 * g + py, R + 2 * g + px]));
      expect(reach, `${name}: radius ${R}, grid ${g}`).toBe(R);
    });
  }
});
