/** Small random graphs for the node-table, whole-image-context and ONNX round-trip tests. */
import type { GraphNode } from '../../src/model/ir.js';
import { randomData, rng } from './random.js';

/**
 * A conv node with seeded weights of unit gain (× `gain`) over its fan-in, so that deep test graphs
 * keep their values O(1), and small biases (× `biasScale`); valid (unpadded) and without activation
 * unless `extra` says otherwise.
 */
export function randomConv(
  name: string,
  input: string,
  cOut: number,
  cIn: number,
  k: number,
  seed: number,
  extra: Partial<GraphNode> = {},
  { gain = 1, biasScale = 0.1 }: { gain?: number; biasScale?: number } = {},
): GraphNode {
  const r = rng(seed);
  return {
    kind: 'conv',
    name,
    inputs: [input],
    weight: randomData(cOut * cIn * k * k, r).map((v) => (gain * v) / Math.sqrt(cIn * k * k)),
    weightShape: [cOut, cIn, k, k],
    bias: randomData(cOut, r).map((v) => v * biasScale),
    stride: [1, 1],
    dilation: [1, 1],
    padding: [0, 0],
    activation: 'none',
    ...extra,
  } as GraphNode;
}
