/**
 * Keras Sequential LayersModels, made and saved by TensorFlow.js itself:
 * our loaded model (GPU, and runModelGraph on the CPU) == tfjs's predict.
 * The topology forms seen in the wild all load: tfjs's own (class_name at the
 * top), Keras-converted (inside model_config), old Keras (config is a bare
 * layer array) and tf.keras ≥ 2.4 (an InputLayer first in the list).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { runModelGraph } from '../src/cpu/index.js';
import { loadModel, ModelError, parseLayersModel, type LayersModelJson } from '../src/model/index.js';
import { useEngine } from './helpers/engine.js';

const h = useEngine();
const [H, W] = [7, 9];

interface Saved {
  modelJson: LayersModelJson;
  weightShards: ArrayBuffer[];
  /** tfjs's predict on `input`, NCHW. */
  expected: Float32Array;
}

/** Random RGB in [0, 1], NCHW, deterministic. */
const input = Float32Array.from({ length: 3 * H * W }, (_, i) => ((i * 7919) % 1000) / 1000);

async function makeSequential(): Promise<Saved> {
  await tf.setBackend('cpu');
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [null, null, 3],
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: 'glorotNormal',
        biasInitializer: 'randomNormal',
      }),
      tfl.layers.conv2d({
        filters: 12,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: 'glorotNormal',
        biasInitializer: 'randomNormal',
      }),
      tfl.layers.activation({ activation: 'relu' }),
      tfl.layers.conv2d({
        filters: 3,
        kernelSize: 1,
        padding: 'valid',
        kernelInitializer: 'glorotNormal',
        biasInitializer: 'randomNormal',
      }),
      tfl.layers.upSampling2d({ size: [2, 2] }),
    ],
  });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts!;
  const data = a.weightData!;
  const shards = (Array.isArray(data) ? data : [data]) as ArrayBuffer[];
  const modelJson = {
    format: 'layers-model',
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: shards.map((_, i) => `group1-shard${i + 1}of${shards.length}.bin`), weights: a.weightSpecs! }],
  } as LayersModelJson;
  const nhwc = tf.tidy(() => tf.transpose(tf.tensor4d(input, [1, 3, H, W]), [0, 2, 3, 1]));
  const y = tf.tidy(() => tf.transpose(model.predict(nhwc) as tf.Tensor, [0, 3, 1, 2]));
  const expected = (await y.data()) as Float32Array;
  tf.dispose([nhwc, y]);
  model.dispose();
  return { modelJson, weightShards: shards, expected };
}

type KerasLayer = { class_name: string; config: Record<string, unknown> };
type Topology = { class_name: string; config: { name: string; layers: KerasLayer[] } };

/** The same model in the other topology forms Keras and tfjs write. */
function forms(s: Saved): [string, LayersModelJson][] {
  const topo = s.modelJson.modelTopology as Topology;
  const cfg = topo.config;
  const withJson = (t: unknown): LayersModelJson => ({ ...s.modelJson, modelTopology: t });
  const inputFirst = structuredClone(cfg);
  const batchShape = inputFirst.layers[0].config.batch_input_shape;
  delete inputFirst.layers[0].config.batch_input_shape;
  inputFirst.layers.unshift({ class_name: 'InputLayer', config: { batch_input_shape: batchShape, dtype: 'float32', name: 'image' } });
  return [
    ['tfjs (class_name at the top)', s.modelJson],
    ['Keras converter (model_config)', withJson({ keras_version: '2.4.0', backend: 'tensorflow', model_config: topo })],
    ['old Keras (config is a bare layer array)', withJson({ model_config: { class_name: 'Sequential', config: cfg.layers } })],
    ['tf.keras ≥ 2.4 (an InputLayer first)', withJson({ model_config: { class_name: 'Sequential', config: inputFirst } })],
  ];
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('Keras Sequential models', () => {
  let saved: Saved;
  beforeAll(async () => {
    saved = await makeSequential();
  });

  it('tfjs writes a Sequential topology (the case this test is about)', () => {
    expect((saved.modelJson.modelTopology as Topology).class_name).toBe('Sequential');
    expect(saved.expected.length).toBe(3 * 2 * H * 2 * W);
    expect(maxDiff(saved.expected, new Float32Array(saved.expected.length))).toBeGreaterThan(1e-2);
  });

  it('each topology form: GPU and CPU reference == tfjs predict', async () => {
    for (const [name, modelJson] of forms(saved)) {
      const graph = parseLayersModel(modelJson, saved.weightShards);
      const cpu = runModelGraph(graph, { data: input, shape: [1, 3, H, W] });
      expect(cpu.shape, name).toEqual([1, 3, 2 * H, 2 * W]);
      expect(maxDiff(cpu.data, saved.expected), name).toBeLessThan(1e-4);
      const m = loadModel(h.engine, { modelJson, weightShards: saved.weightShards, inputRange: [0, 1] });
      expect(m.scale, name).toBe(2);
      expect(m.receptiveRadius, name).toBe(2);
      const x = h.engine.tensor(input, [1, 3, H, W]);
      const y = m.run(x);
      expect(maxDiff(await y.read(), saved.expected), name).toBeLessThan(1e-4);
      for (const t of [x, y]) t.dispose();
      m.dispose();
    }
  });

  it('a Sequential model with no input shape, or an empty one, is a ModelError', () => {
    const topo = structuredClone(saved.modelJson.modelTopology) as Topology;
    const cfg = topo.config;
    delete cfg.layers[0].config.batch_input_shape;
    expect(() => parseLayersModel({ ...saved.modelJson, modelTopology: topo }, saved.weightShards)).toThrow(
      /first layer .* batch_input_shape/,
    );
    const empty = { class_name: 'Sequential', config: { name: 's', layers: [] } };
    expect(() => parseLayersModel({ ...saved.modelJson, modelTopology: empty }, saved.weightShards)).toThrow(ModelError);
  });
});
