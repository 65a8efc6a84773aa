/**
 * ONNX models exported by torch.onnx.export (opset 17, dynamic batch, height
 * and width; test/fixtures/make-onnx.py made them and PyTorch's outputs):
 * tiny random-weight SRVGGNetCompact ×4 (PReLU), RRDBNet ×4 and ×2 (basicsr's
 * view/permute pixel-unshuffle), and a squeeze-excitation net (pool → Linear →
 * ReLU → Linear → Sigmoid → Mul, with torch's Shape/Gather/Reshape/Expand
 * chains), a net of the remaining ops (nn.PixelUnshuffle, Hardswish, Mish,
 * SiLU, ConvTranspose2d, ReLU6, bilinear/bicubic interpolate, reflect pad,
 * slicing), interpolate(size=(2h, 2w)), and two exports with a fixed input
 * size (-fixed: the shapes torch folds to constants). Imported, they match
 * PyTorch on the CPU references and on the engine.
 *
 * Tolerance: a float32 sum of n terms in any order is within γ_n·Σ|terms| of
 * the exact value (./helpers/compare.ts); each conv sums K = Cin·kH·kW
 * products and a bias, each resampled value up to 16 taps, each other
 * arithmetic node a few terms; transcendentals (sigmoid, tanh, mish) are
 * rounded differently by each library, 2⁻²⁰ each. Summing over the graph
 * gives c, the relative error one run can gather (first order) when the
 * activations are of the order of the output; PyTorch and we each carry up to
 * c, so the two differ by at most 2·c·max(1, |y|max). A wrong pad, channel
 * order or slope moves outputs by whole units.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuTensor, runModelGraph } from '../src/cpu/index.js';
import type { ModelGraph } from '../src/model/ir.js';
import { loadOnnxModel, parseOnnxModel } from '../src/onnx/import/index.js';
import { planUpscale, upscalePlanes } from '../src/upscale/upscale.js';
import { gammaBound } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { rng } from './helpers/random.js';

const h = useEngine();
const dir = join(__dirname, 'fixtures/onnx');

interface TorchRef {
  inputShape: number[];
  input: number[];
  outputShape: number[];
  output: number[];
}
const refs = JSON.parse(readFileSync(join(dir, 'torch-outputs.json'), 'utf8')) as Record<string, TorchRef>;

function errorConstant(graph: ModelGraph): number {
  let c = 0;
  for (const n of graph.nodes) {
    if (n.kind === 'conv' || n.kind === 'convTranspose') c += gammaBound(n.weightShape[1] * n.weightShape[2] * n.weightShape[3] + 1);
    else if (n.kind === 'upsample') c += gammaBound(16);
    else if (['add', 'binary', 'prelu', 'scale', 'hardSwish', 'globalAvgPool'].includes(n.kind)) c += gammaBound(4);
    else if (n.kind === 'mish' || (n.kind === 'activation' && (n.fn === 'sigmoid' || n.fn === 'tanh'))) c += 2 ** -20;
  }
  return c;
}

/** The ONNX file a reference was made with ('-odd': the same model on an odd-sized input). */
const fileOf = (name: string) => name.replace(/-odd$/, '');

const cases: [string, number, string[]][] = [
  ['srvgg-x4', 4, ['prelu', 'depthToSpace', 'upsample', 'add']],
  ['rrdb-x4', 4, ['concat', 'upsample', 'activation']],
  ['rrdb-x2', 2, ['spaceToDepth', 'concat']],
  // The same file on a 5×7 input: padded (reflect) to a multiple of 2 and cropped back, as spandrel runs it.
  ['rrdb-x2-odd', 2, ['pad', 'spaceToDepth', 'crop']],
  ['se-x2', 2, ['globalAvgPool', 'binary', 'depthToSpace']],
  ['misc-x4', 4, ['spaceToDepth', 'convTranspose', 'hardSwish', 'mish', 'binary', 'clip', 'upsample', 'pad', 'crop']],
  ['sized-x2', 2, ['upsample']],
  ['rrdb-x2-fixed', 2, ['spaceToDepth']],
  ['sized-x2-fixed', 2, ['upsample']],
];

