/**
 * Known answers as data: every case of test/known-answers/<op>.json, worked
 * out by hand from the maths (its "why" says how), must come out of
 *   the GPU engine, the CPU reference (webgpu-upsample/cpu) and, where the case
 *   names one ONNX node, onnxruntime-node
 * exactly: the data are small integers and binary fractions, so float32 results
 * are exact whatever the summation order. A case that cannot be exact carries a
 * tolerance with its derivation. The format is described in helpers/known-answers.ts.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import type { CpuTensor } from '../src/cpu/index.js';
import type { Engine, Tensor } from '../src/index.js';
import { useEngine } from './helpers/engine.js';
import { OPS } from '../src/registry/table.js';
import {
  arityOf,
  fileNameOf,
  KNOWN_OPS,
  KnownAnswerFormatError,
  loadKnownAnswers,
  parseKnownAnswers,
  type KnownCase,
  type KnownOp,
  type KnownTensor,
  WITHOUT_KNOWN_ANSWERS,
} from './helpers/known-answers.js';
import { runOnnxOp, type OnnxTensor } from './helpers/onnx.js';

type Options = Record<string, unknown>;

/** How one op is called on each backend, from a case's tensors and options. */
interface Runner {
  gpu(e: Engine, xs: Tensor[], o: Options): Tensor;
  cpu(xs: CpuTensor[], o: Options): CpuTensor;
}

/** Splits an argument the engine takes positionally (r, negativeSlope, scalar) off the options. */
function take(o: Options, key: string): [unknown, Options] {
  const { [key]: value, ...rest } = o;
  return [value, rest];
}

/** For ops without an options argument: anything left over is a mistake in the file, not something to ignore. */
function none(op: string, o: Options): void {
  const keys = Object.keys(o);
  if (keys.length > 0) throw new Error(`${op} takes no options, the case gives ${keys.join(', ')}`);
}

type ConvTOptions = Parameters<Engine['convTranspose2d']>[3];
type ConvOptions = Parameters<Engine['conv2d']>[3];
type D2SOptions = Parameters<Engine['depthToSpace']>[2];
type UpOptions = Parameters<Engine['upsample']>[1];
type DownOptions = Parameters<Engine['downsample']>[1];
type PadOptions = Parameters<Engine['pad2d']>[1];
type CropOptions = Parameters<Engine['crop2d']>[1];
type BinaryOptions = Parameters<Engine['binary']>[2];
type ClipOptions = Parameters<Engine['clip']>[1];
type HardSwishOptions = Parameters<Engine['hardSwish']>[1];
type BlurOptions = Parameters<Engine['gaussianBlur']>[2];
type CharbonnierOptions = Parameters<Engine['charbonnierLoss']>[2];
type CheckerboardOptions = Parameters<Engine['checkerboardPenalty']>[1];

/** A runner for an op that takes its tensors and nothing else (a leftover option is a mistake in the file). */
function tensorsOnly(op: string, gpu: (e: Engine, xs: Tensor[]) => Tensor, cpu: (xs: CpuTensor[]) => CpuTensor): Runner {
  return {
    gpu: (e, xs, o) => {
      none(op, o);
      return gpu(e, xs);
    },
    cpu: (xs, o) => {
      none(op, o);
      return cpu(xs);
    },
  };
}

