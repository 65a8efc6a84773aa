/**
 * Fuzzing parseLayersModel with structural mutations of a real model.json:
 * every mutation either parses or is a ModelError, never a TypeError or a
 * RangeError, and none takes long. A failure prints the mutation, so it is
 * reproducible from the message.
 */
import { describe, expect, it } from 'vitest';
import { ModelError, parseLayersModel, type LayersModelJson } from '../src/model/index.js';
import { readPackagedModel } from '../src/model/load-node.js';

const base = readPackagedModel('default-model');
type Json = Record<string, unknown> | unknown[];
type Path = (string | number)[];

/** Values that break types, ranges and lengths. `undefined` means: delete the key. */
const GARBAGE: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  2 ** 31,
  1e308,
  -1e308,
  Infinity,
  NaN,
  'NaN',
  '',
  'x',
  true,
  [],
  [1],
  [1, 2, 3],
  [null, null],
  ['x', 'y'],
  {},
  { a: 1 },
];

const label = (g: unknown) => (g === undefined ? '(deleted)' : typeof g === 'number' ? String(g) : JSON.stringify(g));

/** Every path into `v` up to `depth` levels, skipping the ones `skip` rejects. */
function paths(v: unknown, depth: number, prefix: Path = [], skip: (p: Path) => boolean = () => false): Path[] {
  if (depth === 0 || v === null || typeof v !== 'object') return [];
  const out: Path[] = [];
  const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  for (const k of keys) {
    const p = [...prefix, k];
    if (skip(p)) continue;
    out.push(p, ...paths((v as Record<string | number, unknown>)[k], depth - 1, p, skip));
  }
  return out;
}

function set(root: Json, p: Path, value: unknown): void {
  let o = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = p[p.length - 1];
  if (value === undefined && !Array.isArray(o)) delete o[last];
  else o[last] = value;
}

interface Mutation {
  what: string;
  apply: (j: Json) => void;
  /** For a mutation inside one layer: its name and index, one of which a refusal must mention. */
  layer?: [string, number];
}

const layersPath: Path = ['modelTopology', 'model_config', 'config', 'layers'];
const json = base.modelJson as unknown as Json;
const layers = (json as { modelTopology: { model_config: { config: { layers: { class_name: string }[] } } } }).modelTopology.model_config
  .config.layers;

function mutations(): Mutation[] {
  const out: Mutation[] = [];
  const replaceAll = (p: Path, layer?: [string, number]) => {
    for (const g of GARBAGE) out.push({ what: `${p.join('.')} = ${label(g)}`, apply: (j) => set(j, p, g), layer });
  };
  // The model's own structure outside the layer list, and a few manifest entries.
  const skipBulk = (p: Path) =>
    (p[2] === 'config' && p[3] === 'layers') || (p[0] === 'weightsManifest' && p[2] === 'weights' && typeof p[3] === 'number' && p[3] > 1);
  for (const p of paths(json, 6, [], skipBulk)) replaceAll(p);
  // Every key at every level of one layer of each class (the first of each), and the last layer.
  const picked = new Set<number>([layers.length - 1]);
  const seen = new Set<string>();
  layers.forEach((l, i) => {
    if (!seen.has(l.class_name)) {
      seen.add(l.class_name);
      picked.add(i);
    }
  });
  for (const i of picked) {
    replaceAll([...layersPath, i]);
    const skip = (q: Path) => q.includes('kernel_initializer') || q.includes('bias_initializer');
    // A renamed layer is named by its new name, so those mutations only have to be ModelErrors.
    for (const p of paths(layers[i], 6, [...layersPath, i], skip))
      replaceAll(p, p.includes('name') ? undefined : [(layers[i] as unknown as { name: string }).name, i]);
  }
  // inbound_nodes garbage that is shaped almost right.
  const inbound: unknown[] = [
    'LR',
    [['LR']],
    [[['LR']]],
    [[['LR', 0]]],
    [[['LR', 0, 1, {}]]],
    [[[0, 0, 0, {}]]],
    [[['LR', 0, 0, {}]], [['LR', 0, 0, {}]]],
    [[['SR', 0, 0, {}]]],
    [[['F_m1', 0, 0, {}]]],
    [[null]],
    [[]],
    [{}],
    [[{ 0: 'LR' }]],
    [[['__proto__', 0, 0, {}]]],
    [[['constructor', 0, 0, {}]]],
  ];
  for (const i of picked) {
    for (const v of inbound)
      out.push({ what: `layers[${i}].inbound_nodes = ${JSON.stringify(v)}`, apply: (j) => set(j, [...layersPath, i, 'inbound_nodes'], v) });
  }
  // Names that collide with Object.prototype, and sizes that multiply past 2^53.
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    out.push({ what: `layers[1].config.name = '${name}'`, apply: (j) => set(j, [...layersPath, 1, 'config', 'name'], name) });
    out.push({
      what: `output_layers = [['${name}', 0, 0]]`,
      apply: (j) => set(j, ['modelTopology', 'model_config', 'config', 'output_layers'], [[name, 0, 0]]),
    });
  }
  for (const shape of [
    [1e6, 1e6, 1e6, 1e6],
    [2 ** 20, 2 ** 20, 2 ** 20],
    [3, 3, 64, -64],
    ['3', 3, 64, 64],
  ]) {
    out.push({
      what: `weightsManifest[0].weights[0].shape = ${JSON.stringify(shape)}`,
      apply: (j) => set(j, ['weightsManifest', 0, 'weights', 0, 'shape'], shape),
    });
  }
  out.push({
    what: 'weightsManifest[0].paths = "group1-shard1of1.bin"',
    apply: (j) => set(j, ['weightsManifest', 0, 'paths'], 'group1-shard1of1.bin'),
  });
  out.push({ what: 'weightsManifest = {}', apply: (j) => set(j, ['weightsManifest'], {}) });
  out.push({
    what: 'modelTopology.model_config.config = layers only (a Sequential-style array)',
    apply: (j) => set(j, ['modelTopology', 'model_config', 'config'], layers),
  });
  return out;
}

