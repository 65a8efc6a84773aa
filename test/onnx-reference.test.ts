/**
 * An independent reference: onnxruntime-node (CPU) on ConvTranspose, Conv,
 * DepthToSpace, SpaceToDepth and Resize graphs built here, against our GPU ops.
 * Tolerance: the float32 summation bound of compare.ts (both sides are within
 * γ_K·Σ|w·x| of the exact sum, so within 2·γ_K·Σ|w·x| of each other).
 */
import { describe, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { convOutSize, convTransposeOutSize } from '../src/index.js';
import { expectCloseSums, expectExact } from './helpers/compare.js';
import { useEngine } from './helpers/engine.js';
import { runOnnxOp, type OnnxTensor } from './helpers/onnx.js';
import { pick, randInt, randomTensor, rng } from './helpers/random.js';

const h = useEngine();
const abs = (t: OnnxTensor) => ({ data: t.data.map(Math.abs), shape: t.shape });

async function gpu(run: (e: typeof h.engine) => { read(): Promise<Float32Array>; dispose(): void }): Promise<Float32Array> {
  const y = run(h.engine);
  try {
    return await y.read();
  } finally {
    y.dispose();
  }
}

describe('onnxruntime-node as an independent reference', () => {
  it('ConvTranspose: 24 random cases with groups, dilations, pads, output_padding, bias', async () => {
    for (let seed = 1; seed <= 24; seed++) {
      const r = rng(7000 + seed);
      const groups = pick(r, [1, 1, 2, 3]);
      const cIn = groups * randInt(r, 1, 3);
      const coG = randInt(r, 1, 4);
      const k = [randInt(r, 1, 5), randInt(r, 1, 4)];
      const s = [randInt(r, 1, 3), randInt(r, 1, 4)];
      const d = [randInt(r, 1, 2), randInt(r, 1, 3)];
      const p = [randInt(r, 0, k[0] - 1), randInt(r, 0, k[1] - 1)];
      // onnxruntime accepts output_padding < stride only; PyTorch's wider op < max(s, d) is covered by the CPU-reference sweep.
      const op = [randInt(r, 0, s[0] - 1), randInt(r, 0, s[1] - 1)];
      const H = randInt(r, 1, 6);
      const W = randInt(r, 1, 6);
      if (convTransposeOutSize(H, k[0], s[0], p[0], d[0], op[0]) < 1 || convTransposeOutSize(W, k[1], s[1], p[1], d[1], op[1]) < 1)
        continue;
      const x = randomTensor([randInt(r, 1, 2), cIn, H, W], r);
      const w = randomTensor([cIn, coG, k[0], k[1]], r);
      const b = randomTensor([coG * groups], r);
      const attrs = { strides: s, pads: [p[0], p[1], p[0], p[1]], output_padding: op, dilations: d, group: groups, kernel_shape: k };
      const ref = await runOnnxOp('ConvTranspose', [x], attrs, [w, b]);
      const options = {
        stride: s as [number, number],
        padding: p as [number, number],
        outputPadding: op as [number, number],
        dilation: d as [number, number],
        groups,
      };
      const mag = cpu.convTranspose2d(abs(x), abs(w), abs(b), options).data;
      const out = await gpu((e) =>
        e.convTranspose2d(e.tensor(x.data, x.shape), e.tensor(w.data, w.shape), e.tensor(b.data, b.shape), options),
      );
      expectCloseSums(
        out,
        ref.data,
        mag,
        (cIn / groups) * k[0] * k[1] + 1,
        `seed ${seed} ${JSON.stringify({ x: x.shape, w: w.shape, ...attrs })}`,
      );
    }
  });

  it('Conv: 16 random cases with groups, dilations, pads, strides, bias', async () => {
    for (let seed = 1; seed <= 16; seed++) {
      const r = rng(8000 + seed);
      const groups = pick(r, [1, 2, 4]);
      const cIn = groups * randInt(r, 1, 2);
      const cOut = groups * randInt(r, 1, 3);
      const k = [randInt(r, 1, 4), randInt(r, 1, 4)];
      const s = [randInt(r, 1, 3), randInt(r, 1, 2)];
      const d = [randInt(r, 1, 2), randInt(r, 1, 2)];
      const p = [randInt(r, 0, 2), randInt(r, 0, 2)];
      const H = randInt(r, 4, 9);
      const W = randInt(r, 4, 9);
      if (convOutSize(H, k[0], s[0], p[0], d[0]) < 1 || convOutSize(W, k[1], s[1], p[1], d[1]) < 1) continue;
      const x = randomTensor([1, cIn, H, W], r);
      const w = randomTensor([cOut, cIn / groups, k[0], k[1]], r);
      const b = randomTensor([cOut], r);
      const attrs = { strides: s, pads: [p[0], p[1], p[0], p[1]], dilations: d, group: groups, kernel_shape: k };
      const ref = await runOnnxOp('Conv', [x], attrs, [w, b]);
      const options = { stride: s as [number, number], padding: p as [number, number], dilation: d as [number, number], groups };
      const mag = cpu.conv2d(abs(x), abs(w), abs(b), options).data;
      const out = await gpu((e) => e.conv2d(e.tensor(x.data, x.shape), e.tensor(w.data, w.shape), e.tensor(b.data, b.shape), options));
      expectCloseSums(
        out,
        ref.data,
        mag,
        (cIn / groups) * k[0] * k[1] + 1,
        `seed ${seed} ${JSON.stringify({ x: x.shape, w: w.shape, ...attrs })}`,
      );
    }
  });

  it('DepthToSpace DCR and CRD, SpaceToDepth: exact', async () => {
    for (const [seed, r, c, hh, ww] of [
      [1, 2, 3, 3, 4],
      [2, 3, 2, 2, 2],
      [3, 4, 1, 2, 3],
      [4, 2, 5, 1, 1],
    ]) {
      const rand = rng(9000 + seed);
      const x = randomTensor([2, c * r * r, hh, ww], rand);
      for (const mode of ['DCR', 'CRD'] as const) {
        const ref = await runOnnxOp('DepthToSpace', [x], { blocksize: r, mode });
        expectExact(await gpu((e) => e.depthToSpace(e.tensor(x.data, x.shape), r, { mode })), ref.data, `DepthToSpace ${mode} r=${r}`);
      }
      // PyTorch pixel_shuffle is ONNX CRD.
      const crd = await runOnnxOp('DepthToSpace', [x], { blocksize: r, mode: 'CRD' });
      expectExact(await gpu((e) => e.pixelShuffle(e.tensor(x.data, x.shape), r)), crd.data, `pixelShuffle == CRD r=${r}`);
      const wide = randomTensor([2, c, hh * r, ww * r], rand);
      const s2d = await runOnnxOp('SpaceToDepth', [wide], { blocksize: r });
      expectExact(await gpu((e) => e.spaceToDepth(e.tensor(wide.data, wide.shape), r)), s2d.data, `SpaceToDepth r=${r}`);
    }
  });

  it('Resize: nearest (asymmetric, floor) and linear (half_pixel) == upsample', async () => {
    const rand = rng(9500);
    for (const [mode, scale] of [
      ['nearest', [2, 3]],
      ['nearest', [1.5, 2.5]],
      ['bilinear', [2, 2]],
      ['bilinear', [3, 1.75]],
    ] as const) {
      const x = randomTensor([1, 2, 5, 4], rand);
      const attrs: Record<string, string> =
        mode === 'nearest'
          ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
          : { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
      // roi skipped (''), scales as a constant.
      const ref = await runOnnxOp('Resize', [x], attrs, ['', { data: Float32Array.from([1, 1, scale[0], scale[1]]), shape: [4] }]);
      const out = await gpu((e) => e.upsample(e.tensor(x.data, x.shape), { scale: [scale[0], scale[1]], mode }));
      const ctx = `Resize ${mode} ${scale}`;
      if (mode === 'nearest') expectExact(out, ref.data, ctx);
      else {
        const mag = cpu.upsample(abs(x), { scale: [scale[0], scale[1]], mode }).data;
        expectCloseSums(
          out,
          ref.data,
          mag.map((m) => m * 64),
          4,
          ctx,
        );
      }
    }
  });
});
