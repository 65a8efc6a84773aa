/**
 * Tile planning maths (pure), and the property tiling exists for: with the
 * overlap equal to the receptive radius, a tiled run EQUALS an untiled run up
 * to float rounding, for tiles that split the image unevenly.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, LimitError } from '../src/index.js';
import type { Planes } from '../src/upscale/image.js';
import { hardTileBytes, planTiles, tileByteBudget, type TileLimits, type TilePlan } from '../src/upscale/tiling.js';
import { upscale, upscalePlanes } from '../src/upscale/upscale.js';
import { useEngine } from './helpers/engine.js';
import { rng } from './helpers/random.js';
import { chainRadius, fixtureModel } from './upscale-fixture.js';

/** An engine's capacity on a device with WebGPU's default limits: 256 MiB buffers, 2-D grids of 65,535². */
const DEFAULT_LIMITS: TileLimits = {
  maxTensorBytes: 256 * 2 ** 20,
  maxDispatchThreads: 65535 * 65535,
};
const MiB = 2 ** 20;

/**
 * The cores form a grid that partitions the image (rows stacked from y = 0 to
 * H, columns from x = 0 to W, row-major indices), each input is its core grown
 * by the overlap and clipped; small images are also checked pixel by pixel.
 */
function expectValidPlan(plan: TilePlan, context: string): void {
  const { height: H, width: W, overlap: R, rows, cols } = plan;
  expect(plan.tiles.length, context).toBe(rows * cols);
  let y = 0;
  for (let row = 0; row < rows; row++) {
    let x = 0;
    const rowHeight = plan.tiles[row * cols].core.height;
    for (let col = 0; col < cols; col++) {
      const t = plan.tiles[row * cols + col];
      const where = `${context}: tile ${t.index}`;
      expect([t.index, t.row, t.col], where).toEqual([row * cols + col, row, col]);
      expect(t.core.y, where).toBe(y);
      expect(t.core.x, where).toBe(x);
      expect(t.core.height, where).toBe(rowHeight);
      if (row > 0) expect(t.core.width, where).toBe(plan.tiles[col].core.width);
      expect(t.core.height, where).toBeLessThanOrEqual(plan.tileHeight);
      expect(t.core.width, where).toBeLessThanOrEqual(plan.tileWidth);
      const { core, input } = t;
      expect(input, where).toEqual({
        y: Math.max(0, core.y - R),
        x: Math.max(0, core.x - R),
        height: Math.min(H, core.y + core.height + R) - Math.max(0, core.y - R),
        width: Math.min(W, core.x + core.width + R) - Math.max(0, core.x - R),
      });
      x += t.core.width;
    }
    expect(x, `${context}: row ${row} width`).toBe(W);
    y += rowHeight;
  }
  expect(y, `${context}: total height`).toBe(H);
  if (H * W > 10_000) return;
  const cover = new Uint8Array(H * W);
  for (const { core } of plan.tiles) {
    for (let yy = core.y; yy < core.y + core.height; yy++) for (let xx = core.x; xx < core.x + core.width; xx++) cover[yy * W + xx]++;
  }
  const bad = cover.findIndex((c) => c !== 1);
  expect(bad, `${context}: pixel ${bad} covered ${cover[bad]} times`).toBe(-1);
}

