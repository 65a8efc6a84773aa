/**
 * PyTorch checkpoints run as PyTorch runs them: tiny random-weight RRDBNet and
 * SRVGGNetCompact checkpoints (test/fixtures/make-pytorch.py, every key style,
 * scale, activation and file format) and, when .native/ holds them, two
 * community models, on the CPU references (runModelGraph, node by node and
 * fused) and on the GPU engine, against torch's float64 outputs.
 *
 * Tolerance, derived from a float32 implementation of the same sums: torch's
 * own float32 output is stored beside the exact (float64) one, and its
 * distance e₃₂ = max|torch₃₂ − exact| is the error float32 arithmetic makes on
 * this network and input. Ours sums in other orders (tiled, fused, on the GPU
 * with fma) — same kind of error, so within a small multiple: 8·e₃₂, plus the
 * float32 rounding of the stored exact values (2⁻²⁴·|exact|). (A bound from
 * Σ|terms| is useless here: through 20+ layers it grows like ∏ Σ|w|, 10¹² and
 * more.) A wrong slope, padding, channel order or residual is orders of
 * magnitude beyond it: 0.21 instead of 0.2 for one leaky ReLU fails.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuTensor } from '../src/cpu/tensor.js';
import {
  loadPytorchModel,
  loadSafetensorsModel,
  parsePytorchModel,
  parseSafetensorsModel,
  type PytorchModelOptions,
} from '../src/model/index.js';
import { runModelGraph } from '../src/model/run-cpu.js';
import { upscale } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';

const dir = 'test/fixtures/pytorch';
interface Case {
  file: string;
  /** The input is not a multiple of the pixel-unshuffle factor: the loaded model pads it (reflect) and crops, as spandrel does. */
  padded?: boolean;
  architecture?: Record<string, unknown>;
  input: { shape: number[]; data: number[] };
  output: { shape: number[]; file: string };
}
const expected = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as { models: Case[]; native: Case[] };
const h = useEngine();

function reference(c: Case): { exact: Float32Array; torch32: Float32Array } {
  const raw = readFileSync(`${dir}/${c.output.file}`);
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const n = c.output.shape.reduce((a, b) => a * b, 1);
  expect(all.length).toBe(2 * n);
  return { exact: all.subarray(0, n), torch32: all.subarray(n) };
}

function expectMatchesTorch(ours: Float32Array, c: Case, context: string): void {
  const { exact, torch32 } = reference(c);
  expect(ours.length, context).toBe(exact.length);
  let e32 = 0;
  for (let i = 0; i < exact.length; i++) e32 = Math.max(e32, Math.abs(torch32[i] - exact[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < exact.length; i++) {
    const ratio = Math.abs(ours[i] - exact[i]) / (8 * e32 + 2 ** -24 * Math.abs(exact[i]));
    if (!(ratio <= worst)) {
      worst = ratio;
      at = i;
    }
  }
  if (!(worst <= 1)) {
    expect.fail(
      `${context}: element ${at} ours=${ours[at]} torch=${exact[at]} differs by more than 8× torch's own float32 error ${e32.toExponential(2)} (${worst.toFixed(1)}× the bound)`,
    );
  }
}

const options = (c: Case): PytorchModelOptions => ({
  file: c.file,
  ...(c.architecture?.activation === 'leakyRelu' ? { srvggActivation: 'leakyRelu' as const } : {}),
});
const parse = (bytes: Uint8Array, c: Case) =>
  (c.file.endsWith('.safetensors') ? parseSafetensorsModel : parsePytorchModel)(bytes, options(c));

describe('tiny checkpoints against torch', () => {
  for (const c of expected.models) {
    it(`${c.file}${c.padded ? ` on ${c.input.shape[3]}×${c.input.shape[2]} (padded)` : ''}: ${JSON.stringify(c.architecture)} detected; ${c.padded ? '' : 'CPU (unfused and fused) and '}GPU match torch`, async () => {
      const bytes = new Uint8Array(readFileSync(`${dir}/${c.file}`));
      const spec = parse(bytes, c);
      const { keys: _keys, ...arch } = c.architecture as Record<string, unknown>;
      expect(spec.architecture).toMatchObject(arch);
      expect(spec.scale).toBe(arch.scale);
      const x = cpuTensor(new Float32Array(c.input.data), c.input.shape);
      if (!c.padded) {
        expectMatchesTorch(runModelGraph(spec.graph, x).data, c, `${c.file} CPU`);
        expectMatchesTorch(runModelGraph(spec.graph, x, { fuse: true }).data, c, `${c.file} CPU fused`);
      }

      const e = h.engine;
      const model = (c.file.endsWith('.safetensors') ? loadSafetensorsModel : loadPytorchModel)(e, bytes, options(c));
      expect(model.architecture).toEqual(spec.architecture);
      expect(model.scale).toBe(arch.scale);
      const t = e.tensor(new Float32Array(c.input.data), c.input.shape);
      const y = model.run(t);
      expect(y.shape).toEqual(c.output.shape);
      expectMatchesTorch(await y.read(), c, `${c.file} GPU`);
      t.dispose();
      y.dispose();
      model.dispose();
    });
  }
});

describe('through the image pipeline', () => {
  for (const file of ['rrdb-x1-unshuffle.pth', 'rrdb-x2-unshuffle.pth', 'srvgg-x4-prelu.pth']) {
    it(`${file}: an 11×9 image (not a multiple of the unshuffle factor), tiled (tileSize 4) equals untiled, byte for byte`, async () => {
      const e = h.engine;
      const model = loadPytorchModel(e, new Uint8Array(readFileSync(`${dir}/${file}`)), { file });
      const [width, height] = [11, 9];
      const rgba = new Uint8ClampedArray(4 * width * height).map((_, i) => (i * 37) % 256);
      const untiled = await upscale(e, { data: rgba, width, height }, { model, tileSize: 64 });
      const tiled = await upscale(e, { data: rgba, width, height }, { model, tileSize: 4 });
      expect([untiled.width, untiled.height]).toEqual([width * model.scale, height * model.scale]);
      expect(Buffer.from(tiled.data).equals(Buffer.from(untiled.data))).toBe(true);
      model.dispose();
    });
  }
});

// The community checkpoints are not committed; CI fetches them into .native/ (scripts/fetch-native.sh).
const native = path.resolve('.native/w/models');
describe('community checkpoints from .native/w/models against torch', () => {
  if (!existsSync(native)) throw new Error(`${native} is missing: run scripts/fetch-native.sh (scripts/setup.sh does)`);
  const arch: Record<string, Record<string, unknown>> = {
    '2x-AniScale.pth': { kind: 'SRVGGNetCompact', scale: 2, nf: 64, numConv: 16, activation: 'prelu' },
    '4x-NMKD-YandereNeo-Superlite.pth': { kind: 'RRDBNet', scale: 4, nf: 64, nb: 2, gc: 32, upsamplers: 2, unshuffle: 1, keys: 'old' },
  };
  for (const c of expected.native) {
    it(`${c.file}: detected as ${JSON.stringify(arch[c.file])}; the CPU references match torch`, () => {
      const spec = parsePytorchModel(new Uint8Array(readFileSync(path.join(native, c.file))), { file: c.file });
      expect(spec.architecture).toEqual(arch[c.file]);
      const x = cpuTensor(new Float32Array(c.input.data), c.input.shape);
      expectMatchesTorch(runModelGraph(spec.graph, x, { fuse: true }).data, c, c.file);
    });
  }
});
