/**
 * Whole-image context on Real-CUGAN's topology (src/upscale/global-context.ts): every pooled value a
 * tile contributes to a global pool's sum is exact, i.e. equal to the whole-image tensor's value at
 * that position, so the context means equal the untiled run's and tiled == untiled bit for bit.
 *
 * The network: realcugan-ncnn-vulkan's up2x (UNet1 + UNet2: reflect pad 18 rounded up to even, valid
 * convs, stride-2 downs, squeeze-excitation at ½, 1, ½ and 1 × the input, convT ups, cropped skips)
 * with 4 channels and seeded weights, run on the CPU references, which compute each value the same
 * way whatever the tensor's size: a position a tile's border did not reach is equal bit for bit, and
 * one it reached differs. The tile runner below is that graph walker on the CPU (the engine's runner
 * is the same walk on WebGPU, test/global-context.test.ts); the check replaces every value of a
 * tile's pool input that differs from the whole image's with NaN before the context sums it, so a
 * tile owning one position its border reached gives NaN means. (Summing at the middle of two tiles'
 * overlap did that on the last tile of a row: its neighbour ends at the image's edge, so the overlap
 * is not symmetric in border effects.)
 */
import { describe, expect, it } from 'vitest';
import { cpuTensor, type CpuTensor } from '../src/cpu/tensor.js';
import { graphFacts } from '../src/model/graph.js';
import type { GraphNode, ModelGraph } from '../src/model/ir.js';
import { prepareGraph } from '../src/model/run-graph.js';
import { cpuOps } from '../src/registry/table.js';
import { globalContext, wholeTileMeans } from '../src/upscale/global-context.js';
import { cropPlanes, type Planes } from '../src/upscale/image.js';
import type { PoolResolver, TileRunner } from '../src/upscale/runner.js';
import type { Tile } from '../src/upscale/tiling.js';
import { planUpscale, upscalePlanes } from '../src/upscale/upscale.js';
import { randomConv } from './helpers/graph-builders.js';
import { randomData, rng } from './helpers/random.js';

/** Leaky 0.1 convs (CUGAN's activation), valid unless told. */
const conv = (name: string, input: string, cOut: number, cIn: number, k: number, seed: number, extra: Partial<GraphNode> = {}): GraphNode =>
  randomConv(name, input, cOut, cIn, k, seed, { activation: 'leakyRelu', negativeSlope: 0.1, ...extra }, { gain: 1.5, biasScale: 0.2 });

function convT(
  name: string,
  input: string,
  cIn: number,
  cOut: number,
  k: number,
  padding: number,
  seed: number,
  activation: 'leakyRelu' | 'none',
): GraphNode {
  return {
    kind: 'convTranspose',
    name,
    inputs: [input],
    weight: randomData(cIn * cOut * k * k, rng(seed)).map((v) => v / Math.sqrt(cIn)),
    weightShape: [cIn, cOut, k, k],
    bias: randomData(cOut, rng(seed + 1)).map((v) => 0.1 * v),
    stride: [2, 2],
    dilation: [1, 1],
    padding: [padding, padding],
    outputPadding: [0, 0],
    activation,
    ...(activation === 'leakyRelu' ? { negativeSlope: 0.1 } : {}),
  } as GraphNode;
}

/** Squeeze-excitation: mean → 1×1 relu → 1×1 sigmoid → scale (CUGAN's SEBlock). */
const se = (prefix: string, input: string, c: number, seed: number): GraphNode[] => [
  { kind: 'globalAvgPool', name: `${prefix}gap`, inputs: [input] },
  conv(`${prefix}fc1`, `${prefix}gap`, 2, c, 1, seed, { activation: 'relu', weight: randomData(2 * c, rng(seed)).map((v) => 2 * v) }),
  conv(`${prefix}fc2`, `${prefix}fc1`, c, 2, 1, seed + 1, {
    activation: 'sigmoid',
    weight: randomData(2 * c, rng(seed + 1)).map((v) => 2 * v),
  }),
  { kind: 'binary', name: `${prefix}mul`, inputs: [input, `${prefix}fc2`], op: 'mul' },
];

