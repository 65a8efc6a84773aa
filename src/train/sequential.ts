/**
 * Sequential: a chain of layers on one engine, with a backward pass and
 * PyTorch nn.Sequential state-dict names ('0.weight', '2.bias'; activations
 * take an index too, as in PyTorch), so weights move to and from PyTorch
 * through safetensors (./safetensors.ts).
 *
 *   const net = new Sequential(engine, [layers.convTranspose2d({ ... }), layers.relu(), layers.conv2d({ ... })], { seed: 1 });
 *   const y = net.forward(x, { training: true });
 *   net.backward(engine.mseLossBackward(y, target));   // fills every Param.grad
 *
 * Memory: a training forward keeps the intermediate activations (owned here)
 * and a reference to the input x (the caller's: keep it alive until
 * backward); backward frees the intermediates. An inference forward frees
 * each intermediate as soon as the next layer has read it.
 */
import { seededRandom } from '../analysis/random.js';
import type { Engine } from '../engine.js';
import { ArgumentError, DisposedError, ShapeError } from '../core/errors.js';
import { ModelError } from '../model/errors.js';
import { describeModel, type ModelDescription } from '../model/describe.js';
import { assertFiniteWeights } from '../model/finite.js';
import type { ModelGraph } from '../model/ir.js';
import type { UpscaleModel } from '../model/types.js';
import { checkOptions, fmt, optionKeys, sameShape, sizeOf } from '../core/params.js';
import type { Tensor } from '../core/tensor.js';
import { LayerBase, type Layer, type Param } from './layer.js';
import { lowerChain, toUpscaleModel, type ToUpscaleModelOptions } from './upscale-model.js';

/** name → { shape, data }, in layer order: what stateDict gives and loadStateDict takes (safetensors' and PyTorch's layout). */
export type StateDict = Record<string, { shape: number[]; data: Float32Array }>;

export interface SequentialOptions {
  /** Seed of the weight initialisers (layer i draws from its own mulberry32 stream); default 0. */
  seed?: number;
}

const SEQUENTIAL_KEYS = optionKeys<SequentialOptions>({ seed: true });

export class Sequential {
  readonly engine: Engine;
  readonly layers: readonly Layer[];
  /** Intermediate activations of the last training forward (owned), freed by backward. */
  private intermediates: Tensor[] = [];
  private pending = false;
  private disposed = false;