const RUNNERS: Record<KnownOp, Runner> = {
  convTranspose2d: {
    gpu: (e, [x, w, b], o) => e.convTranspose2d(x, w, b ?? null, o as ConvTOptions),
    cpu: ([x, w, b], o) => cpu.convTranspose2d(x, w, b ?? null, o),
  },
  conv2d: {
    gpu: (e, [x, w, b], o) => e.conv2d(x, w, b ?? null, o as ConvOptions),
    cpu: ([x, w, b], o) => cpu.conv2d(x, w, b ?? null, o),
  },
  depthToSpace: {
    gpu: (e, [x], o) => {
      const [r, rest] = take(o, 'r');
      return e.depthToSpace(x, r as number, rest as D2SOptions);
    },
    cpu: ([x], o) => {
      const [r, rest] = take(o, 'r');
      return cpu.depthToSpace(x, r as number, rest as D2SOptions);
    },
  },
  spaceToDepth: {
    gpu: (e, [x], o) => {
      const [r, rest] = take(o, 'r');
      return e.spaceToDepth(x, r as number, rest as D2SOptions);
    },
    cpu: ([x], o) => {
      const [r, rest] = take(o, 'r');
      return cpu.spaceToDepth(x, r as number, rest as D2SOptions);
    },
  },
  pixelShuffle: {
    gpu: (e, [x], o) => {
      const [r, rest] = take(o, 'r');
      none('pixelShuffle', rest);
      return e.pixelShuffle(x, r as number);
    },
    cpu: ([x], o) => {
      const [r, rest] = take(o, 'r');
      none('pixelShuffle', rest);
      return cpu.pixelShuffle(x, r as number);
    },
  },
  pixelUnshuffle: {
    gpu: (e, [x], o) => {
      const [r, rest] = take(o, 'r');
      none('pixelUnshuffle', rest);
      return e.pixelUnshuffle(x, r as number);
    },
    cpu: ([x], o) => {
      const [r, rest] = take(o, 'r');
      none('pixelUnshuffle', rest);
      return cpu.pixelUnshuffle(x, r as number);
    },
  },
  upsample: {
    gpu: (e, [x], o) => e.upsample(x, o as unknown as UpOptions),
    cpu: ([x], o) => cpu.upsample(x, o as unknown as UpOptions),
  },
  downsample: {
    gpu: (e, [x], o) => e.downsample(x, o as unknown as DownOptions),
    cpu: ([x], o) => cpu.downsample(x, o as unknown as DownOptions),
  },
  relu: {
    gpu: (e, [x], o) => {
      none('relu', o);
      return e.relu(x);
    },
    cpu: ([x], o) => {
      none('relu', o);
      return cpu.relu(x);
    },
  },
  leakyRelu: {
    // An absent negativeSlope is passed as undefined, so the op's own default (0.01) applies.
    gpu: (e, [x], o) => {
      const [s, rest] = take(o, 'negativeSlope');
      none('leakyRelu', rest);
      return e.leakyRelu(x, s as number | undefined);
    },
    cpu: ([x], o) => {
      const [s, rest] = take(o, 'negativeSlope');
      none('leakyRelu', rest);
      return cpu.leakyRelu(x, s as number | undefined);
    },
  },
  add: {
    gpu: (e, [a, b], o) => {
      none('add', o);
      return e.add(a, b);
    },
    cpu: ([a, b], o) => {
      none('add', o);
      return cpu.add(a, b);
    },
  },
  mul: {
    gpu: (e, [x], o) => {
      const [s, rest] = take(o, 'scalar');
      none('mul', rest);
      return e.mul(x, s as number);
    },
    cpu: ([x], o) => {
      const [s, rest] = take(o, 'scalar');
      none('mul', rest);
      return cpu.mul(x, s as number);
    },
  },
  concat: {
    gpu: (e, xs, o) => {
      none('concat', o);
      return e.concat(xs);
    },
    cpu: (xs, o) => {
      none('concat', o);
      return cpu.concat(xs);
    },
  },
  pad2d: {
    gpu: (e, [x], o) => e.pad2d(x, o as unknown as PadOptions),
    cpu: ([x], o) => cpu.pad2d(x, o as unknown as PadOptions),
  },
  crop2d: {
    gpu: (e, [x], o) => e.crop2d(x, o as unknown as CropOptions),
    cpu: ([x], o) => cpu.crop2d(x, o as unknown as CropOptions),
  },
  globalAvgPool: {
    gpu: (e, [x], o) => {
      none('globalAvgPool', o);
      return e.globalAvgPool(x);
    },
    cpu: ([x], o) => {
      none('globalAvgPool', o);
      return cpu.globalAvgPool(x);
    },
  },
  binary: {
    gpu: (e, [a, b], o) => e.binary(a, b, o as unknown as BinaryOptions),
    cpu: ([a, b], o) => cpu.binary(a, b, o as unknown as BinaryOptions),
  },
  clip: {
    gpu: (e, [x], o) => e.clip(x, o as unknown as ClipOptions),
    cpu: ([x], o) => cpu.clip(x, o as unknown as ClipOptions),
  },
  mish: {
    gpu: (e, [x], o) => {
      none('mish', o);
      return e.mish(x);
    },
    cpu: ([x], o) => {
      none('mish', o);
      return cpu.mish(x);
    },
  },
  hardSwish: {
    gpu: (e, [x], o) => e.hardSwish(x, o as HardSwishOptions),
    cpu: ([x], o) => cpu.hardSwish(x, o as HardSwishOptions),
  },
  sigmoid: tensorsOnly(
    'sigmoid',
    (e, [x]) => e.sigmoid(x),
    ([x]) => cpu.sigmoid(x),
  ),
  tanh: tensorsOnly(
    'tanh',
    (e, [x]) => e.tanh(x),
    ([x]) => cpu.tanh(x),
  ),
  prelu: tensorsOnly(
    'prelu',
    (e, [x, slope]) => e.prelu(x, slope),
    ([x, slope]) => cpu.prelu(x, slope),
  ),
  crelu: tensorsOnly(
    'crelu',
    (e, [x]) => e.crelu(x),
    ([x]) => cpu.crelu(x),
  ),
  gaussianBlur: {
    gpu: (e, [x, sigma], o) => e.gaussianBlur(x, sigma, o as BlurOptions),
    cpu: ([x, sigma], o) => cpu.gaussianBlur(x, sigma, o as BlurOptions),
  },
  sliceChannels: {
    gpu: (e, [x], o) => {
      const [start, rest] = take(o, 'start');
      const [count, others] = take(rest, 'count');
      none('sliceChannels', others);
      return e.sliceChannels(x, start as number, count as number);
    },
    cpu: ([x], o) => {
      const [start, rest] = take(o, 'start');
      const [count, others] = take(rest, 'count');
      none('sliceChannels', others);
      return cpu.sliceChannels(x, start as number, count as number);
    },
  },
  mseLoss: tensorsOnly(
    'mseLoss',
    (e, [p, t]) => e.mseLoss(p, t),
    ([p, t]) => cpu.mseLoss(p, t),
  ),
  l1Loss: tensorsOnly(
    'l1Loss',
    (e, [p, t]) => e.l1Loss(p, t),
    ([p, t]) => cpu.l1Loss(p, t),
  ),
  charbonnierLoss: {
    gpu: (e, [p, t], o) => e.charbonnierLoss(p, t, o as CharbonnierOptions),
    cpu: ([p, t], o) => cpu.charbonnierLoss(p, t, o as CharbonnierOptions),
  },
  checkerboardPenalty: {
    gpu: (e, [w], o) => e.checkerboardPenalty(w, o as unknown as CheckerboardOptions),
    cpu: ([w], o) => cpu.checkerboardPenalty(w, o as unknown as CheckerboardOptions),
  },
};