/** Real-CUGAN ×2's graph as src/model/ncnn loads up2x-*.param, with `c` channels everywhere inside. */
function cugan2(c = 4): ModelGraph {
  const down = (name: string, input: string, seed: number) => conv(name, input, c, c, 2, seed, { stride: [2, 2] });
  return {
    nodes: [
      { kind: 'input', name: 'x', inputs: [], channels: 3 },
      { kind: 'pad', name: 'pad', inputs: ['x'], pads: [18, 18, 18, 18], mode: 'reflect', multiple: 2 },
      // UNet1, at 1 and ½ × the input; its ×2 output by a k4 s2 p3 deconvolution.
      conv('u1a', 'pad', c, 3, 3, 1),
      conv('u1b', 'u1a', c, c, 3, 2),
      down('u1d', 'u1b', 3),
      conv('u1c', 'u1d', c, c, 3, 4),
      conv('u1e', 'u1c', c, c, 3, 5),
      ...se('s0', 'u1e', c, 10),
      { kind: 'crop', name: 'u1skip', inputs: ['u1b'], begin: [4, 4], end: [4, 4] },
      convT('u1up', 's0mul', c, c, 2, 0, 6, 'leakyRelu'),
      { kind: 'add', name: 'u1join', inputs: ['u1skip', 'u1up'] },
      conv('u1f', 'u1join', c, c, 3, 7),
      convT('u1out', 'u1f', c, 3, 4, 3, 8, 'none'),
      // UNet2, at 2, 1 and ½ × the input.
      conv('u2a', 'u1out', c, 3, 3, 11),
      conv('u2b', 'u2a', c, c, 3, 12),
      down('u2d1', 'u2b', 13),
      conv('u2c', 'u2d1', c, c, 3, 14),
      conv('u2e', 'u2c', c, c, 3, 15),
      ...se('s1', 'u2e', c, 20),
      down('u2d2', 's1mul', 16),
      conv('u2f', 'u2d2', c, c, 3, 17),
      conv('u2g', 'u2f', c, c, 3, 18),
      ...se('s2', 'u2g', c, 30),
      { kind: 'crop', name: 'u2skip1', inputs: ['s1mul'], begin: [4, 4], end: [4, 4] },
      convT('u2up1', 's2mul', c, c, 2, 0, 19, 'leakyRelu'),
      { kind: 'add', name: 'u2join1', inputs: ['u2skip1', 'u2up1'] },
      conv('u2h', 'u2join1', c, c, 3, 21),
      conv('u2i', 'u2h', c, c, 3, 22),
      ...se('s3', 'u2i', c, 40),
      { kind: 'crop', name: 'u2skip2', inputs: ['u2b'], begin: [16, 16], end: [16, 16] },
      convT('u2up2', 's3mul', c, c, 2, 0, 23, 'leakyRelu'),
      { kind: 'add', name: 'u2join2', inputs: ['u2skip2', 'u2up2'] },
      conv('u2j', 'u2join2', c, c, 3, 24),
      randomConv('u2out', 'u2j', 3, c, 3, 25),
      // UNet1's output, cropped to UNet2's, plus UNet2's; then exactly 2 × the input.
      { kind: 'crop', name: 'u1crop', inputs: ['u1out'], begin: [20, 20], end: [20, 20] },
      { kind: 'add', name: 'sum', inputs: ['u2out', 'u1crop'] },
      { kind: 'crop', name: 'y', inputs: ['sum', 'x'], begin: [0, 0], refScale: 2 },
    ],
    output: 'y',
  };
}

