/**
 * Weight shards are bytes, whatever holds them: an ArrayBuffer, any typed array
 * or DataView (viewed at its byteOffset, never converted value by value), a
 * Node Buffer, a SharedArrayBuffer. Anything else is a ModelError naming the shard.
 */
import { describe, expect, it } from 'vitest';
import { loadModel, ModelError, parseLayersModel } from '../src/model/index.js';
import { readPackagedModel } from '../src/model/load-node.js';
import { useEngine } from './helpers/engine.js';

const h = useEngine();
const base = readPackagedModel('default-model');
const bytes = new Uint8Array(base.weightShards[0]);

/** The same bytes in an ArrayBufferView that starts `offset` bytes into a bigger buffer. */
function offsetView(offset: number): Uint8Array {
  const big = new Uint8Array(offset + bytes.length + 16).fill(0x7f);
  big.set(bytes, offset);
  return big.subarray(offset, offset + bytes.length);
}

function shared(): SharedArrayBuffer {
  const s = new SharedArrayBuffer(bytes.length);
  new Uint8Array(s).set(bytes);
  return s;
}

const forms: [string, () => ArrayBuffer | ArrayBufferView | SharedArrayBuffer][] = [
  ['ArrayBuffer', () => base.weightShards[0]],
  ['Float32Array', () => new Float32Array(bytes.slice().buffer)],
  ['DataView', () => new DataView(bytes.slice().buffer)],
  ['Node Buffer', () => Buffer.from(bytes)],
  ['Uint8Array at byteOffset 12', () => offsetView(12)],
  ['Float32Array at byteOffset 8', () => new Float32Array(offsetView(8).buffer, 8, bytes.length / 4)],
  ['DataView at byteOffset 5', () => new DataView(offsetView(5).buffer, 5, bytes.length)],
  ['SharedArrayBuffer', shared],
];

const input = Float32Array.from({ length: 3 * 8 * 8 }, (_, i) => (i * 37) % 256);

describe('weight shards as any ArrayBuffer or ArrayBufferView', () => {
  it('every form gives the same weights and the same output as the ArrayBuffer, and it is not black', async () => {
    const e = h.engine;
    const x = e.tensor(input, [1, 3, 8, 8]);
    const outputs: Float32Array[] = [];
    for (const [name, make] of forms) {
      const weightShards = [make() as ArrayBuffer];
      const graph = parseLayersModel(base.modelJson, weightShards);
      const conv = graph.nodes.find((n) => n.kind === 'conv')!;
      const ref = parseLayersModel(base.modelJson, base.weightShards).nodes.find((n) => n.kind === 'conv')!;
      expect(conv.kind === 'conv' && ref.kind === 'conv' && conv.weight, name).toEqual(ref.kind === 'conv' && ref.weight);
      const m = loadModel(e, { modelJson: base.modelJson, weightShards });
      const y = m.run(x);
      outputs.push(await y.read());
      y.dispose();
      m.dispose();
    }
    x.dispose();
    const maxAbs = outputs[0].reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    expect(maxAbs).toBeGreaterThan(10); // a [0, 255] image, not zeros
    outputs.forEach((o, i) => expect(o, forms[i][0]).toEqual(outputs[0]));
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'a string',
      'group1-shard1of1.bin',
      /weight shard 0 must be an ArrayBuffer or an ArrayBufferView \(typed array, DataView, Buffer\), got string/,
    ],
    ['a number array', [1, 2, 3], /weight shard 0 .* got Array/],
    ['null', null, /weight shard 0 .* got null/],
    ['a plain object', { byteLength: 4 }, /weight shard 0 .* got Object/],
  ];
  for (const [name, shard, message] of bad) {
    it(`a shard that is ${name} is a ModelError naming it`, () => {
      const source = { modelJson: base.modelJson, weightShards: [shard as ArrayBuffer] };
      expect(() => loadModel(h.engine, source)).toThrow(ModelError);
      expect(() => loadModel(h.engine, source)).toThrow(message);
    });
  }

  it('weightShards that is not an array is a ModelError', () => {
    expect(() => parseLayersModel(base.modelJson, base.weightShards[0] as never)).toThrow(ModelError);
  });
});
