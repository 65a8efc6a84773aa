/**
 * The op table (src/registry/table.ts) is the only list of ops: every row is an
 * engine method and a `webgpu-upsample/cpu` export, and its shape rule gives
 * the shape both implementations produce. A sample call per row is required
 * by the type below, so a new row cannot be added without one.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import { createEngine, DisposedError, Engine, ShapeError, type Tensor } from '../src/index.js';
import type { OpDef } from '../src/registry/define.js';
import { OPS, type CpuOps, type OpName } from '../src/registry/table.js';
import { useEngine } from './helpers/engine.js';
import { randomTensor, rng } from './helpers/random.js';

const h = useEngine();
const r = rng(11);
const t = (shape: number[]): CpuTensor => randomTensor(shape, r);

/** One valid call per row, as CPU arguments (tensors are uploaded for the GPU call by the row's `inputs`). */
const samples: { [K in OpName]: Parameters<CpuOps[K]> } = {
  convTranspose2d: [t([1, 2, 3, 3]), t([2, 2, 3, 3]), t([2]), { stride: 2, padding: 1, outputPadding: 1 }],
  conv2d: [t([1, 2, 5, 5]), t([8, 2, 3, 3]), null, { padding: 1, activation: 'relu', depthToSpace: { r: 2, mode: 'CRD' } }],
  // Multi-output rows: a record of tensors (dx skipped here, so a null output is checked too).
  conv2dBackward: [t([2, 4, 6, 5]), t([6, 2, 3, 2]), t([2, 6, 3, 2]), { stride: 2, padding: [1, 0], groups: 2, needs: { dx: false } }],
  convTranspose2dBackward: [t([1, 2, 3, 3]), t([2, 3, 3, 3]), t([1, 3, 6, 6]), { stride: 2, padding: 1, outputPadding: 1 }],
  pixelShuffle: [t([1, 8, 2, 3]), 2],
  pixelUnshuffle: [t([1, 2, 4, 6]), 2],
  depthToSpace: [t([1, 8, 2, 3]), 2, { mode: 'CRD' }],
  spaceToDepth: [t([1, 2, 4, 6]), 2],
  upsample: [t([1, 2, 3, 3]), { scale: 1.5, mode: 'bilinear' }],
  downsample: [t([1, 2, 7, 6]), { factor: [2, 1.5], mode: 'bicubic-aa' }],
  relu: [t([1, 2, 3, 3])],
  leakyRelu: [t([1, 2, 3, 3]), 0.2],
  sigmoid: [t([1, 2, 3, 3])],
  tanh: [t([1, 2, 3, 3])],
  prelu: [t([1, 2, 3, 3]), t([2])],
  crelu: [t([1, 2, 3, 3])],
  mul: [t([1, 2, 3, 3]), 3],
  add: [t([1, 2, 3, 3]), t([1, 2, 3, 3])],
  concat: [[t([1, 1, 2, 2]), t([1, 3, 2, 2])]],
  pad2d: [t([1, 2, 3, 4]), { pads: [1, 2, 3, 0], mode: 'reflect' }],
  crop2d: [t([1, 2, 5, 6]), { top: 1, left: 2, height: 3, width: 4 }],
  globalAvgPool: [t([2, 3, 4, 5])],
  binary: [t([1, 3, 2, 2]), t([3, 1, 1]), { op: 'mul' }],
  clip: [t([1, 2, 3, 3]), { min: -0.5, max: Infinity }],
  mish: [t([1, 2, 3, 3])],
  hardSwish: [t([1, 2, 3, 3]), { alpha: 0.2, beta: 0.5 }],
  mseLoss: [t([1, 2, 3, 3]), t([1, 2, 3, 3])],
  mseLossBackward: [t([1, 2, 3, 3]), t([1, 2, 3, 3]), { scale: 2 }],
  l1Loss: [t([2, 5]), t([2, 5])],
  l1LossBackward: [t([2, 5]), t([2, 5])],
  charbonnierLoss: [t([1, 2, 3, 3]), t([1, 2, 3, 3]), { eps: 0.01 }],
  charbonnierLossBackward: [t([1, 2, 3, 3]), t([1, 2, 3, 3]), { eps: 0.01, scale: 0.5 }],
  checkerboardPenalty: [t([2, 3, 3, 3]), { stride: 2 }],
  checkerboardPenaltyBackward: [t([2, 3, 3, 3]), { stride: [2, 1], scale: 0.1 }],
  sliceChannels: [t([2, 5, 2, 3]), 1, 3],
  upsampleBackward: [t([1, 2, 4, 4]), { scale: 1.5, mode: 'bilinear', inputShape: [1, 2, 3, 3] }],
  reluBackward: [t([1, 2, 3, 3]), t([1, 2, 3, 3])],
  leakyReluBackward: [t([1, 2, 3, 3]), t([1, 2, 3, 3]), 0.2],
  sigmoidBackward: [t([1, 2, 3, 3]), t([1, 2, 3, 3])],
  tanhBackward: [t([1, 2, 3, 3]), t([1, 2, 3, 3])],
  preluBackward: [t([2, 2, 3, 3]), t([2, 2, 3, 3]), t([2])],
  gaussianBlur: [t([1, 2, 4, 4]), { data: Float32Array.from([0.8, 1.3]), shape: [2] }, { kernel: 3 }],
  gaussianBlurBackward: [t([1, 2, 4, 4]), { data: Float32Array.from([0.9]), shape: [1] }, t([1, 2, 4, 4]), { kernel: 3 }],
  creluBackward: [t([1, 4, 3, 3]), t([1, 2, 3, 3])],
  pad2dBackward: [t([1, 2, 6, 7]), { pads: [1, 2, 3, 0], mode: 'reflect' }],
  crop2dBackward: [t([1, 2, 3, 4]), { top: 1, left: 2, height: 3, width: 4, inputShape: [1, 2, 5, 6] }],
  binaryBackward: [t([1, 3, 2, 2]), t([3, 1, 1]), t([1, 3, 2, 2]), { op: 'mul', needs: { da: false } }],
  globalAvgPoolBackward: [t([2, 3, 1, 1]), { inputShape: [2, 3, 4, 5] }],
  clipBackward: [t([1, 2, 3, 3]), t([1, 2, 3, 3]), { min: -0.5, max: 0.5 }],
  mishBackward: [t([1, 2, 3, 3]), t([1, 2, 3, 3])],
  hardSwishBackward: [t([1, 2, 3, 3]), t([1, 2, 3, 3]), { alpha: 0.2, beta: 0.5 }],
};