describe('torch.onnx.export models import and match PyTorch', () => {
  for (const [name, scale, kinds] of cases) {
    it(`${name}: ×${scale}, the graph has ${kinds.join(', ')}, CPU run == PyTorch within 2·c·max|y|`, () => {
      const bytes = readFileSync(join(dir, `${fileOf(name)}.onnx`));
      const parsed = parseOnnxModel(bytes, { file: `${fileOf(name)}.onnx` });
      expect(parsed.scale).toBe(scale);
      expect(parsed.inputRange).toEqual([0, 1]);
      for (const k of kinds)
        expect(
          parsed.graph.nodes.some((n) => n.kind === k),
          k,
        ).toBe(true);
      const ref = refs[name];
      const y = runModelGraph(parsed.graph, cpuTensor(Float32Array.from(ref.input), ref.inputShape));
      expect(y.shape).toEqual(ref.outputShape);
      const peak = Math.max(1, ...ref.output.map(Math.abs));
      const tol = 2 * errorConstant(parsed.graph) * peak;
      let worst = 0;
      for (let i = 0; i < ref.output.length; i++) worst = Math.max(worst, Math.abs(y.data[i] - ref.output[i]));
      expect(worst, `max |Δ| ${worst}, tolerance ${tol}`).toBeLessThanOrEqual(tol);
    });
  }

  it('on the engine (fused plan): every model == PyTorch within the same bound', async () => {
    for (const [name] of cases) {
      const ref = refs[name];
      const model = loadOnnxModel(h.engine, readFileSync(join(dir, `${fileOf(name)}.onnx`)), { file: `${fileOf(name)}.onnx` });
      try {
        const x = h.engine.tensor(Float32Array.from(ref.input), ref.inputShape);
        const y = model.run(x);
        expect(y.shape, name).toEqual(ref.outputShape);
        const ours = await y.read();
        x.dispose();
        y.dispose();
        const tol = 2 * errorConstant(model.graph) * Math.max(1, ...ref.output.map(Math.abs));
        let worst = 0;
        for (let i = 0; i < ref.output.length; i++) worst = Math.max(worst, Math.abs(ours[i] - ref.output[i]));
        expect(worst, `${name}: max |Δ| ${worst}, tolerance ${tol}`).toBeLessThanOrEqual(tol);
      } finally {
        model.dispose();
      }
    }
  });

  it('through the image pipeline: tiled == untiled, bit for bit (SE whole-image context; unshuffle padding at an odd size)', async () => {
    for (const name of ['se-x2', 'rrdb-x2']) {
      const model = loadOnnxModel(h.engine, readFileSync(join(dir, `${name}.onnx`)), { file: `${name}.onnx` });
      try {
        const [H, W] = [11, 9];
        const r = rng(H * W);
        const img = {
          data: Float32Array.from({ length: 3 * H * W }, (_, i) => (i % W < W / 2 ? 0.7 : 0.2) + 0.1 * r()),
          channels: 3,
          height: H,
          width: W,
        };
        const untiled = await upscalePlanes(h.engine, img, { model, tileSize: 64 });
        expect(planUpscale(h.engine, H, W, { model, tileSize: 6 }).tiles.length, name).toBeGreaterThan(1);
        const tiled = await upscalePlanes(h.engine, img, { model, tileSize: 6 });
        expect([untiled.height, untiled.width]).toEqual([2 * H, 2 * W]);
        let differ = 0;
        for (let i = 0; i < tiled.data.length; i++) if (tiled.data[i] !== untiled.data[i]) differ++;
        expect(differ, `${name}: values differing between tiled and untiled`).toBe(0);
      } finally {
        model.dispose();
      }
    }
  });
});
