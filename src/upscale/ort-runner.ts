/**
 * The ONNX Runtime TileRunner: the CPU backend of upscale(). The model's graph
 * is exported to ONNX (src/onnx/export.ts, symbolic height and width) and
 * opened once as an InferenceSession; each tile is one `session.run`. Alpha
 * goes through the CPU reference bilinear upsampling (src/cpu/upsample.ts),
 * the specification the WebGPU kernel is tested against.
 *
 * The caller passes the ONNX Runtime module in (`import * as ort from
 * 'onnxruntime-node'`, or 'onnxruntime-web' in a page), so this file imports
 * no ONNX Runtime build and a browser bundle never pulls in the Node binding;
 * the types below are the few members used, which both builds have.
 * `createCpuUpscaler` in webgpu-upsample/node loads onnxruntime-node for you.
 */
import { upsample } from '../cpu/upsample.js';
import { ArgumentError, DisposedError, ShapeError } from '../core/errors.js';
import type { ModelGraph } from '../model/ir.js';
import type { UpscaleModelInfo } from '../model/types.js';
import { exportOnnx, ONNX_INPUT, ONNX_OUTPUT } from '../onnx/export.js';
import type { Planes } from './image.js';
import type { PlanarShape, TileRunner } from './runner.js';
import type { TileLimits } from './tiling.js';

/** The members of an ONNX Runtime tensor the runner reads. */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** The members of an InferenceSession the runner uses. */
export interface OrtSessionLike {
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

/**
 * ONNX Runtime's session options, as far as the runner sets them (others are
 * passed through): see onnxruntime-common's InferenceSession.SessionOptions.
 */
export interface OrtSessionOptions {
  executionProviders?: readonly string[];
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  enableMemPattern?: boolean;
  enableCpuMemArena?: boolean;
  [option: string]: unknown;
}

/** What createOrtRunner needs of the `ort` module: onnxruntime-node and onnxruntime-web both fit. */
export interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSessionLike> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensorLike;
}

export interface OrtRunnerOptions {
  /**
   * Passed to InferenceSession.create. Default: `{ graphOptimizationLevel: 'all' }`
   * and ONNX Runtime's own defaults otherwise (its CPU provider in Node, WASM
   * in browsers; one intra-op thread per physical core).
   */
  sessionOptions?: OrtSessionOptions;
}

/** A model the ORT runner can run: the tiling facts plus the graph (a loaded UpscaleModel, or describeLayersModel's result). */
export type OrtRunnerModel = UpscaleModelInfo & { readonly graph: ModelGraph };

/**
 * ONNX Runtime allocates tensors in CPU memory: no binding limit, so the hard
 * tile cap is a memory bound (1 GiB for the largest intermediate tensor, far
 * above the 16 MiB soft cap tiles are normally sized to).
 */
const ORT_CAPACITY: TileLimits = { maxTensorBytes: 2 ** 30, maxDispatchThreads: Number.MAX_SAFE_INTEGER };

/**
 * Soft tile cap: 64 MiB for the largest intermediate tensor (4× the WebGPU
 * default). Measured on 2 cores, esrgan-slim ×4 at 128² ran in 9 tiles at
 * 16 MiB and 1 at 64 MiB, 1.9× faster (the overlap is recomputed per tile);
 * ONNX Runtime's own working memory stays a few times that.
 */
const ORT_MAX_TILE_BYTES = 64 * 2 ** 20;

/**
 * Exports `model` to ONNX and opens it in an ONNX Runtime session; resolves to
 * a TileRunner for `upscale(runner, image, options)`. Throws ArgumentError
 * when the model carries no graph or `ort` is not an ONNX Runtime module.
 * Call `dispose()` to release the session.
 */
