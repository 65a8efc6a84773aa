/**
 * Whole-image context (src/upscale/global-context.ts): a model with global
 * pools (squeeze-excitation) gives the same result tiled as untiled, whatever
 * the tile size, and that result is the graph's plain meaning on the whole
 * image (the CPU references, every pool over the whole tensor).
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { buildModel } from '../src/model/graph.js';
import type { GraphNode, ModelGraph } from '../src/model/ir.js';
import * as ort from 'onnxruntime-node';
import { describeModel } from '../src/model/describe.js';
import { createOrtRunner } from '../src/upscale/ort-runner.js';
import { planUpscale, upscale, upscalePlanes } from '../src/upscale/upscale.js';
import { upscaleTexture } from '../src/upscale/upscale-texture.js';
import { textureBytes } from './helpers/texture-bytes.js';
import { TextureUsage } from '../src/gpu/constants.js';
import { useEngine } from './helpers/engine.js';
import { randomData, rng } from './helpers/random.js';
import { randomConv } from './helpers/graph-builders.js';

const h = useEngine();

/** Leaky 0.1 convs of gain 1.5 (the SE's effect must show through the U-net). */
const conv = (name: string, input: string, cOut: number, cIn: number, k: number, seed: number, extra: Partial<GraphNode> = {}): GraphNode =>
  randomConv(name, input, cOut, cIn, k, seed, { activation: 'leakyRelu', negativeSlope: 0.1, ...extra }, { gain: 1.5, biasScale: 0.2 });

const se = (prefix: string, input: string, c: number, seed: number): GraphNode[] => [
  { kind: 'globalAvgPool', name: `${prefix}gap`, inputs: [input] },
  conv(`${prefix}fc1`, `${prefix}gap`, 2, c, 1, seed, { activation: 'relu', weight: randomData(2 * c, rng(seed)).map((v) => 4 * v) }),
  conv(`${prefix}fc2`, `${prefix}fc1`, c, 2, 1, seed + 1, {
    activation: 'sigmoid',
    weight: randomData(2 * c, rng(seed + 1)).map((v) => 4 * v),
  }),
  { kind: 'binary', name: `${prefix}mul`, inputs: [input, `${prefix}fc2`], op: 'mul' },
];

/**
 * A small CUGAN-like ×2 U-net: replicate-pad 6 and up to an even size → valid convs, a stride-2 conv
 * down, SE at half resolution, a convT k2 s2 up, a skip crop, a second SE at full resolution, a k4 s2 p3
 * deconv to ×2, and a crop to exactly 2n (odd sizes too).
 */
function unet(): ModelGraph {
  return {
    nodes: [
      { kind: 'input', name: 'x', inputs: [], channels: 3 },
      { kind: 'pad', name: 'pad', inputs: ['x'], pads: [6, 6, 6, 6], mode: 'replicate', multiple: 2 },
      conv('c1', 'pad', 6, 3, 3, 1),
      conv('down', 'c1', 6, 6, 2, 2, { stride: [2, 2] }),
      conv('c2', 'down', 6, 6, 3, 3),
      ...se('a', 'c2', 6, 10),
      {
        kind: 'convTranspose',
        name: 'up',
        inputs: ['amul'],
        weight: randomData(6 * 6 * 4, rng(4)).map((v) => v / 3),
        weightShape: [6, 6, 2, 2],
        bias: null,
        stride: [2, 2],
        dilation: [1, 1],
        padding: [0, 0],
        outputPadding: [0, 0],
        activation: 'none',
      },
      { kind: 'crop', name: 'skip', inputs: ['c1'], begin: [2, 2], end: [2, 2] },
      { kind: 'add', name: 'join', inputs: ['skip', 'up'] },
      conv('c3', 'join', 6, 6, 3, 5),
      ...se('b', 'c3', 6, 20),
      {
        kind: 'convTranspose',
        name: 'out',
        inputs: ['bmul'],
        weight: randomData(6 * 3 * 16, rng(6)).map((v) => v / 5),
        weightShape: [6, 3, 4, 4],
        bias: Float32Array.of(0.5, 0.5, 0.5),
        stride: [2, 2],
        dilation: [1, 1],
        padding: [3, 3],
        outputPadding: [0, 0],
        activation: 'none',
      },
      // 2·(n rounded up to even) + 6 → exactly 2n.
      { kind: 'crop', name: 'y', inputs: ['out', 'x'], begin: [3, 3], refScale: 2 },
    ],
    output: 'y',
  };
}