const rows = Object.values(OPS) as OpDef[];

/** The sample's arguments with its tensors (by the row's `inputs`) uploaded to `engine`. */
function toGpu(engine: Engine, def: OpDef, args: readonly unknown[]): { args: unknown[]; uploaded: Tensor[] } {
  const uploaded: Tensor[] = [];
  const up = (c: CpuTensor) => {
    const g = engine.tensor(c.data, c.shape);
    uploaded.push(g);
    return g;
  };
  const gpuArgs = args.map((a, i) => {
    const spec = def.inputs[i];
    if (spec === undefined || a === null) return a;
    return spec.endsWith('[]') ? (a as CpuTensor[]).map(up) : up(a as CpuTensor);
  });
  return { args: gpuArgs, uploaded };
}

const call = (f: unknown, args: readonly unknown[]) => (f as (...a: unknown[]) => unknown)(...args);
/** A row's result as named outputs: a single output is named '', a multi-output row's record is itself. */
function outputs<T extends object>(v: T | Record<string, T | null>): Record<string, T | null> {
  return Array.isArray(v) || 'shape' in v ? { '': v as T } : (v as Record<string, T | null>);
}
/** `engine[name]`, bound, for calling a row by name. */
const method = (engine: Engine, name: string) => (engine as unknown as Record<string, (...a: unknown[]) => unknown>)[name].bind(engine);

