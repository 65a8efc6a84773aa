/**
 * TileRunner: what upscale() needs from a backend, one tile at a time. The
 * tiling, progress, cancellation, alpha and 8/16-bit handling live once, in
 * ./upscale.ts; a backend only turns planar floats into planar floats:
 *
 *   - WebGPU (this file, `webgpuRunner(engine, model)`): the engine and a
 *     model loaded on it. `upscale(engine, image, { model })` makes one of
 *     these itself, so that call is unchanged, bit for bit.
 *   - ONNX Runtime (./ort-runner.ts, `createOrtRunner(ort, model)`): the
 *     model exported to ONNX (src/onnx/export.ts) in an InferenceSession,
 *     onnxruntime-node's CPU provider in Node, ONNX Runtime Web's WASM one in
 *     browsers; no WebGPU at all.
 *
 * Every array is planar float32, `data[c·H·W + y·W + x]`, RGB in the model's
 * value ranges (model.inputRange in, model.outputRange out).
 */
import type { Engine } from '../engine.js';
import { ShapeError } from '../core/errors.js';
import type { UpscaleModel, UpscaleModelInfo } from '../model/types.js';
import type { Tensor } from '../core/tensor.js';
import type { Planes } from './image.js';
import type { TileLimits } from './tiling.js';

/** [channels, height, width] of a planar array. */
export type PlanarShape = readonly [number, number, number];

/** Given a global pool's input on a tile, its whole-image value ([C]), or null to stop the run there. */
export type PoolResolver = (pool: string, input: Planes) => Float32Array | null;

export interface TileRunner {
  /** What tiling needs: scale, receptive radius, value ranges, tensor sizes (and name, for messages). */
  readonly model: UpscaleModelInfo;
  /** The largest tile the backend can run at all: the hard cap of planTiles (engine.capacity on WebGPU). */
  readonly capacity: TileLimits;
  /**
   * The soft per-tile cap this backend prefers for the largest intermediate
   * tensor, when the call gives no `maxTileBytes`; default 16 MiB (a short
   * GPU submit). The ONNX Runtime runner prefers 64 MiB: fewer tiles, less
   * overlap recomputed, and a tile never blocks Node's event loop there.
   */
  readonly maxTileBytes?: number;
  /** Which backend runs the tiles, for logs: e.g. 'webgpu' or 'onnxruntime (cpu)'. */
  readonly backend: string;
  /** Runs the model on planes of `shape` [3, H, W]; resolves to [3, H·scale, W·scale]. Does not keep `planes`. */
  runModel(planes: Float32Array, shape: PlanarShape): Promise<Float32Array>;
  /**
   * Bilinear upsampling by `scale` (PyTorch interpolate, align_corners=False)
   * of planes of `shape` [C, H, W] (alpha: C = 1); resolves to [C, H·scale, W·scale].
   */
  upsampleAlpha(planes: Float32Array, shape: PlanarShape, scale: number): Promise<Float32Array>;
  /**
   * Runs the model with whole-image context, for models with global pools
   * (`model.globalPools`): the pools in `given` take those values ([C] each);
   * at every other pool the run hands the pool's input (planar [C, h, w]) to
   * `resolve`, then continues with the vector resolve returns, or stops and
   * resolves to that input when resolve returns null. Without pools left to
   * resolve it resolves to the output, like runModel. See ./global-context.ts.
   */
  runGlobal?(planes: Float32Array, shape: PlanarShape, given: ReadonlyMap<string, Float32Array>, resolve: PoolResolver): Promise<Planes>;
  /**
   * True when runModel's own global pools already give the whole-image means for an image that is one
   * tile, up to float rounding: a one-tile plan then runs runModel once instead of pausing at every pool.
   * The ONNX Runtime runner says so (its stages would re-run the graph once per pool); the WebGPU runner
   * does not, so that its tiled and untiled results stay equal bit for bit.
   */
  readonly oneTilePoolsExact?: boolean;
  /** Frees what the runner owns (an ONNX Runtime session; nothing for webgpuRunner, which borrows). Idempotent. */
  dispose(): Promise<void>;
}

/** True for a TileRunner, false for an Engine (told apart by `runModel`, so no engine code is needed to ask). */
export function isTileRunner(backend: unknown): backend is TileRunner {
  return !!backend && typeof (backend as { runModel?: unknown }).runModel === 'function';
}

/**
 * The WebGPU runner: uploads a tile, runs `model` (loaded on `engine`), reads
 * the result back; every tensor is disposed whatever happens. It borrows the
 * engine and the model: dispose() frees neither.
 */
export function webgpuRunner(engine: Engine, model: UpscaleModel): TileRunner {
  const run = async (data: Float32Array, shape: PlanarShape, s: number, fn: (x: Tensor) => Tensor, what: string): Promise<Float32Array> => {
    const [c, h, w] = shape;
    const want = [1, c, h * s, w * s];
    let x: Tensor | null = null;
    let y: Tensor | null = null;
    try {
      x = engine.tensor(data, [1, c, h, w]);
      y = fn(x);
      if (y.shape.length !== 4 || y.shape.some((d, i) => d !== want[i])) {
        throw new ShapeError(
          `upscale: ${what} returned [${y.shape.join(', ')}] for input [${x.shape.join(', ')}], expected [${want.join(', ')}]`,
        );
      }
      return await y.read();
    } finally {
      x?.dispose();
      if (y !== x) y?.dispose();
    }
  };
  return {
    model,
    get capacity() {
      return engine.capacity;
    },
    backend: 'webgpu',
    runModel: (planes, shape) => run(planes, shape, model.scale, (x) => model.run(x), 'the model'),
    upsampleAlpha: (planes, shape, s) => run(planes, shape, s, (x) => engine.upsample(x, { scale: s, mode: 'bilinear' }), 'upsample'),
    runGlobal: model.walk ? (planes, shape, given, resolve) => runGlobal(engine, model, planes, shape, given, resolve) : undefined,
    dispose: async () => {},
  };
}

/** webgpuRunner's runGlobal: the model's walk, paused at each pool for its whole-image value. */
async function runGlobal(
  engine: Engine,
  model: UpscaleModel,
  planes: Float32Array,
  shape: PlanarShape,
  given: ReadonlyMap<string, Float32Array>,
  resolve: PoolResolver,
): Promise<Planes> {
  const [c, h, w] = shape;
  const vectors = new Map<string, Tensor>();
  const x = engine.tensor(planes, [1, c, h, w]);
  let walk: ReturnType<NonNullable<UpscaleModel['walk']>> | null = null;
  try {
    for (const [name, v] of given) vectors.set(name, engine.tensor(v, [1, v.length, 1, 1]));
    walk = model.walk!(x, { given: vectors });
    const planar = async (t: Tensor): Promise<Planes> => {
      const [, channels, height, width] = t.shape;
      return { data: await t.read(), channels, height, width };
    };
    for (let step = walk.next(); ;) {
      if (step.done) {
        try {
          return await planar(step.value);
        } finally {
          step.value.dispose();
        }
      }
      const { pool, input } = step.value;
      const inputPlanes = await planar(input);
      const value = resolve(pool, inputPlanes);
      if (value === null) return inputPlanes;
      const v = engine.tensor(value, [1, value.length, 1, 1]);
      vectors.set(`${pool}\0resolved`, v);
      step = walk.next(v);
    }
  } finally {
    // Stops a paused walk (freeing what it made), then the inputs it borrowed.
    walk?.return(undefined as never);
    x.dispose();
    for (const v of vectors.values()) v.dispose();
  }
}