/** A TileRunner on the CPU references: the graph walker (src/model/run-graph.ts) on cpuOps, paused at each pool. */
function cpuRunner(graph: ModelGraph): TileRunner {
  const g = prepareGraph(graph, { ops: cpuOps, constant: (data, shape) => cpuTensor(data, shape), dispose: () => {} }, { fuse: false });
  const planes = (t: CpuTensor): Planes => ({ data: t.data, channels: t.shape[1], height: t.shape[2], width: t.shape[3] });
  return {
    model: { name: 'cugan2-c4', ...graphFacts(graph), inputRange: [0, 1], outputRange: [0, 1] },
    capacity: { maxTensorBytes: 2 ** 30, maxDispatchThreads: 2 ** 30 },
    backend: 'cpu references',
    runModel: async (data, [c, h, w]) => g.run(cpuTensor(data, [1, c, h, w])).data,
    upsampleAlpha: () => Promise.reject(new Error('the test images are opaque')),
    runGlobal: async (data, [c, h, w], given, resolve) => {
      const vectors = new Map([...given].map(([name, v]) => [name, cpuTensor(v, [1, v.length, 1, 1])]));
      const walk = g.walk(cpuTensor(data, [1, c, h, w]), { given: vectors });
      for (let step = walk.next(); ;) {
        if (step.done) return planes(step.value);
        const input = planes(step.value.input);
        const value = resolve(step.value.pool, input);
        if (value === null) {
          walk.return(undefined as never);
          return input;
        }
        step = walk.next(cpuTensor(value, [1, value.length, 1, 1]));
      }
    },
    dispose: async () => {},
  };
}

/** Planes of a random image (values in [0, 1)). */
function image(height: number, width: number, seed: number): Planes {
  return { data: randomData(3 * height * width, rng(seed)).map((v) => 0.5 + 0.5 * v), channels: 3, height, width };
}

describe('whole-image context on Real-CUGAN ×2 topology (CPU references)', () => {
  const graph = cugan2();
  const runner = cpuRunner(graph);

  it('the graph: ×2, grid 2, four pools at ½, 1, ½, 1 × the input; receptive radius 19 like up2x-*.param', () => {
    const facts = graphFacts(graph);
    expect([facts.scale, facts.gridAlignment, facts.receptiveRadius]).toEqual([2, 2, 19]);
    expect(facts.globalPools.map((p) => p.factor)).toEqual([0.5, 1, 0.5, 1]);
  });

  // 20×33 with 8-px columns: cores 0, 8, 16, 24 and a 1-px last one at 32, whose 20-px overlap and
  // its neighbour's both reach the right edge (the Real-CUGAN fixture's geometry, anime-33x23).
  for (const [height, width, tileSize] of [
    [20, 33, [64, 8]],
    [33, 20, [8, 64]],
    [23, 33, [8, 8]],
    [24, 21, [6, 10]],
  ] as const) {
    it(`${height}×${width} image, ${JSON.stringify(tileSize)}-px tiles: the context sums only exact values; its means are the whole image's`, async () => {
      const img = image(height, width, height * width);
      const plan = planUpscale(runner, height, width, { tileSize });
      expect(plan.tiles.length, 'several tiles').toBeGreaterThan(2);
      // The whole image's pool inputs and means (each pool on the whole tensor, float64 sums).
      const whole = new Map<string, Planes>();
      const means = new Map<string, Float32Array>();
      await runner.runGlobal!(img.data, [3, height, width], new Map(), (pool, input) => {
        whole.set(pool, input);
        means.set(pool, wholeTileMeans(pool, input)!);
        return means.get(pool)!;
      });
      // Each tile's pool input, NaN wherever it differs from the whole image's tensor at the tile's offset.
      let current: Tile | null = null;
      const factors = new Map(runner.model.globalPools!.map((p) => [p.name, p.factor]));
      let checked = 0;
      const poisoning: TileRunner = {
        ...runner,
        runGlobal: (data, shape, given, resolve) =>
          runner.runGlobal!(data, shape, given, (pool, input) => {
            const ref = whole.get(pool)!;
            const f = factors.get(pool)!;
            const [oy, ox] = [f * current!.input.y, f * current!.input.x];
            const out = new Float32Array(input.data.length);
            for (let c = 0; c < input.channels; c++)
              for (let y = 0; y < input.height; y++)
                for (let x = 0; x < input.width; x++) {
                  const i = (c * input.height + y) * input.width + x;
                  const inside = y + oy < ref.height && x + ox < ref.width;
                  const exact = inside && input.data[i] === ref.data[(c * ref.height + y + oy) * ref.width + x + ox];
                  out[i] = exact ? input.data[i] : NaN;
                }
            checked++;
            return (resolve as PoolResolver)(pool, { ...input, data: out });
          }),
      };
      const given = await globalContext(
        poisoning,
        plan,
        (tile) => {
          current = tile;
          return cropPlanes(img, tile.input).data;
        },
        { checkAbort: () => {} },
      );
      expect(checked, 'every tile of every pass').toBe(plan.tiles.length * factors.size);
      for (const [pool, want] of means) {
        const got = given.get(pool)!;
        for (let c = 0; c < want.length; c++) {
          // Float64 sums of the same values in another order, rounded to float32 once.
          expect(Math.abs(got[c] - want[c]), `pool ${pool} channel ${c}: ${got[c]} vs the whole image's ${want[c]}`).toBeLessThanOrEqual(
            2 ** -23 * Math.abs(want[c]),
          );
        }
      }
    });
  }

  it('tiled == untiled, bit for bit (8-px columns on 20×33)', async () => {
    const img = image(20, 33, 5);
    const untiled = await upscalePlanes(runner, img, { tileSize: 64 });
    const tiled = await upscalePlanes(runner, img, { tileSize: [64, 8] });
    let differ = 0;
    for (let i = 0; i < untiled.data.length; i++) if (tiled.data[i] !== untiled.data[i]) differ++;
    expect(differ, 'values differing from the untiled run').toBe(0);
  });
});