const options = { name: 'se-unet', inputRange: [0, 1] as const, outputRange: [0, 1] as const };

describe('whole-image context: models with global pools tile exactly', () => {
  it('the test model: ×2, grid alignment 2, two global pools', () => {
    const model = buildModel(h.engine, unet(), options);
    try {
      expect(model.scale).toBe(2);
      expect(model.gridAlignment).toBe(2);
      expect(model.globalPools).toEqual([
        { name: 'agap', factor: 0.5 },
        { name: 'bgap', factor: 1 },
      ]);
    } finally {
      model.dispose();
    }
  });

  it('tiled == untiled, bit for bit, for several tile sizes; both equal the whole-image meaning (CPU references)', async () => {
    const e = h.engine;
    const [H, W] = [22, 17];
    // A bright left and a dark right half: each tile's own statistics would differ from the image's.
    const noise = randomData(3 * H * W, rng(7));
    const img = { data: noise.map((v, i) => (i % W < W / 2 ? 0.8 : 0.1) + 0.1 * v), channels: 3, height: H, width: W };
    const before = e.stats().liveTensors;
    const model = buildModel(e, unet(), options);
    try {
      const untiled = await upscalePlanes(e, img, { model, tileSize: 64 });
      expect(planUpscale(e, H, W, { model, tileSize: 64 }).tiles.length).toBe(1);
      const ref = cpu.runModelGraph(unet(), { data: img.data, shape: [1, 3, H, W] });
      expect(ref.shape).toEqual([1, 3, 2 * H, 2 * W]);
      let worst = 0;
      for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(untiled.data[i] - ref.data[i]));
      // ~6 layers of ≤ 54-term sums and two sigmoids: float32 reorderings stay far below 1e-4.
      expect(worst, 'max |untiled − CPU whole-image|').toBeLessThan(1e-4);
      for (const tileSize of [6, [8, 5], 10, [4, 12]] as const) {
        const plan = planUpscale(e, H, W, { model, tileSize });
        expect(plan.tiles.length, `tileSize ${tileSize}`).toBeGreaterThan(1);
        for (const t of plan.tiles) expect([t.input.x % 2, t.input.y % 2], 'tile origins on the grid').toEqual([0, 0]);
        const tiled = await upscalePlanes(e, img, { model, tileSize });
        let differ = 0;
        for (let i = 0; i < tiled.data.length; i++) if (tiled.data[i] !== untiled.data[i]) differ++;
        expect(differ, `tileSize ${JSON.stringify(tileSize)}: values differing from the untiled run`).toBe(0);
      }
      // Per-tile statistics (what the native programs do) would differ: the context matters here.
      const perTile = await upscalePlanes(e, img, { model: { ...model, globalPools: [] }, tileSize: 6 });
      let maxDiff = 0;
      for (let i = 0; i < perTile.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(perTile.data[i] - untiled.data[i]));
      expect(maxDiff, 'per-tile pools differ from whole-image pools (beyond float noise, < 1e-5 here)').toBeGreaterThan(1e-4);
    } finally {
      model.dispose();
    }
    expect(e.stats().liveTensors, 'every tensor freed').toBe(before);
  });

  it('8-bit images: tiled bytes == untiled bytes; cancellation during the context passes frees everything', async () => {
    const e = h.engine;
    const [H, W] = [19, 24];
    const r = rng(9);
    const data = new Uint8ClampedArray(4 * H * W).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(r() * 256)));
    const model = buildModel(e, unet(), options);
    try {
      const untiled = await upscale(e, { data, width: W, height: H }, { model, tileSize: 64 });
      // Counted after a first run: convs keep their weights repacked (freed with the model).
      const before = e.stats().liveTensors;
      const tiled = await upscale(e, { data, width: W, height: H }, { model, tileSize: 8 });
      expect(e.stats().liveTensors, 'after the tiled run').toBe(before);
      expect(Buffer.from(tiled.data).equals(Buffer.from(untiled.data))).toBe(true);
      const controller = new AbortController();
      let calls = 0;
      const run = upscale(e, { data, width: W, height: H }, { model, tileSize: 8, signal: controller.signal });
      const abortSoon = (async () => {
        while (calls++ < 1000 && !controller.signal.aborted) {
          await new Promise((resolve) => setTimeout(resolve, 1));
          if (calls === 20) controller.abort();
        }
      })();
      await expect(run).rejects.toThrow(/abort/i);
      await abortSoon;
      expect(e.stats().liveTensors, 'nothing left after the abort').toBe(before);
    } finally {
      model.dispose();
    }
  });

  it('the CPU backend (ONNX Runtime: one run for one tile, one session per stage for several): tiled ≈ untiled and ≈ the engine, within float rounding', async () => {
    const [H, W] = [14, 11];
    const noise = randomData(3 * H * W, rng(12));
    const img = { data: noise.map((v, i) => (i % W < W / 2 ? 0.8 : 0.1) + 0.1 * v), channels: 3, height: H, width: W };
    const runner = await createOrtRunner(ort, describeModel(unet(), options));
    const model = buildModel(h.engine, unet(), options);
    try {
      expect(runner.model.globalPools?.map((p) => p.name)).toEqual(['agap', 'bgap']);
      // One tile: ONNX Runtime's own pools (float32 sums); 6-px tiles: the context passes (float64 sums).
      const untiled = await upscalePlanes(runner, img, { tileSize: 64 });
      const tiled = await upscalePlanes(runner, img, { tileSize: 6 });
      let gap = 0;
      for (let i = 0; i < tiled.data.length; i++) gap = Math.max(gap, Math.abs(tiled.data[i] - untiled.data[i]));
      expect(gap, 'max |tiled − untiled| on ONNX Runtime').toBeLessThan(1e-5);
      const gpu = await upscalePlanes(h.engine, img, { model, tileSize: 64 });
      let worst = 0;
      for (let i = 0; i < gpu.data.length; i++) worst = Math.max(worst, Math.abs(gpu.data[i] - untiled.data[i]));
      expect(worst, 'max |engine − ONNX Runtime|').toBeLessThan(1e-4);
    } finally {
      model.dispose();
      await runner.dispose();
    }
  });

  it('upscaleTexture: one tile runs with the whole image pools (= upscale() within float rounding); several tiles are refused', async () => {
    const e = h.engine;
    const [H, W] = [14, 18];
    const r = rng(21);
    const data = new Uint8ClampedArray(4 * H * W).map((_, i) => (i % 4 === 3 ? 255 : Math.floor(r() * 256)));
    const texture = e.device.createTexture({
      size: [W, H],
      format: 'rgba8unorm',
      usage: TextureUsage.TEXTURE_BINDING | TextureUsage.COPY_DST | TextureUsage.COPY_SRC,
    });
    e.device.queue.writeTexture({ texture }, data, { bytesPerRow: W * 4 }, [W, H]);
    const model = buildModel(e, unet(), options);
    try {
      const out = await upscaleTexture(e, texture, { model });
      const got = await textureBytes(e.device, out);
      out.destroy();
      const want = await upscale(e, { data, width: W, height: H }, { model });
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got[i] - want.data[i]));
      expect(worst, 'upscaleTexture vs upscale(), levels').toBeLessThanOrEqual(1);
      await expect(upscaleTexture(e, texture, { model, tileSize: 8 })).rejects.toThrow(/pools over the whole image.*use upscale\(\)/);
    } finally {
      model.dispose();
      texture.destroy();
    }
  });
});