describe('the op table', () => {
  it('each row is named by its key; the engine has exactly one method per row, and webgpu-upsample/cpu exports exactly its CPU references', () => {
    for (const [key, def] of Object.entries(OPS)) expect(def.name).toBe(key);
    const names = Object.keys(OPS).sort();
    const engineOps = Object.getOwnPropertyNames(Engine.prototype).filter((k) => names.includes(k));
    expect(engineOps.sort()).toEqual(names);
    for (const name of names) expect((Engine.prototype as unknown as Record<string, () => void>)[name].name).toBe(name);
    const helpers = ['cpuTensor', 'zeros', 'runModelGraph'];
    const cpuOps = Object.keys(cpu)
      .filter((k) => !helpers.includes(k))
      .sort();
    expect(cpuOps).toEqual(names);
    for (const name of names) expect((cpu as Record<string, unknown>)[name]).toBe(OPS[name as OpName].cpu);
    // Every row names its tensor arguments; the sample supplies at least those.
    for (const def of rows) expect(samples[def.name as OpName].length, def.name).toBeGreaterThanOrEqual(def.inputs.length);
  });

  for (const def of rows) {
    it(`${def.name}: the shape rule's shape == the CPU reference's == the engine's, and both agree in value`, async () => {
      const args = samples[def.name as OpName] as readonly unknown[];
      // A multi-output row returns a record of outputs (null where not requested), in all three columns alike.
      const shapes = outputs(call(def.outShape, args) as number[] | Record<string, number[] | null>);
      const refs = outputs(call(def.cpu, args) as CpuTensor | Record<string, CpuTensor | null>);
      const { args: gpuArgs, uploaded } = toGpu(h.engine, def, args);
      const ys = outputs(call(method(h.engine, def.name), gpuArgs) as Tensor | Record<string, Tensor | null>);
      try {
        expect(Object.keys(refs), def.name).toEqual(Object.keys(shapes));
        expect(Object.keys(ys), def.name).toEqual(Object.keys(shapes));
        for (const [key, shape] of Object.entries(shapes)) {
          const ref = refs[key];
          const y = ys[key];
          if (shape === null || ref === null || y === null) {
            expect([ref, y], `${def.name}.${key}: null in every column or none`).toEqual([shape, shape]);
            continue;
          }
          expect(ref.shape, key).toEqual([...shape]);
          expect([...y.shape], key).toEqual([...shape]);
          const out = await y.read();
          let worst = 0;
          for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i] - ref.data[i]));
          // A smoke check on tiny inputs; each op's own test file bounds the error properly.
          expect(worst, `${def.name}${key ? `.${key}` : ''}: max |GPU − CPU|`).toBeLessThan(1e-4);
        }
      } finally {
        for (const y of Object.values(ys)) y?.dispose();
        for (const u of uploaded) u.dispose();
      }
    });
  }

  it('the shape rule throws what the op throws, before any work (conv2d typo, pixelShuffle channels)', () => {
    const x = t([1, 6, 2, 2]);
    const bad: [OpName, unknown[]][] = [
      ['conv2d', [t([1, 2, 5, 5]), t([4, 2, 3, 3]), null, { strid: 2 }]],
      ['pixelShuffle', [x, 2]],
      ['conv2dBackward', [t([1, 2, 5, 5]), t([4, 2, 3, 3]), t([1, 4, 5, 5]), {}]],
      ['concat', [[t([1, 1, 2, 2]), t([1, 1, 3, 2])]]],
    ];
    for (const [name, args] of bad) {
      const def = OPS[name] as OpDef;
      let message = '';
      try {
        call(def.cpu, args);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, name).toMatch(new RegExp(`^${name}: `));
      expect(() => call(def.outShape, args)).toThrow(message);
      const { args: gpuArgs, uploaded } = toGpu(h.engine, def, args);
      const before = h.engine.stats().dispatches;
      expect(() => call(method(h.engine, name), gpuArgs)).toThrow(message);
      expect(h.engine.stats().dispatches).toBe(before);
      for (const u of uploaded) u.dispose();
    }
    expect(() => OPS.pixelShuffle.outShape({ shape: [1, 6, 2, 2] }, 2)).toThrow(ShapeError);
  });

  it('every engine op refuses to run on a destroyed engine, naming itself', async () => {
    const e = await createEngine();
    e.destroy();
    for (const def of rows) {
      const args = samples[def.name as OpName] as readonly unknown[];
      expect(() => call(method(e, def.name), args)).toThrow(DisposedError);
      expect(() => call(method(e, def.name), args)).toThrow(`${def.name}: the engine was destroyed`);
    }
  });
});