/** Options with a `residual` tensor ({ data, shape } in the file) made into the backend's tensor. */
function withTensors<T>(o: Options, make: (t: KnownTensor) => T): Options {
  return o.residual === undefined ? o : { ...o, residual: make(o.residual as KnownTensor) };
}

interface Result {
  data: ArrayLike<number>;
  shape: readonly number[];
}

async function runGpu(e: Engine, op: KnownOp, c: KnownCase): Promise<Result> {
  const owned: Tensor[] = [];
  const make = (t: KnownTensor) => {
    const x = e.tensor(t.data, t.shape);
    owned.push(x);
    return x;
  };
  try {
    const y = RUNNERS[op].gpu(e, c.inputs.map(make), withTensors(c.options, make));
    owned.push(y);
    return { data: await y.read(), shape: [...y.shape] };
  } finally {
    for (const t of owned) t.dispose();
  }
}

function runCpu(op: KnownOp, c: KnownCase): Result {
  const make = (t: KnownTensor): CpuTensor => ({ data: Float32Array.from(t.data), shape: [...t.shape] });
  return RUNNERS[op].cpu(c.inputs.map(make), withTensors(c.options, make));
}

async function runOnnx(c: KnownCase): Promise<Result> {
  const onnx = c.onnx!;
  const make = (t: KnownTensor): OnnxTensor => ({ data: Float32Array.from(t.data), shape: [...t.shape] });
  const [first, ...rest] = c.inputs.map(make);
  const constants = onnx.constants.map((t) => (t === '' ? ('' as const) : 'int64' in t ? t : make(t)));
  return runOnnxOp(onnx.op, [first], onnx.attributes, [...rest, ...constants]);
}

/** NCHW coordinates of a flat index, for messages that point at a pixel. */
function coords(i: number, shape: readonly number[]): string {
  const out: number[] = [];
  for (let a = shape.length - 1; a >= 0; a--) {
    out.unshift(i % shape[a]);
    i = Math.floor(i / shape[a]);
  }
  return `[${out.join(', ')}]`;
}

/**
 * Exact cases compare with the expected values rounded to float32 (what any
 * float32 evaluation of an exact answer stores); toleranced ones with the real
 * value. A failure names each wrong element by its coordinates and repeats the
 * case's "why", so it reads like the maths.
 */
function expectAnswer(got: Result, c: KnownCase, where: string): void {
  expect([...got.shape], `${where}: output shape`).toEqual(c.output.shape);
  const want = c.tolerance ? c.output.data : Float32Array.from(c.output.data);
  const wrong: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const ok = c.tolerance ? Math.abs(got.data[i] - want[i]) <= c.tolerance.abs : got.data[i] === want[i];
    if (!ok) wrong.push(`output${coords(i, c.output.shape)} = ${got.data[i]}, expected ${want[i]}`);
  }
  if (wrong.length > 0) {
    const bound = c.tolerance ? ` (tolerance ${c.tolerance.abs})` : ' (exact)';
    expect.fail(
      `${where}: ${wrong.length} of ${want.length} values wrong${bound}\n  ${wrong.slice(0, 6).join('\n  ')}` +
        `\n  got      [${Array.from(got.data).join(', ')}]\n  expected [${c.output.data.join(', ')}]\n  why: ${c.why}`,
    );
  }
}