describe('planTiles: geometry', () => {
  it('cores partition the image and inputs are cores ± overlap (clipped), for a sweep of sizes', () => {
    const rand = rng(11);
    for (let i = 0; i < 200; i++) {
      const H = 1 + Math.floor(rand() * 90);
      const W = 1 + Math.floor(rand() * 90);
      const R = Math.floor(rand() * 6);
      const tile: [number, number] = [1 + Math.floor(rand() * 40), 1 + Math.floor(rand() * 40)];
      const plan = planTiles(H, W, { scale: 2, receptiveRadius: R, limits: DEFAULT_LIMITS, tileSize: tile });
      expectValidPlan(plan, `H=${H} W=${W} R=${R} tile=${tile}`);
    }
  });

  it('tiles that do not divide evenly: 29×37 at tile 8 → 4×5 tiles, last row 5 high, last column 5 wide', () => {
    const plan = planTiles(29, 37, { scale: 4, receptiveRadius: 3, limits: DEFAULT_LIMITS, tileSize: 8 });
    expect([plan.rows, plan.cols]).toEqual([4, 5]);
    expect(plan.tiles.map((t) => t.core.height).filter((_, i) => i % 5 === 0)).toEqual([8, 8, 8, 5]);
    expect(plan.tiles.slice(0, 5).map((t) => t.core.width)).toEqual([8, 8, 8, 8, 5]);
    // An interior tile reads 3 pixels of context on every side; a corner tile only inwards.
    expect(plan.tiles[6].input).toEqual({ y: 5, x: 5, height: 14, width: 14 });
    expect(plan.tiles[0].input).toEqual({ y: 0, x: 0, height: 11, width: 11 });
    expectValidPlan(plan, '29×37 tile 8');
  });

  it('evens tiles out: 100 px at tile 48 becomes 34 + 34 + 32, not 48 + 48 + 4', () => {
    const plan = planTiles(100, 10, { scale: 2, receptiveRadius: 2, limits: DEFAULT_LIMITS, tileSize: 48 });
    expect(plan.tiles.map((t) => t.core.height)).toEqual([34, 34, 32]);
    expect(plan.tileHeight).toBe(34);
  });

  it('an image smaller than a tile is one tile that reads exactly the image', () => {
    for (const [H, W] of [
      [1, 1],
      [3, 7],
      [20, 5],
    ]) {
      const plan = planTiles(H, W, { scale: 3, receptiveRadius: 5, limits: DEFAULT_LIMITS, tileSize: 64 });
      expect(plan.tiles).toEqual([
        { index: 0, row: 0, col: 0, core: { y: 0, x: 0, height: H, width: W }, input: { y: 0, x: 0, height: H, width: W } },
      ]);
      const auto = planTiles(H, W, { scale: 3, receptiveRadius: 5, limits: DEFAULT_LIMITS });
      expect(auto.tiles.length).toBe(1);
    }
  });
});

