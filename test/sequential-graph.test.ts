/**
 * A Sequential is a ModelGraph too: every layer kind lowers to graph nodes, so a trained network runs
 * on the CPU references, exports to ONNX (ONNX Runtime agrees), runs on the CPU backend, and tiles with
 * the graph's receptive field (one analysis for every model).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { graphFacts } from '../src/model/graph.js';
import { runModelGraph } from '../src/model/run-cpu.js';
import { exportOnnx } from '../src/onnx/export.js';
import { layers, Sequential } from '../src/train/index.js';
import { createOrtRunner } from '../src/upscale/ort-runner.js';
import { upscalePlanes } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';
import { randomData, rng } from './helpers/random.js';

const h = useEngine();

/** Every layer kind, ×2 overall: convT ×2, blur, conv (groups 2), pixel shuffle ×2, nearest ×0.5… then bilinear. */
function everyLayer(): Sequential {
  return new Sequential(
    h.engine,
    [
      layers.convTranspose2d({ inChannels: 3, outChannels: 8, kernel: 4, stride: 2, padding: 1 }),
      layers.leakyRelu(0.2),
      layers.learnableBlur({ channels: 8, sigma: 0.7, kernel: 3 }),
      layers.conv2d({ inChannels: 8, outChannels: 16, kernel: 3, padding: 1, groups: 2 }),
      layers.tanh(),
      layers.pixelShuffle(2),
      layers.upsample({ scale: 0.5, mode: 'nearest' }),
      layers.conv2d({ inChannels: 4, outChannels: 12, kernel: 3, padding: 2, dilation: 2, init: { icnr: 2 } }),
      layers.relu(),
      layers.pixelShuffle(2),
      layers.upsample({ scale: 0.5, mode: 'bilinear' }),
      layers.conv2d({ inChannels: 3, outChannels: 3, kernel: 1 }),
      layers.sigmoid(),
    ],
    { seed: 7 },
  );
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('Sequential → ModelGraph', () => {
  it('with changed weights: CPU references and ONNX Runtime on its graph == its forward on the engine', async () => {
    const e = h.engine;
    const net = everyLayer();
    const [H, W] = [9, 7];
    const data = randomData(3 * H * W, rng(3)).map((v) => 0.5 + 0.5 * v);
    const x = e.tensor(data, [1, 3, H, W]);
    try {
      // Weights moved off their initial values (as training would), σ included.
      const sd = await net.stateDict();
      const r = rng(4);
      for (const v of Object.values(sd)) v.data = v.data.map((w) => w + 0.05 * (r() - 0.5));
      net.loadStateDict(sd);
      const y = net.forward(x);
      const engineOut = await y.read();
      y.dispose();
      const graph = await net.toGraph();
      expect(graph.nodes.map((n) => n.kind)).toEqual([
        'input',
        'convTranspose',
        'activation',
        'conv',
        'conv',
        'activation',
        'depthToSpace',
        'upsample',
        'conv',
        'activation',
        'depthToSpace',
        'upsample',
        'conv',
        'activation',
      ]);
      const cpuOut = runModelGraph(graph, { data, shape: [1, 3, H, W] });
      expect(cpuOut.shape).toEqual([1, 3, 2 * H, 2 * W]);
      // Sigmoid output in (0, 1); a dozen layers of float32 sums of ≤ 72 terms: 1e-4 is ~100 ulp of the worst.
      expect(maxAbs(cpuOut.data, engineOut), 'CPU references vs engine').toBeLessThan(1e-4);
      const session = await ort.InferenceSession.create(exportOnnx(graph), { executionProviders: ['cpu'] });
      const out = await session.run({ x: new ort.Tensor('float32', data, [1, 3, H, W]) });
      expect(maxAbs(out.y.data as Float32Array, engineOut), 'ONNX Runtime vs engine').toBeLessThan(1e-4);
      await session.release();
    } finally {
      x.dispose();
      net.dispose();
    }
  });

  it('toUpscaleModel tiles with the graph facts; the CPU backend runs describe()', async () => {
    const net = everyLayer();
    try {
      const model = net.toUpscaleModel({ scale: 2 });
      const description = await net.describe({ scale: 2 });
      const facts = graphFacts(description.graph);
      expect([model.receptiveRadius, model.gridAlignment, model.scale]).toEqual([facts.receptiveRadius, facts.gridAlignment, 2]);
      expect(facts.gridAlignment, 'two ×0.5 nearest resizes at ×2: the grid repeats every input pixel').toBe(1);
      const [H, W] = [13, 11];
      const img = { data: randomData(3 * H * W, rng(9)).map((v) => 0.5 + 0.5 * v), channels: 3, height: H, width: W };
      const gpuUntiled = await upscalePlanes(h.engine, img, { model, tileSize: 64 });
      const gpuTiled = await upscalePlanes(h.engine, img, { model, tileSize: 4 });
      expect(maxAbs(gpuTiled.data, gpuUntiled.data), 'engine: tiled == untiled with the graph radius').toBe(0);
      const runner = await createOrtRunner(ort, description);
      try {
        const cpu = await upscalePlanes(runner, img, { tileSize: 5 });
        expect(maxAbs(cpu.data, gpuUntiled.data), 'CPU backend (tiled) vs engine').toBeLessThan(1e-4);
      } finally {
        await runner.dispose();
      }
      await expect(net.describe({ scale: 3 })).rejects.toThrow(/exactly ×3/);
    } finally {
      net.dispose();
    }
  });
});