export async function createOrtRunner(ort: OrtModule, model: OrtRunnerModel, options: OrtRunnerOptions = {}): Promise<TileRunner> {
  const op = 'createOrtRunner';
  if (typeof ort?.InferenceSession?.create !== 'function' || typeof ort?.Tensor !== 'function') {
    throw new ArgumentError(
      `${op}: ort must be the ONNX Runtime module (import * as ort from 'onnxruntime-node' or 'onnxruntime-web'), got ${typeof ort}`,
    );
  }
  const bytes = exportOnnx(model);
  const sessionOptions: OrtSessionOptions = { graphOptimizationLevel: 'all', ...options.sessionOptions };
  let session: OrtSessionLike | null = await ort.InferenceSession.create(bytes, sessionOptions);
  // Whole-image context: one session per stage (pools given so far, where the run stops), made when first needed.
  const stages = new Map<string, Promise<OrtSessionLike>>();
  const stageSession = (given: readonly string[], until: string | undefined): Promise<OrtSessionLike> => {
    const key = JSON.stringify([given, until ?? null]);
    let made = stages.get(key);
    if (!made) {
      made = ort.InferenceSession.create(exportOnnx(model, { stage: { given, until } }), sessionOptions);
      stages.set(key, made);
    }
    return made;
  };
  const providers = sessionOptions.executionProviders?.join(', ') ?? 'default provider';
  const info: UpscaleModelInfo = {
    name: model.name,
    scale: model.scale,
    receptiveRadius: model.receptiveRadius,
    inputRange: model.inputRange,
    outputRange: model.outputRange,
    maxChannels: model.maxChannels,
    peakElementsPerInputPixel: model.peakElementsPerInputPixel,
    gridAlignment: model.gridAlignment,
    minInputSize: model.minInputSize,
    minTileSize: model.minTileSize,
    globalPools: model.globalPools,
    graph: model.graph,
  };
  const live = (): OrtSessionLike => {
    if (!session) throw new DisposedError(`upscale: the ONNX Runtime runner of '${model.name}' was used after dispose()`);
    return session;
  };
  return {
    model: info,
    capacity: ORT_CAPACITY,
    maxTileBytes: ORT_MAX_TILE_BYTES,
    backend: `onnxruntime (${providers})`,
    // One tile: the graph's GlobalAveragePool is the whole image's mean (float32 sums); several tiles: stages.
    oneTilePoolsExact: true,
    async runModel(planes: Float32Array, shape: PlanarShape): Promise<Float32Array> {
      const [c, h, w] = shape;
      const out = (await live().run({ [ONNX_INPUT]: new ort.Tensor('float32', planes, [1, c, h, w]) }))[ONNX_OUTPUT];
      const s = model.scale;
      if (!(out?.data instanceof Float32Array) || out.dims.join() !== [1, c, h * s, w * s].join()) {
        throw new ShapeError(
          `upscale: ONNX Runtime returned [${out?.dims}] for input [1, ${c}, ${h}, ${w}], expected [1, ${c}, ${h * s}, ${w * s}]`,
        );
      }
      return out.data;
    },
    async runGlobal(planes, shape, given, resolve): Promise<Planes> {
      live();
      const [c, h, w] = shape;
      const values = new Map(given);
      const pools = (model.globalPools ?? []).map((p) => p.name);
      for (;;) {
        // The first pool without a value: run up to its input and ask for it; none left: the output.
        const next = pools.find((p) => !values.has(p));
        const poolNode = next === undefined ? undefined : model.graph.nodes.find((n) => n.name === next);
        const until = poolNode?.inputs[0];
        const known = pools.filter((p) => values.has(p));
        const feeds: Record<string, OrtTensorLike> = { [ONNX_INPUT]: new ort.Tensor('float32', planes, [1, c, h, w]) };
        for (const p of known) feeds[p] = new ort.Tensor('float32', values.get(p)!, [1, values.get(p)!.length, 1, 1]);
        const out = (await (await stageSession(known, until)).run(feeds))[ONNX_OUTPUT];
        if (!(out?.data instanceof Float32Array) || out.dims.length !== 4)
          throw new ShapeError(`upscale: ONNX Runtime returned [${out?.dims}] for a stage of '${model.name}'`);
        const result: Planes = { data: out.data, channels: out.dims[1], height: out.dims[2], width: out.dims[3] };
        if (next === undefined) return result;
        const value = resolve(next, result);
        if (value === null) return result;
        values.set(next, value);
      }
    },
    async upsampleAlpha(planes: Float32Array, shape: PlanarShape, scale: number): Promise<Float32Array> {
      live();
      return upsample({ data: planes, shape: [1, ...shape] }, { scale, mode: 'bilinear' }).data;
    },
    async dispose(): Promise<void> {
      const s = session;
      session = null;
      await s?.release();
      const made = [...stages.values()];
      stages.clear();
      for (const m of made) await (await m).release();
    },
  };
}