describe('a pad to a multiple, with a global pool', () => {
  // Reflect 2 and round up to a multiple of 4, a valid 3×3 conv, squeeze-excitation, a valid 3×3 conv:
  // nothing downsamples, yet a tile whose width differs from the image's mod 4 pads its right edge by
  // another amount, and the pool's input ends elsewhere (the pool sums those positions).
  const graph: ModelGraph = {
    nodes: [
      { kind: 'input', name: 'x', inputs: [], channels: 3 },
      { kind: 'pad', name: 'pad', inputs: ['x'], pads: [2, 2, 2, 2], mode: 'reflect', multiple: 4 },
      conv('a', 'pad', 4, 3, 3, 1),
      ...se('s', 'a', 4, 10),
      randomConv('b', 'smul', 3, 4, 3, 2),
      { kind: 'crop', name: 'y', inputs: ['b', 'x'], begin: [0, 0], refScale: 1 },
    ],
    output: 'y',
  };
  const runner = cpuRunner(graph);

  it('tile origins on multiples of 4 (gridAlignment counts the rounding): the last tile ends as the image does; tiled == untiled', async () => {
    expect([runner.model.gridAlignment, runner.model.receptiveRadius]).toEqual([4, 2]);
    for (const [height, width, tileSize] of [
      [10, 11, [64, 3]],
      [11, 13, [3, 5]],
    ] as const) {
      const img = image(height, width, 3);
      const plan = planUpscale(runner, height, width, { tileSize });
      expect(plan.tiles.length, 'several tiles').toBeGreaterThan(1);
      for (const t of plan.tiles) expect([t.input.y % 4, t.input.x % 4], 'origins on the grid').toEqual([0, 0]);
      const untiled = await upscalePlanes(runner, img, { tileSize: 64 });
      const tiled = await upscalePlanes(runner, img, { tileSize });
      let differ = 0;
      for (let i = 0; i < untiled.data.length; i++) if (tiled.data[i] !== untiled.data[i]) differ++;
      expect(differ, `${height}×${width}, ${JSON.stringify(tileSize)}-px tiles: values differing from the untiled run`).toBe(0);
    }
  });
});