describe('planTiles: size from the engine capacity and the soft cap', () => {
  it('budget = maxTileBytes, raised to what a reasonable tile needs, never over the hard cap min(maxTensorBytes, 4 × maxDispatchThreads)', () => {
    expect(hardTileBytes(DEFAULT_LIMITS)).toBe(256 * MiB);
    expect(hardTileBytes({ maxTensorBytes: 2 ** 40, maxDispatchThreads: 2 ** 20 })).toBe(4 * MiB);
    expect(tileByteBudget(DEFAULT_LIMITS, 16 * MiB, 1 * MiB)).toBe(16 * MiB);
    expect(tileByteBudget(DEFAULT_LIMITS, 16 * MiB, 40 * MiB)).toBe(40 * MiB);
    expect(tileByteBudget(DEFAULT_LIMITS, 16 * MiB, 2 ** 30)).toBe(256 * MiB);
    expect(tileByteBudget({ ...DEFAULT_LIMITS, maxTensorBytes: 3000 }, 16 * MiB, 1)).toBe(3000);
  });

  it('issue 10: esrgan-slim ×8 (radius 10, 12288 values per input pixel) gets 20×20 cores, where a 64-thread 1-D dispatch bound refused even 1 pixel', () => {
    const slim8 = { scale: 8, receptiveRadius: 10, peakElementsPerInputPixel: 12288 };
    const bytesPerPixel = 4 * 12288;
    // The old bound: 65,535 workgroups × 64 threads × 4 bytes could not hold a 21×21 tile (1 pixel + radius 10 each side).
    expect(21 * 21 * bytesPerPixel).toBeGreaterThan(65535 * 64 * 4);
    const plan = planTiles(1000, 1000, { ...slim8, limits: DEFAULT_LIMITS });
    expect([plan.tileHeight, plan.tileWidth]).toEqual([20, 20]);
    expect(plan.budgetBytes).toBe(40 * 40 * bytesPerPixel);
    expect(plan.estimatedBytes).toBe(40 * 40 * bytesPerPixel);
    // A soft cap that holds the reasonable tile is kept: 2^28 bytes is ~73² input pixels.
    const roomy = planTiles(1000, 1000, { ...slim8, limits: { ...DEFAULT_LIMITS, maxTensorBytes: 2 ** 30 }, maxTileBytes: 2 ** 28 });
    expect(roomy.budgetBytes).toBe(2 ** 28);
    expect(roomy.tileHeight).toBeGreaterThan(40);
    // A device that cannot hold the reasonable tile: cores shrink to what fits, down to 1 pixel, then LimitError.
    const tight = planTiles(100, 100, { ...slim8, limits: { ...DEFAULT_LIMITS, maxTensorBytes: 25 * 25 * bytesPerPixel } });
    expect([tight.tileHeight, tight.budgetBytes]).toEqual([5, 25 * 25 * bytesPerPixel]);
    const justFits = planTiles(100, 100, { ...slim8, limits: { ...DEFAULT_LIMITS, maxTensorBytes: 21 * 21 * bytesPerPixel } });
    expect(justFits.tileHeight).toBe(1);
    expect(() => planTiles(100, 100, { ...slim8, limits: { ...DEFAULT_LIMITS, maxTensorBytes: 21 * 21 * bytesPerPixel - 1 } })).toThrow(
      LimitError,
    );
    // A thin image needs no more than its own height: 8 rows × (20 + 2·10) columns.
    expect(planTiles(8, 1000, { ...slim8, limits: DEFAULT_LIMITS, maxTileBytes: 1 }).budgetBytes).toBe(8 * 40 * bytesPerPixel);
  });

  it('readAmplification = Σ tile input pixels / image pixels: 1 for one tile, ~418 for 1-pixel cores with radius 10', () => {
    expect(planTiles(50, 60, { scale: 2, receptiveRadius: 10, limits: DEFAULT_LIMITS }).readAmplification).toBe(1);
    const plan = planTiles(200, 200, { scale: 2, receptiveRadius: 10, limits: DEFAULT_LIMITS, tileSize: 1 });
    let read = 0;
    for (const t of plan.tiles) read += t.input.height * t.input.width;
    expect(plan.readAmplification).toBe(read / (200 * 200));
    // Per axis a pixel's window spans 21 rows, less at the borders: (200·21 − 2·(1 + … + 10)) / 200 = 20.45.
    expect(plan.readAmplification).toBeCloseTo(20.45 ** 2, 9);
  });

  it("every tile's estimated largest tensor fits the plan's budget, which follows the rule, across limits, caps and radii", () => {
    const rand = rng(5);
    let refused = 0;
    let raised = 0;
    for (let i = 0; i < 150; i++) {
      const H = 1 + Math.floor(rand() * 1200);
      const W = 1 + Math.floor(rand() * 1200);
      const scale = 1 + Math.floor(rand() * 4);
      const R = Math.floor(rand() * 12);
      const channels = 1 + Math.floor(rand() * 96);
      const maxTileBytes = 2 ** (18 + Math.floor(rand() * 8));
      const limits = { ...DEFAULT_LIMITS, maxTensorBytes: 2 ** (18 + Math.floor(rand() * 10)) };
      const context = `H=${H} W=${W} scale=${scale} R=${R} C=${channels} cap=${maxTileBytes} hard=${limits.maxTensorBytes}`;
      const bytesPerPixel = channels * scale * scale * 4;
      let plan: TilePlan;
      try {
        plan = planTiles(H, W, { scale, receptiveRadius: R, channels, maxTileBytes, limits });
      } catch (e) {
        // Only allowed when even a 1-pixel core with its context is over the hard cap.
        expect(e, context).toBeInstanceOf(LimitError);
        expect(Math.min(H, 1 + 2 * R) * Math.min(W, 1 + 2 * R) * bytesPerPixel, context).toBeGreaterThan(limits.maxTensorBytes);
        refused++;
        continue;
      }
      if (plan.tiles.length <= 300) expectValidPlan(plan, context);
      let largest = 0;
      for (const t of plan.tiles) largest = Math.max(largest, channels * t.input.height * t.input.width * scale * scale * 4);
      expect(largest, context).toBe(plan.estimatedBytes);
      const reasonable = Math.min(H, Math.max(1, 2 * R) + 2 * R) * Math.min(W, Math.max(1, 2 * R) + 2 * R) * bytesPerPixel;
      expect(plan.budgetBytes, context).toBe(Math.min(limits.maxTensorBytes, Math.max(maxTileBytes, reasonable)));
      expect(largest, context).toBeLessThanOrEqual(plan.budgetBytes);
      if (plan.budgetBytes > maxTileBytes) raised++;
    }
    // The sweep exercises all three outcomes.
    expect(refused).toBeGreaterThan(0);
    expect(raised).toBeGreaterThan(0);
  });

  it('the worked example in docs/upscale.md: 64 channels ×2 under 16 MiB → 100×100 cores reading 120×120', () => {
    const plan = planTiles(1000, 1000, { scale: 2, receptiveRadius: 10, channels: 64, limits: DEFAULT_LIMITS });
    // 16 MiB / (64 · 2² · 4 bytes) = 16384 input pixels = 128²; core = 128 − 2·10 = 108 → 10 tiles per side → 100 each.
    expect([plan.rows, plan.cols, plan.tileHeight, plan.tileWidth]).toEqual([10, 10, 100, 100]);
    expect(plan.estimatedBytes).toBe(64 * 120 * 120 * 4 * 4);
  });

  it('a small tensor capacity shrinks the tiles; a thin strip gets full-height tiles', () => {
    const big = planTiles(512, 512, { scale: 4, receptiveRadius: 4, channels: 32, limits: DEFAULT_LIMITS });
    const small = planTiles(512, 512, {
      scale: 4,
      receptiveRadius: 4,
      channels: 32,
      limits: { ...DEFAULT_LIMITS, maxTensorBytes: 2 ** 20 },
    });
    expect(small.tiles.length).toBeGreaterThan(big.tiles.length);
    expect(small.estimatedBytes).toBeLessThanOrEqual(2 ** 20);
    const strip = planTiles(16, 4000, { scale: 2, receptiveRadius: 3, channels: 64, limits: DEFAULT_LIMITS });
    expect(strip.rows).toBe(1);
    expect(strip.tiles.every((t) => t.core.height === 16 && t.input.height === 16)).toBe(true);
  });

  it('throws LimitError when the overlap alone exceeds the hard cap, ArgumentError for bad arguments', () => {
    const tiny = { ...DEFAULT_LIMITS, maxTensorBytes: 64 * 4 * 16 * 9 * 9 };
    expect(() => planTiles(100, 100, { scale: 4, receptiveRadius: 5, channels: 64, limits: tiny })).toThrow(LimitError);
    expect(() => planTiles(100, 100, { scale: 4, receptiveRadius: 5, channels: 64, limits: tiny })).toThrow(/receptive radius 5/);
    expect(() => planTiles(0, 5, { scale: 2, receptiveRadius: 1, limits: DEFAULT_LIMITS })).toThrow(ArgumentError);
    expect(() => planTiles(5, 5, { scale: 1.5, receptiveRadius: 1, limits: DEFAULT_LIMITS })).toThrow(/scale 1.5 must be an integer/);
    expect(() => planTiles(5, 5, { scale: 2, receptiveRadius: -1, limits: DEFAULT_LIMITS })).toThrow(ArgumentError);
    expect(() => planTiles(5, 5, { scale: 2, receptiveRadius: 1, limits: DEFAULT_LIMITS, tileSize: 0 })).toThrow(/tileSize 0 must be >= 1/);
    // GPUSupportedLimits is not a capacity: the engine's paging and grid folding decide what fits.
    expect(() => planTiles(5, 5, { scale: 2, receptiveRadius: 1, limits: { maxBufferSize: 2 ** 28 } as never })).toThrow(/engine.capacity/);
  });
});

