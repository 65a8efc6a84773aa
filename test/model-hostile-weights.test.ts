/**
 * Hostile weight files against every loader (issue 19, "found by feeding
 * hostile model files"): a weight that is not finite as float32 — 1e39 (a
 * finite double, Infinity once stored), NaN, ±Inf — must be a ModelError naming
 * the tensor or layer and the index, never a model that paints the image
 * black; a safetensors tensor named '__proto__' must not vanish into the
 * returned dict's prototype (where strict loading would miss it), a dtype of
 * 'constructor' must not be looked up on Object.prototype, and offsets outside
 * the file or overlapping tensors are refused, naming the file.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAnime4k, type Anime4kJson } from '../src/model/anime4k.js';
import { ModelError, parseLayersModel, type LayersModelJson } from '../src/model/index.js';
import { readPackagedModel } from '../src/model/load-node.js';
import { fromSafetensors, layers, Sequential, toSafetensors } from '../src/train/index.js';
import { useEngine } from './helpers/engine.js';

const h = useEngine();

function error(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return (e as Error).message;
  }
  return expect.fail('expected a ModelError');
}

/** A safetensors file from a header (as JSON text, so any key can be written) and the data bytes. */
function safetensors(headerJson: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const f32 = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
const tensor = (dtype: string, shape: number[], begin: number, end: number) => JSON.stringify({ dtype, shape, data_offsets: [begin, end] });

describe('safetensors', () => {
  const nonFinite: [string, string, Uint8Array, RegExp][] = [
    [
      '1e39 as F64 (finite as a double)',
      'F64',
      new Uint8Array(new Float64Array([0, 1e39]).buffer),
      /'w' element 1 is Infinity, not finite as float32/,
    ],
    ['NaN as F32', 'F32', f32([NaN, 0]), /'w' element 0 is NaN/],
    ['-Inf as F16', 'F16', new Uint8Array(new Uint16Array([0, 0xfc00]).buffer), /'w' element 1 is -Infinity/],
    ['Inf as BF16', 'BF16', new Uint8Array(new Uint16Array([0x7f80, 0]).buffer), /'w' element 0 is Infinity/],
  ];
  for (const [what, dtype, data, message] of nonFinite) {
    it(`${what}: a ModelError naming the file, the tensor and the index`, () => {
      const bytes = safetensors(`{"w": ${tensor(dtype, [2], 0, data.length)}}`, data);
      expect(error(() => fromSafetensors(bytes, { file: 'bad.safetensors' }))).toMatch(
        new RegExp(`^fromSafetensors: bad\\.safetensors: ${message.source}`),
      );
    });
  }

  it("a tensor named '__proto__', 'constructor' or 'prototype' is refused; the result has no prototype", () => {
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const bytes = safetensors(`{"${name}": ${tensor('F32', [1], 0, 4)}, "w": ${tensor('F32', [1], 4, 8)}}`, f32([1, 2]));
      expect(error(() => fromSafetensors(bytes))).toMatch(new RegExp(`a tensor is named '${name}', which is reserved`));
    }
    const sd = fromSafetensors(safetensors(`{"w": ${tensor('F32', [1], 0, 4)}}`, f32([1])));
    expect(Object.getPrototypeOf(sd)).toBe(null);
    expect(Object.keys(sd)).toEqual(['w']);
    expect(() => toSafetensors(JSON.parse(`{"__proto__": {"shape": [1], "data": null}}`))).toThrow(/'__proto__' cannot name a tensor/);
  });

  it("a dtype that is only on Object.prototype ('constructor', 'toString', '__proto__') is not a dtype", () => {
    for (const dtype of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const bytes = safetensors(`{"w": ${tensor(dtype, [1], 0, 4)}}`, f32([1]));
      expect(error(() => fromSafetensors(bytes))).toMatch(new RegExp(`'w' has dtype "${dtype}"; supported: F32, F16, BF16, F64`));
    }
  });

  it('offsets outside the file, overlapping or short tensors, a header longer than the file: each named with the file', () => {
    const cases: [Uint8Array, RegExp][] = [
      [safetensors(`{"w": ${tensor('F32', [250], 0, 1000)}}`, f32([1, 2])), /'w' data_offsets \[0,1000\] must be .* <= 8/],
      [
        safetensors(`{"a": ${tensor('F32', [2], 0, 8)}, "b": ${tensor('F32', [2], 4, 12)}}`, f32([1, 2, 3])),
        /'b' starts at byte 4, expected 8/,
      ],
      [safetensors(`{"a": ${tensor('F32', [1], 0, 4)}}`, f32([1, 2])), /the tensors cover 4 of the 8 data bytes/],
      [safetensors(`{"a": ${tensor('F32', [3], 0, 8)}}`, f32([1, 2])), /'a' holds 8 bytes, F32 \[3\] needs 12/],
      [safetensors(`{"a": ${tensor('F32', [1e9, 1e9], 0, 4)}}`, f32([1])), /'a' holds 4 bytes, F32 \[1000000000, 1000000000\] needs/],
    ];
    for (const [bytes, message] of cases)
      expect(error(() => fromSafetensors(bytes, { file: 'x.safetensors' }))).toMatch(new RegExp(`x\\.safetensors: .*${message.source}`));
    const long = safetensors(`{}`, new Uint8Array(0));
    new DataView(long.buffer).setBigUint64(0, 1n << 40n, true);
    expect(error(() => fromSafetensors(long, { file: 'x.safetensors' }))).toMatch(
      /x\.safetensors: header length 1099511627776 exceeds the 2 bytes after it/,
    );
  });
});

