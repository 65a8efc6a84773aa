/**
 * One graph walker (src/model/run-graph.ts) for both backends: a graph means
 * the same on the engine (fused) and on the CPU references (unfused or fused).
 * Before, the engine's runner ran every activation node other than relu as
 * `mul(x, 1)` (identity) while the CPU applied it, and both hard-coded DCR for
 * depth-to-space.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { buildModel } from '../src/model/graph.js';
import type { ConvNode, GraphNode, ModelGraph } from '../src/model/ir.js';
import type { ActivationName } from '../src/ops/activation.js';
import type { DepthToSpaceMode } from '../src/ops/depth-to-space.js';
import { useEngine } from './helpers/engine.js';
import { randomData, rng } from './helpers/random.js';

const h = useEngine();

function conv(
  name: string,
  input: string,
  cOut: number,
  cIn: number,
  k: number,
  seed: number,
  activation: ActivationName = 'none',
): ConvNode {
  const r = rng(seed);
  return {
    kind: 'conv',
    name,
    inputs: [input],
    weight: randomData(cOut * cIn * k * k, r),
    weightShape: [cOut, cIn, k, k],
    bias: randomData(cOut, r),
    stride: [1, 1],
    dilation: [1, 1],
    padding: [(k - 1) / 2, (k - 1) / 2],
    activation,
  };
}
const act = (name: string, input: string, fn: ActivationName): GraphNode => ({ kind: 'activation', name, inputs: [input], fn });
const d2s = (name: string, input: string, r: number, mode: DepthToSpaceMode): GraphNode => ({
  kind: 'depthToSpace',
  name,
  inputs: [input],
  r,
  mode,
});

/**
 * x → leakyRelu → conv 3→12 → sigmoid → depthToSpace ×2 (CRD) → tanh → conv 3→3 (leakyRelu) → + (tanh) → identity.
 * The engine folds sigmoid, the CRD store and the residual add into the convs;
 * the leakyRelu on the input, the tanh and the identity stay nodes.
 */
function graph(mode: DepthToSpaceMode): ModelGraph {
  return {
    nodes: [
      { kind: 'input', name: 'x', inputs: [], channels: 3 },
      act('a1', 'x', 'leakyRelu'),
      conv('c1', 'a1', 12, 3, 3, 1),
      act('a2', 'c1', 'sigmoid'),
      d2s('d1', 'a2', 2, mode),
      act('a3', 'd1', 'tanh'),
      conv('c2', 'a3', 3, 3, 1, 2, 'leakyRelu'),
      { kind: 'add', name: 'sum', inputs: ['c2', 'a3'] },
      act('out', 'sum', 'none'),
    ],
    output: 'out',
  };
}

const options = { name: 'walker', inputRange: [-1, 1] as const, outputRange: [-1, 1] as const };
const size = 5;
const input = () => {
  const data = randomData(3 * size * size, rng(3)).map((v) => 2 * v - 1);
  return { data, shape: [1, 3, size, size] };
};

describe('one graph walker: the same graph means the same on GPU and CPU', () => {
  for (const mode of ['DCR', 'CRD'] as const) {
    it(`leakyRelu, sigmoid, tanh and identity activation nodes, depthToSpace ${mode}: engine (fused) == CPU (unfused) == CPU (fused)`, async () => {
      const g = graph(mode);
      const x = input();
      const e = h.engine;
      const before = e.stats().liveTensors;
      const model = buildModel(e, g, options);
      try {
        expect(model.scale).toBe(2);
        const xt = e.tensor(x.data, x.shape);
        const y = model.run(xt);
        const ours = await y.read();
        y.dispose();
        xt.dispose();
        const unfused = cpu.runModelGraph(g, x);
        const fused = cpu.runModelGraph(g, x, { fuse: true });
        expect(unfused.shape).toEqual([1, 3, 2 * size, 2 * size]);
        let worst = 0;
        let worstFused = 0;
        for (let i = 0; i < ours.length; i++) {
          worst = Math.max(worst, Math.abs(ours[i] - unfused.data[i]));
          worstFused = Math.max(worstFused, Math.abs(fused.data[i] - unfused.data[i]));
        }
        expect(worst, 'max |engine − CPU|').toBeLessThan(1e-5);
        expect(worstFused, 'max |CPU fused − CPU unfused|').toBeLessThan(1e-6);
      } finally {
        model.dispose();
      }
      expect(e.stats().liveTensors, 'every intermediate and weight freed').toBe(before);
    });
  }

  it("a depthToSpace node's mode is the one applied: the graph equals the ops written out by hand", () => {
    const x = input();
    for (const mode of ['DCR', 'CRD'] as const) {
      const g: ModelGraph = { nodes: [graph(mode).nodes[0], conv('c1', 'x', 12, 3, 3, 1), d2s('d1', 'c1', 2, mode)], output: 'd1' };
      const c = g.nodes[1] as ConvNode;
      const byHand = cpu.depthToSpace(
        cpu.conv2d(x, cpu.cpuTensor(c.weight, c.weightShape), cpu.cpuTensor(c.bias!, [12]), { padding: 1 }),
        2,
        { mode },
      );
      for (const fuse of [false, true])
        expect(Array.from(cpu.runModelGraph(g, x, { fuse }).data), `${mode}, fuse ${fuse}`).toEqual(Array.from(byHand.data));
    }
  });

  it('a graph whose output is its input returns a copy the caller owns', async () => {
    const g: ModelGraph = { nodes: [{ kind: 'input', name: 'x', inputs: [], channels: 3 }, act('id', 'x', 'none')], output: 'id' };
    const x = input();
    const y = cpu.runModelGraph(g, x);
    expect(y).not.toBe(x);
    expect(Array.from(y.data)).toEqual(Array.from(x.data));
  });
});