describe('tiled == untiled (GPU, fixture network with receptive radius 4)', () => {
  const h = useEngine();

  function randomPlanes(seed: number, height: number, width: number): Planes {
    const r = rng(seed);
    return { data: new Float32Array(3 * height * width).map(() => r()), channels: 3, height, width };
  }

  function maxAbsDiff(a: Float32Array, b: Float32Array): number {
    expect(a.length).toBe(b.length);
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m;
  }

  it("the fixture's radius is computed from its layers: 1 + 2 + 1 = 4", () => {
    expect(
      chainRadius([
        { cIn: 3, cOut: 8, k: 3, dilation: 1 },
        { cIn: 8, cOut: 8, k: 3, dilation: 2 },
        { cIn: 8, cOut: 12, k: 3, dilation: 1 },
      ]),
    ).toBe(4);
    const model = fixtureModel(h.engine);
    expect(model.receptiveRadius).toBe(4);
    model.dispose();
  });

  it('uneven tile sizes (8, [11, 6], 5) give the untiled output to float rounding; overlap below the radius does not', async () => {
    const model = fixtureModel(h.engine, { scale: 2, seed: 3 });
    try {
      const img = randomPlanes(9, 29, 37);
      const untiled = await upscalePlanes(h.engine, img, { model, tileSize: 64 });
      expect([untiled.height, untiled.width]).toEqual([58, 74]);
      for (const tileSize of [8, [11, 6] as [number, number], 5]) {
        const tiled = await upscalePlanes(h.engine, img, { model, tileSize });
        expect(maxAbsDiff(tiled.data, untiled.data), `tileSize ${tileSize}`).toBeLessThan(1e-5);
      }
      // An overlap one pixel short of the radius (3 < 4) must show seams: this is what the test above guards against.
      const short = await upscalePlanes(h.engine, img, { model: { ...model, receptiveRadius: 3 }, tileSize: 8 });
      expect(maxAbsDiff(short.data, untiled.data)).toBeGreaterThan(1e-3);
    } finally {
      model.dispose();
    }
  });

  it('RGBA in [0, 255] model range: tiled bytes equal untiled bytes (±1 where rounding sits on .5)', async () => {
    const model = fixtureModel(h.engine, { scale: 3, seed: 4, range: [0, 255] });
    try {
      const r = rng(12);
      const W = 23;
      const H = 17;
      const data = new Uint8ClampedArray(W * H * 4).map(() => Math.floor(r() * 256));
      const untiled = await upscale(h.engine, { data, width: W, height: H }, { model, tileSize: 32 });
      const tiled = await upscale(h.engine, { data, width: W, height: H }, { model, tileSize: [6, 7] });
      expect([tiled.width, tiled.height]).toEqual([69, 51]);
      let differ = 0;
      for (let i = 0; i < tiled.data.length; i++) {
        const d = Math.abs(tiled.data[i] - untiled.data[i]);
        expect(d, `byte ${i}`).toBeLessThanOrEqual(1);
        differ += d;
      }
      expect(differ / tiled.data.length).toBeLessThan(1e-3);
    } finally {
      model.dispose();
    }
  });
});