describe('TensorFlow.js layers models (UpscalerJS)', () => {
  it('NaN or Inf in a weight shard: a ModelError naming the weight and the index', () => {
    const { modelJson, weightShards } = readPackagedModel('esrgan-slim', 2);
    const first = modelJson.weightsManifest[0].weights[0].name;
    for (const [index, value] of [
      [5, NaN],
      [0, Infinity],
      [17, -Infinity],
    ] as const) {
      const shard = weightShards[0].slice(0);
      new Float32Array(shard)[index] = value;
      expect(error(() => parseLayersModel(modelJson, [shard]))).toBe(
        `weight '${first}': element ${index} is ${value}, not finite as float32`,
      );
    }
  });

  it('MultiplyBeta beta = 1e39 (finite as a double, Infinity as float32) is refused', () => {
    const { modelJson, weightShards } = readPackagedModel('esrgan-thick', 2);
    const json = JSON.parse(JSON.stringify(modelJson)) as LayersModelJson;
    const all = (json.modelTopology as { model_config: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } })
      .model_config.config.layers;
    const beta = all.find((l) => l.class_name === 'MultiplyBeta')!;
    beta.config.beta = 1e39;
    expect(error(() => parseLayersModel(json, weightShards))).toMatch(
      new RegExp(`layer '${beta.config.name}': beta 1e\\+39 must be finite as float32`),
    );
  });
});

describe('Anime4K JSON', () => {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@websr/websr/package.json')), 'weights/anime4k');
  const base = () => JSON.parse(readFileSync(join(dir, 'cnn-2x-s-an.json'), 'utf8')) as Anime4kJson;

  it('1e39, NaN or Inf in weights or bias: a ModelError naming the layer and the index', () => {
    const cases: [string, number, number, RegExp][] = [
      ['weights', 3, 1e39, /layer 'conv2d_tf': 'weights' element 3 is 1e\+39, not finite as float32/],
      ['weights', 40, NaN, /layer 'conv2d_tf': 'weights' element 40 is NaN/],
      ['bias', 2, -Infinity, /layer 'conv2d_tf': 'bias' element 2 is -Infinity/],
    ];
    for (const [field, index, value, message] of cases) {
      const json = base();
      const layer = json.layers.conv2d_tf as { weights: number[]; bias: number[] };
      (field === 'weights' ? layer.weights : layer.bias)[index] = value;
      expect(error(() => parseAnime4k(json))).toMatch(message);
    }
  });

  it('weights whose alpha column overflows the bias in float32 are refused', () => {
    const json = base();
    const layer = json.layers.conv2d_tf as { weights: number[]; bias: number[] };
    // Row 0's alpha column (c = 3 of the first input group, which has 3 channels) and its bias, both near float32's max.
    layer.bias[0] = 3e38;
    layer.weights[12] = 3e38;
    expect(error(() => parseAnime4k(json))).toMatch(/layer 'conv2d_tf': bias 0 plus its alpha weights is Infinity in float32/);
  });
});

describe('Sequential.loadStateDict', () => {
  it('a non-finite weight is a ModelError naming the key and the index; inherited keys do not count', async () => {
    const net = new Sequential(h.engine, [layers.conv2d({ inChannels: 3, outChannels: 3, kernel: 3, padding: 1 })], { seed: 1 });
    const sd = await net.stateDict();
    const bad = { ...sd, '0.weight': { shape: sd['0.weight'].shape, data: sd['0.weight'].data.slice() } };
    bad['0.weight'].data[7] = Infinity;
    expect(error(() => net.loadStateDict(bad))).toBe(`Sequential.loadStateDict: '0.weight': element 7 is Infinity, not finite as float32`);
    bad['0.weight'].data[7] = NaN;
    expect(error(() => net.loadStateDict(bad))).toMatch(/'0\.weight': element 7 is NaN/);
    // A key reached through the prototype is not in the dict.
    const inherited = Object.assign(Object.create({ '0.bias': sd['0.bias'] }) as typeof sd, { '0.weight': sd['0.weight'] });
    expect(error(() => net.loadStateDict(inherited))).toMatch(/missing key '0\.bias'/);
    net.loadStateDict(sd);
    net.dispose();
  });
});