  constructor(engine: Engine, layerList: Layer[], options: SequentialOptions = {}) {
    const op = 'Sequential';
    checkOptions(op, options, SEQUENTIAL_KEYS);
    engine.kernelContext(op);
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed)) throw new ArgumentError(`${op}: seed ${String(seed)} must be an integer`);
    if (!Array.isArray(layerList) || layerList.length === 0)
      throw new ArgumentError(`${op}: layers must be a non-empty array of layers (from layers.*)`);
    layerList.forEach((l, i) => {
      if (!(l instanceof LayerBase)) throw new ArgumentError(`${op}: layers[${i}] is not a layer made by layers.* (got ${typeof l})`);
      if (layerList.indexOf(l) !== i)
        throw new ArgumentError(`${op}: layers[${i}] is layers[${layerList.indexOf(l)}] again; make a new layer for each position`);
    });
    this.engine = engine;
    this.layers = [...layerList];
    const built: LayerBase[] = [];
    try {
      (this.layers as LayerBase[]).forEach((l, i) => {
        // One stream per layer, so editing one layer leaves the others' initial weights as they were.
        l.build({ engine, index: i, random: seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0) });
        built.push(l);
      });
    } catch (e) {
      for (const l of built) l.dispose();
      throw e;
    }
  }

  /**
   * Runs the chain. `training: true` keeps what backward needs (x must stay
   * alive until then). The caller disposes the result; x is not disposed.
   */
  forward(x: Tensor, options: { training?: boolean } = {}): Tensor {
    this.live('forward');
    const training = options.training ?? false;
    this.releaseSaved();
    const kept: Tensor[] = [];
    let h = x;
    try {
      for (const layer of this.layers) {
        const out = layer.forward(h, training);
        if (h !== x) {
          if (training) kept.push(h);
          else h.dispose();
        }
        h = out;
      }
    } catch (e) {
      for (const t of kept) t.dispose();
      if (h !== x) h.dispose();
      this.releaseSaved();
      throw e;
    }
    if (training) {
      this.intermediates = kept;
      this.pending = true;
    }
    return h;
  }

  /**
   * After a training forward: backpropagates dy = ∂loss/∂output through every
   * layer, accumulating each Param.grad (zeroGrad() clears them), then frees
   * the kept intermediates. dy is not disposed.
   */
  backward(dy: Tensor): void {
    this.live('backward');
    if (!this.pending)
      throw new ArgumentError(
        'Sequential.backward: needs a forward with { training: true } first (each training forward allows one backward)',
      );
    let g = dy;
    try {
      for (let i = this.layers.length - 1; i >= 0; i--) {
        const next = (this.layers[i] as LayerBase).backwardFrom(g, i > 0);
        if (g !== dy) g.dispose();
        g = next!;
      }
    } finally {
      if (g && g !== dy) g.dispose();
      this.releaseSaved();
    }
  }

  /** Every trainable tensor, in state-dict order. */
  parameters(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  /** Frees every Param.grad and sets it to null. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The parameters read back, by PyTorch name ('0.weight', …), in layer order. */
  async stateDict(): Promise<StateDict> {
    this.live('stateDict');
    const out: StateDict = {};
    for (const p of this.parameters()) out[p.name] = { shape: [...p.tensor.shape], data: await p.tensor.read() };
    return out;
  }

  /**
   * Overwrites every parameter in place (optimizers holding them keep working)
   * from a state dict with exactly this network's names and shapes (PyTorch's
   * strict loading): a missing or unexpected key is a ModelError, a wrong shape
   * or data length a ShapeError, each naming the key; nothing is written then.
   */
  loadStateDict(sd: StateDict): void {
    const op = 'Sequential.loadStateDict';
    this.live(op);
    if (!sd || typeof sd !== 'object') throw new ArgumentError(`${op}: the state dict must be an object of { shape, data } by name`);
    const params = this.parameters();
    const names = new Set(params.map((p) => p.name));
    const unexpected = Object.keys(sd).filter((k) => !names.has(k));
    if (unexpected.length)
      throw new ModelError(
        `${op}: unexpected key${unexpected.length > 1 ? 's' : ''} ${unexpected.map((k) => `'${k}'`).join(', ')} (this network has ${[...names].join(', ')})`,
      );
    for (const p of params) {
      const entry = Object.hasOwn(sd, p.name) ? sd[p.name] : undefined;
      if (!entry) throw new ModelError(`${op}: missing key '${p.name}' (${fmt(p.tensor.shape)})`);
      if (!Array.isArray(entry.shape) || !sameShape(entry.shape, p.tensor.shape)) {
        throw new ShapeError(
          `${op}: '${p.name}' has shape ${Array.isArray(entry.shape) ? fmt(entry.shape) : String(entry.shape)}, this network's is ${fmt(p.tensor.shape)}`,
        );
      }
      if (!(entry.data instanceof Float32Array) || entry.data.length !== sizeOf(p.tensor.shape)) {
        throw new ShapeError(
          `${op}: '${p.name}' data must be a Float32Array of ${sizeOf(p.tensor.shape)} values (shape ${fmt(p.tensor.shape)})`,
        );
      }
      assertFiniteWeights(entry.data, `${op}: '${p.name}'`);
    }
    // Submit recorded work first: queue.writeBuffer lands before any not-yet-submitted pass that reads the old values.
    this.engine.kernelContext(op).runner.submit();
    for (const p of params) {
      const d = sd[p.name].data;
      this.engine.device.queue.writeBuffer(p.tensor.buffer, 0, d.buffer, d.byteOffset, d.byteLength);
      this.engine.wroteInPlace(p.tensor);
    }
  }

  /**
   * This network as an UpscaleModel for upscale(engine, image, { model }): it
   * runs on the network's own weights (later training shows in it), checks
   * that an [1, 3, H, W] input gives [1, 3, H·scale, W·scale], and computes
   * the receptive radius tiling needs from the layers' geometry.
   */
  toUpscaleModel(options: ToUpscaleModelOptions): UpscaleModel {
    this.live('toUpscaleModel');
    return toUpscaleModel(this, this.layers as LayerBase[], options);
  }

  /**
   * The network as a ModelGraph (src/model/ir.ts) with its current weights read back: the one model
   * representation, so `exportOnnx(await net.toGraph())` writes it as ONNX and describeModel() runs it on
   * the CPU backend. A snapshot: later training does not change it.
   */
  async toGraph(): Promise<ModelGraph> {
    this.live('toGraph');
    const values = await Promise.all(this.layers.map((l) => Promise.all(l.params().map((p) => p.tensor.read()))));
    return lowerChain(this.layers as LayerBase[], values);
  }

  /**
   * The network described for tiling, export and the CPU backend (no engine needed to run it there):
   * toGraph()'s snapshot with its facts, checked to map RGB to RGB at `options.scale`.
   */
  async describe(options: ToUpscaleModelOptions): Promise<ModelDescription> {
    const op = 'Sequential.describe';
    const model = this.toUpscaleModel(options);
    const graph = await this.toGraph();
    try {
      return describeModel(graph, { name: model.name, inputRange: model.inputRange, outputRange: model.outputRange });
    } catch (e) {
      throw new ModelError(`${op}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Frees the parameters, their gradients and kept intermediates. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.releaseSaved();
    this.disposed = true;
    for (const l of this.layers) l.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private releaseSaved(): void {
    for (const t of this.intermediates) t.dispose();
    this.intermediates = [];
    for (const l of this.layers as LayerBase[]) l.release();
    this.pending = false;
  }

  private live(op: string): void {
    if (this.disposed) throw new DisposedError(`Sequential.${op}: the network was disposed`);
  }
}