describe('tile size from the model graph', () => {
  it("a loaded model's exact peak tensor size (channels × factor²) replaces the widest-layer-at-output-resolution guess", async () => {
    const { createEngine } = await import('../src/index.js');
    const { loadModelFromPackage } = await import('../src/model/load-node.js');
    const e = await createEngine();
    try {
      const model = loadModelFromPackage(e, 'esrgan-slim', 4);
      // esrgan-slim ×4: the widest tensors (concats, up to 256 channels) run at input resolution;
      // the largest is the 48-channel tensor after the ×4 nearest upsampling: 48 × 4² = 768 per input pixel.
      expect(model.peakElementsPerInputPixel).toBe(768);
      expect(model.maxChannels * 16).toBeGreaterThan(768);
      const limits = e.capacity;
      const exact = planTiles(64, 64, { scale: 4, receptiveRadius: model.receptiveRadius, limits, peakElementsPerInputPixel: 768 });
      const guess = planTiles(64, 64, { scale: 4, receptiveRadius: model.receptiveRadius, limits, channels: model.maxChannels });
      expect(exact.tiles.length).toBe(1);
      expect(guess.tiles.length).toBeGreaterThan(1);
      // Small forced tiles give what the default plan (one tile here) gives.
      const image = { data: Uint8ClampedArray.from({ length: 10 * 12 * 4 }, (_, i) => (i * 37) % 256), width: 12, height: 10 };
      const tiled = await upscale(e, image, { model, tileSize: 6 });
      const whole = await upscale(e, image, { model });
      expect([tiled.width, tiled.height]).toEqual([48, 40]);
      expect(Array.from(tiled.data)).toEqual(Array.from(whole.data));
      model.dispose();
    } finally {
      e.destroy();
    }
  });
});