const h = useEngine();
const files = loadKnownAnswers(fileURLToPath(new URL('./known-answers/', import.meta.url)));

for (const f of files) {
  describe(`${f.op} known answers (${fileNameOf(f.op)})`, () => {
    for (const c of f.cases) {
      it(`gpu: ${c.name}`, async () => {
        expectAnswer(await runGpu(h.engine, f.op, c), c, `${f.op} on the GPU engine, "${c.name}"`);
      });
      it(`cpu: ${c.name}`, () => {
        expectAnswer(runCpu(f.op, c), c, `${f.op} on the CPU reference, "${c.name}"`);
      });
      // Cases without an ONNX node say why in the file (whyNoOnnx); they get no onnxruntime test rather than a skipped one.
      if (c.onnx) {
        it(`onnxruntime ${c.onnx.op}: ${c.name}`, async () => {
          expectAnswer(await runOnnx(c), c, `onnxruntime-node ${c.onnx!.op} for ${f.op}, "${c.name}"`);
        });
      }
    }
  });
}

describe('known-answer files', () => {
  it("the ops are the table's forward rows, with the arity of their inputs", () => {
    const forward = Object.keys(OPS).filter((name) => !name.endsWith('Backward') && !Object.hasOwn(WITHOUT_KNOWN_ANSWERS, name));
    expect(Object.keys(KNOWN_OPS).sort()).toEqual(forward.sort());
    expect(KNOWN_OPS).toHaveProperty('sigmoid');
    expect(KNOWN_OPS.conv2d).toEqual([2, 3]);
    expect(KNOWN_OPS.concat).toEqual([1, Infinity]);
    expect(KNOWN_OPS.prelu).toEqual([2, 2]);
    expect(KNOWN_OPS.checkerboardPenalty).toEqual([1, 1]);
    expect(arityOf(['a', 'b?', 'c?'])).toEqual([1, 3]);
  });

  it('every forward op of the engine has a file, with at least 3 cases', () => {
    const byOp = new Map(files.map((f) => [f.op, f.cases.length]));
    for (const op of Object.keys(KNOWN_OPS)) {
      expect(byOp.get(op as KnownOp) ?? 0, `${fileNameOf(op)}: cases`).toBeGreaterThanOrEqual(3);
    }
  });

  it('the loader names the file, the case and the field of a malformed entry', () => {
    const file = 'test/known-answers/relu.json';
    const doc = (kase: object) => JSON.stringify({ op: 'relu', about: 'max(x, 0)', cases: [kase] });
    const good = {
      name: 'n',
      why: 'w',
      options: {},
      inputs: [{ data: [1], shape: [1, 1, 1, 1] }],
      output: { data: [1], shape: [1, 1, 1, 1] },
      onnx: { op: 'Relu', attributes: {} },
    };
    expect(parseKnownAnswers(doc(good), file).cases).toHaveLength(1);
    const bad = (kase: object, message: string | RegExp, name = file) => {
      expect(() => parseKnownAnswers(doc(kase), name)).toThrow(KnownAnswerFormatError);
      expect(() => parseKnownAnswers(doc(kase), name)).toThrow(message);
    };
    bad(
      { ...good, inputs: [{ data: [1, 2, 3], shape: [1, 1, 2, 2] }] },
      'relu.json: cases[0] "n": inputs[0]: shape [1, 1, 2, 2] holds 4 values, data has 3',
    );
    bad({ ...good, tolerence: { abs: 1, why: 'w' } }, "cases[0]: unknown key 'tolerence'");
    bad({ ...good, tolerance: { abs: 1e-5 } }, 'tolerance.why (derive the bound) must be a non-empty string');
    bad({ ...good, onnx: null }, 'whyNoOnnx (required when onnx is null)');
    bad({ ...good, onnx: undefined }, 'onnx is missing');
    bad({ ...good, inputs: [] }, 'relu takes 1 input tensors, the case has 0');
    bad({ ...good, output: { data: [Infinity], shape: [1] } }, 'output: data must be an array of finite numbers');
    bad({ ...good, onnx: { op: 'LeakyRelu', attributes: { alpha: 0.5 } } }, 'onnx.attributes.alpha: 0.5 must be an int');
    bad(good, "a file for op 'relu' must be named relu.json", 'test/known-answers/leaky-relu.json');
    expect(() => parseKnownAnswers('{ "op": "relu", ', file)).toThrow(/relu\.json: not valid JSON/);
    expect(() => parseKnownAnswers(JSON.stringify({ op: 'gelu', about: 'a', cases: [good] }), 'gelu.json')).toThrow(
      /op 'gelu' is not one of/,
    );
  });
});
