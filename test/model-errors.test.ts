/** Malformed models fail with a ModelError that names the problem, before any GPU buffer is made. */
import { describe, expect, it } from 'vitest';
import { loadModel, ModelError, type LayersModelJson } from '../src/model/index.js';
import { useEngine } from './helpers/engine.js';
import { readPackagedModel } from '../src/model/load-node.js';

const h = useEngine();
const base = readPackagedModel('esrgan-slim', 2);
const clone = (): LayersModelJson => JSON.parse(JSON.stringify(base.modelJson));
type Layer = { class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[][][] };
const layers = (j: LayersModelJson) => (j.modelTopology as { model_config: { config: { layers: Layer[] } } }).model_config.config.layers;
const conv = (j: LayersModelJson) => layers(j).find((l) => l.class_name === 'Conv2D')!;

const cases: [string, () => { modelJson: LayersModelJson; weightShards: ArrayBuffer[] }, RegExp][] = [
  [
    'truncated shard',
    () => ({ modelJson: base.modelJson, weightShards: [base.weightShards[0].slice(0, 1000)] }),
    /weight shards are truncated/,
  ],
  [
    'extra bytes in a shard',
    () => ({ modelJson: base.modelJson, weightShards: [new Uint8Array([...new Uint8Array(base.weightShards[0]), 0, 0, 0, 0]).buffer] }),
    /bytes more than its weights need/,
  ],
  ['missing shard', () => ({ modelJson: base.modelJson, weightShards: [] }), /expected 1 weight shards/],
  [
    'unknown layer',
    () => {
      const j = clone();
      layers(j)[3].class_name = 'BatchNormalization';
      return { modelJson: j, weightShards: base.weightShards };
    },
    /class 'BatchNormalization' is not supported/,
  ],
  [
    'weights of the wrong shape for a layer',
    () => {
      const j = clone();
      conv(j).config.filters = 63;
      return { modelJson: j, weightShards: base.weightShards };
    },
    /has shape \[3,3,3,64\] but layer 'F_m1' needs \[3,3,3,63\]/,
  ],
  [
    'manifest shape that disagrees with the shard bytes',
    () => {
      const j = clone();
      j.weightsManifest[0].weights[0].shape = [3, 3, 64, 63];
      return { modelJson: j, weightShards: base.weightShards };
    },
    /bytes more than its weights need/,
  ],
  [
    'missing weight',
    () => {
      const j = clone();
      j.weightsManifest[0].weights[0].name = 'nope/kernel';
      return { modelJson: j, weightShards: base.weightShards };
    },
    /weight '.*\/kernel' is missing/,
  ],
  [
    'float16 weights',
    () => {
      const j = clone();
      j.weightsManifest[0].weights[0].dtype = 'float16';
      return { modelJson: j, weightShards: base.weightShards };
    },
    /dtype float16 is not supported/,
  ],
  [
    'absurd filters',
    () => {
      const j = clone();
      conv(j).config.filters = 1e6;
      return { modelJson: j, weightShards: base.weightShards };
    },
    /filters 1000000 must be in \[1, 4096\]/,
  ],
  [
    'absurd kernel',
    () => {
      const j = clone();
      conv(j).config.kernel_size = [999, 999];
      return { modelJson: j, weightShards: base.weightShards };
    },
    /kernel_size \[999,999\] must be two integers in \[1, 64\]/,
  ],
  [
    'dangling input',
    () => {
      const j = clone();
      layers(j)[2].inbound_nodes[0][0][0] = 'ghost';
      return { modelJson: j, weightShards: base.weightShards };
    },
    /reads 'ghost', which is not defined before it/,
  ],
  [
    'unsupported activation',
    () => {
      const j = clone();
      layers(j).find((l) => l.class_name === 'Activation')!.config.activation = 'gelu';
      return { modelJson: j, weightShards: base.weightShards };
    },
    /activation 'gelu' is not supported/,
  ],
  [
    'not a model',
    () => ({ modelJson: { modelTopology: {}, weightsManifest: [] } as LayersModelJson, weightShards: [] }),
    /no functional model config/,
  ],
];

describe('malformed models', () => {
  for (const [name, make, message] of cases) {
    it(`${name}: ModelError before any GPU work`, () => {
      const e = h.engine;
      const before = e.stats().liveBuffers;
      const source = make();
      expect(() => loadModel(e, source)).toThrow(ModelError);
      expect(() => loadModel(e, source)).toThrow(message);
      expect(e.stats().liveBuffers).toBe(before);
    });
  }

  it('the unmodified model loads (the cases above differ from it in one thing each)', () => {
    const m = loadModel(h.engine, { modelJson: base.modelJson, weightShards: base.weightShards });
    expect(m.scale).toBe(2);
    expect(m.receptiveRadius).toBeGreaterThan(3);
    m.dispose();
  });
});