describe('fuzzing parseLayersModel with a mutated default-model model.json', () => {
  it('every mutation parses or throws a ModelError naming the layer, in well under a second', () => {
    const all = mutations();
    expect(all.length).toBeGreaterThan(2000);
    const failures: string[] = [];
    let slowest = { ms: 0, what: '' };
    let refused = 0;
    for (const m of all) {
      const j = structuredClone(json);
      m.apply(j);
      const t0 = performance.now();
      try {
        parseLayersModel(j as unknown as LayersModelJson, base.weightShards);
      } catch (e) {
        if (!(e instanceof ModelError)) failures.push(`${m.what}: ${String(e)}`);
        // The catch-all for the unforeseen must not be what reports these: each has a real check.
        else if (/model\.json is malformed/.test(e.message)) failures.push(`${m.what}: only the catch-all caught it: ${e.message}`);
        else if (m.layer && !e.message.includes(`'${m.layer[0]}'`) && !e.message.includes(`layer ${m.layer[1]}`)) {
          failures.push(`${m.what}: the message does not name the layer: ${e.message}`);
        } else refused++;
      }
      const ms = performance.now() - t0;
      if (ms > slowest.ms) slowest = { ms, what: m.what };
    }
    expect(failures).toEqual([]);
    expect(slowest.ms, `slowest: ${slowest.what}`).toBeLessThan(1000);
    expect(refused).toBeGreaterThan(all.length / 4);
  });

  it('a model.json that is not even an object, or has garbage at the top, is a ModelError', () => {
    for (const j of [null, undefined, 0, 'model.json', [], [1], { modelTopology: null }, { modelTopology: 'x', weightsManifest: [] }]) {
      expect(() => parseLayersModel(j as unknown as LayersModelJson, base.weightShards), JSON.stringify(j)).toThrow(ModelError);
    }
  });

  it('an unexpected internal error while parsing is reported as a ModelError that keeps its cause', () => {
    const j = structuredClone(json) as { modelTopology: unknown };
    const bomb = {};
    Object.defineProperty(bomb, 'model_config', {
      get: () => {
        throw new TypeError('boom');
      },
      enumerable: true,
    });
    j.modelTopology = bomb;
    let err: unknown;
    try {
      parseLayersModel(j as unknown as LayersModelJson, base.weightShards);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelError);
    expect(String(err)).toMatch(/model\.json is malformed/);
    expect((err as Error).cause).toBeInstanceOf(TypeError);
  });
});