describe('engine.capacity: what tiling may size a tensor to', () => {
  it('maxTensorBytes = the pages the widest op (conv + bias + residual) can bind, within maxBufferSize; a tensor that size runs, one page more is refused', async () => {
    const { createEngine } = await import('../src/index.js');
    const page = 1024;
    const [e, plain] = await Promise.all([createEngine({ maxBindingBytes: page }), createEngine()]);
    try {
      const l = e.device.limits;
      // Three paged activations (input, residual, output) plus packed weights and bias, in the stage's storage bindings.
      const pages = Math.min(4, Math.floor((l.maxStorageBuffersPerShaderStage - 2) / 3));
      expect(e.capacity.maxTensorBytes).toBe(pages * page);
      expect(plain.capacity.maxTensorBytes).toBe(
        Math.min(l.maxBufferSize, 4 * 2 ** 32 - 4, pages * Math.floor(l.maxStorageBufferBindingSize / 256) * 256),
      );
      // Grids fold into 2-D: 65,535² workgroups of at least one thread, capped by u32 thread indices.
      expect(e.capacity.maxDispatchThreads).toBe(Math.min(l.maxComputeWorkgroupsPerDimension ** 2, 2 ** 32 - 1));

      const conv = async (engine: typeof e, channels: number) => {
        const n = channels * 16 * 16;
        const x = engine.tensor(
          Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
          [1, channels, 16, 16],
        );
        const w = engine.tensor(
          Float32Array.from({ length: channels * channels }, (_, i) => (i % 7) / 7 - 0.4),
          [channels, channels, 1, 1],
        );
        const b = engine.tensor(
          Float32Array.from({ length: channels }, (_, i) => i / 10),
          [channels],
        );
        try {
          const y = engine.conv2d(x, w, b, { residual: x, activation: 'relu' });
          try {
            return await y.read();
          } finally {
            y.dispose();
          }
        } finally {
          [x, w, b].forEach((t) => t.dispose());
        }
      };
      const channels = e.capacity.maxTensorBytes / (4 * 16 * 16);
      expect(Array.from(await conv(e, channels))).toEqual(Array.from(await conv(plain, channels)));
      await expect(conv(e, channels + page / (4 * 16 * 16))).rejects.toThrow(LimitError);
    } finally {
      e.destroy();
      plain.destroy();
    }
  });
});
