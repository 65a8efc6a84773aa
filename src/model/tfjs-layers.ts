/**
 * TensorFlow.js LayersModel (model.json + weight shards, as published by
 * UpscalerJS or saved by tfjs / converted from Keras) → ModelGraph. Functional
 * and Sequential topologies. Everything is checked here, before any GPU work:
 * the JSON's structure, layer classes and their configs, weight names, shapes,
 * dtypes and shard sizes. Layouts are converted once: NHWC graph → NCHW, Keras
 * Conv2D kernel [kH, kW, Cin, Cout] → PyTorch [Cout, Cin, kH, kW].
 */
import type { ActivationName } from '../ops/activation.js';
import { ModelError } from './errors.js';
import { assertFiniteWeights } from './finite.js';
import type { GraphNode, ModelGraph } from './ir.js';

/** The model.json of a TensorFlow.js LayersModel. */
export interface LayersModelJson {
  format?: string;
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[] }[];
}

/** Weight shard contents: bytes in any container (ArrayBuffer, SharedArrayBuffer, typed array, DataView, Node Buffer). */
export type WeightShard = ArrayBuffer | ArrayBufferView;

/** A layer after the topology (functional or Sequential) is normalised: its inputs are explicit. */
interface Layer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inputs: string[];
}

const MAX_CHANNELS = 4096;
const MAX_KERNEL = 64;
const MAX_SCALE = 16;

function fail(msg: string): never {
  throw new ModelError(msg);
}

/** What a value is, for messages: 'null', 'string', 'Array', 'Float32Array', … */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as { constructor?: { name?: unknown } }).constructor?.name?.toString() ?? 'Object';
}

/** A value in a message: JSON, cut short (a malformed file can hold anything, of any size). */
function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = kind(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** A config value in a message: strings in single quotes, as Keras writes them, anything else as JSON. */
function quote(v: unknown): string {
  return typeof v === 'string' ? `'${v.length > 40 ? `${v.slice(0, 37)}...` : v}'` : show(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function object(v: unknown, what: string): Record<string, unknown> {
  return isObject(v) ? v : fail(`${what} must be an object, got ${show(v)}`);
}

function ints(layer: string, key: string, v: unknown, min: number, max: number): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x) && x >= min && x <= max)) {
    fail(`layer '${layer}': ${key} ${show(v)} must be two integers in [${min}, ${max}]`);
  }
  return a as [number, number];
}

function activation(layer: string, v: unknown): ActivationName {
  if (v === undefined || v === 'linear') return 'none';
  if (v === 'relu') return 'relu';
  return fail(`layer '${layer}': activation ${quote(v)} is not supported (linear, relu)`);
}

/** The bytes of shard `i`, viewed (never converted value by value: a Float32Array's bytes, not its numbers). */
function shardBytes(b: unknown, i: number): Uint8Array {
  // Tags rather than instanceof, so buffers from another realm (a worker, a vm context) are accepted too.
  const tag = Object.prototype.toString.call(b);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(b as ArrayBuffer);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return fail(`weight shard ${i} must be an ArrayBuffer or an ArrayBufferView (typed array, DataView, Buffer), got ${kind(b)}`);
}

/** Splits the concatenated shard bytes into named float32 tensors, checking every entry and size. */
export function readWeights(json: LayersModelJson, shards: readonly WeightShard[]): Map<string, { shape: number[]; data: Float32Array }> {
  if (!Array.isArray(shards)) fail(`weightShards must be an array of ArrayBuffers or ArrayBufferViews, got ${kind(shards)}`);
  const manifest: unknown = json.weightsManifest;
  if (!Array.isArray(manifest)) fail('model.json has no weightsManifest (an array of { paths, weights })');
  const groups = manifest.map((g, gi) => {
    const group = object(g, `weightsManifest[${gi}]`);
    const { paths, weights } = group;
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string'))
      fail(`weightsManifest[${gi}].paths must be an array of file names, got ${show(paths)}`);
    if (!Array.isArray(weights)) fail(`weightsManifest[${gi}].weights must be an array, got ${show(weights)}`);
    return { paths: paths as string[], weights: weights as unknown[], gi };
  });
  const expectedShards = groups.reduce((n, g) => n + g.paths.length, 0);
  if (shards.length !== expectedShards) fail(`expected ${expectedShards} weight shards (weightsManifest), got ${shards.length}`);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  let shardIndex = 0;
  for (const g of groups) {
    const views = g.paths.map((_, i) => shardBytes(shards[shardIndex + i], shardIndex + i));
    shardIndex += g.paths.length;
    const total = views.reduce((n, v) => n + v.byteLength, 0);
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const v of views) {
      bytes.set(v, o);
      o += v.byteLength;
    }
    let offset = 0;
    g.weights.forEach((entry, wi) => {
      const w = object(entry, `weightsManifest[${g.gi}].weights[${wi}]`);
      if (typeof w.name !== 'string' || w.name === '')
        fail(`weightsManifest[${g.gi}].weights[${wi}]: name ${show(w.name)} must be a non-empty string`);
      if (w.dtype !== 'float32')
        fail(`weight '${w.name}': dtype ${typeof w.dtype === 'string' ? w.dtype : show(w.dtype)} is not supported (float32 only)`);
      if (w.quantization) fail(`weight '${w.name}': quantized weights are not supported`);
      const shape = w.shape;
      if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isInteger(d) && d >= 1 && d <= 1 << 20)) {
        fail(`weight '${w.name}': shape ${show(shape)} is not a list of positive sizes`);
      }
      if (out.has(w.name)) fail(`weight '${w.name}' is listed twice in the weights manifest`);
      const n = (shape as number[]).reduce((a, b) => a * b, 1);
      if (offset + n * 4 > total) {
        fail(
          `weight shards are truncated: '${w.name}' needs bytes ${offset}..${offset + n * 4} of group [${g.paths.join(', ')}], which has ${total}`,
        );
      }
      const data = new Float32Array(bytes.buffer.slice(offset, offset + n * 4));
      assertFiniteWeights(data, `weight '${w.name}'`);
      out.set(w.name, { shape: shape as number[], data });
      offset += n * 4;
    });
    if (offset !== total) fail(`weight group [${g.paths.join(', ')}] has ${total - offset} bytes more than its weights need`);
  }
  return out;
}

/** Keras kernel [kH, kW, Cin, Cout] → PyTorch [Cout, Cin, kH, kW]. */
function kerasToTorch(k: Float32Array, [kH, kW, cIn, cOut]: number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kH; y++)
    for (let x = 0; x < kW; x++)
      for (let ci = 0; ci < cIn; ci++)
        for (let co = 0; co < cOut; co++) out[((co * cIn + ci) * kH + y) * kW + x] = k[((y * kW + x) * cIn + ci) * cOut + co];
  return out;
}

/** class_name, name and config of the i-th entry of a layer list. */
function layerHead(v: unknown, i: number): { className: string; name: string; config: Record<string, unknown> } {
  const l = object(v, `layer ${i}`);
  if (typeof l.class_name !== 'string') fail(`layer ${i}: class_name ${show(l.class_name)} must be a string`);
  const config = object(l.config, `layer ${i} (${l.class_name}): config`);
  const name = config.name ?? l.name;
  if (typeof name !== 'string' || name === '') fail(`layer ${i} (${l.class_name}) has no name`);
  return { className: l.class_name, name, config };
}

/** Names of the tensors a functional layer reads (inbound_nodes[0] = [[name, nodeIndex, tensorIndex, kwargs], ...]). */
function inboundNames(name: string, inbound: unknown): string[] {
  if (!Array.isArray(inbound)) fail(`layer '${name}': inbound_nodes ${show(inbound)} must be an array`);
  if (inbound.length === 0) return [];
  if (inbound.length > 1) fail(`layer '${name}' is shared (called ${inbound.length} times); not supported`);
  const node = inbound[0];
  if (!Array.isArray(node)) fail(`layer '${name}': malformed inbound_nodes ${show(inbound)}`);
  return node.map((entry) => {
    // Every layer is called once (shared layers are refused), so node and tensor index are both 0.
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || entry[1] !== 0 || entry[2] !== 0)
      fail(`layer '${name}': malformed inbound node ${show(entry)}`);
    return entry[0] as string;
  });
}

/** The single [name, 0, 0] of input_layers / output_layers (Keras 3 writes it unwrapped). */
function endpoint(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  if (typeof v[0] === 'string') return [v[0]];
  return v.map((e, i) =>
    Array.isArray(e) && typeof e[0] === 'string' ? e[0] : fail(`malformed model input or output entry ${i}: ${show(e)}`),
  );
}

function functional(config: unknown): { layers: Layer[]; input: string; output: string } {
  if (!isObject(config) || !Array.isArray(config.layers)) fail('modelTopology has no functional model config (config.layers)');
  const inputs = endpoint(config.input_layers);
  const outputs = endpoint(config.output_layers);
  if (inputs.length !== 1 || outputs.length !== 1)
    fail(`the model must have one input and one output (has ${inputs.length} and ${outputs.length})`);
  const layers = config.layers.map((l, i) => {
    const head = layerHead(l, i);
    return { ...head, inputs: inboundNames(head.name, (l as Record<string, unknown>).inbound_nodes) };
  });
  return { layers, input: inputs[0], output: outputs[0] };
}

/**
 * Keras Sequential: `config` is `{ name, layers }` (or, in old files, the bare
 * layer list); each layer reads the previous one. The input is an InputLayer
 * at the front, or else comes from the first layer's batch_input_shape.
 */
function sequential(config: unknown): { layers: Layer[]; input: string; output: string } {
  const list = Array.isArray(config)
    ? config
    : isObject(config) && Array.isArray(config.layers)
      ? config.layers
      : fail('Sequential model has no layer list (config.layers)');
  if (list.length === 0) fail('Sequential model has no layers');
  const heads = list.map(layerHead);
  if (heads[0].className !== 'InputLayer') {
    const first = heads[0];
    const shape = first.config.batch_input_shape ?? first.config.batch_shape;
    if (shape === undefined) fail(`Sequential model: the first layer '${first.name}' has no batch_input_shape, so the input is unknown`);
    let name = `${first.name}_input`; // as Keras names it
    while (heads.some((h) => h.name === name)) name += '_';
    heads.unshift({ className: 'InputLayer', name, config: { name, batch_input_shape: shape } });
  }
  const layers = heads.map((h, i) => ({ ...h, inputs: i === 0 ? [] : [heads[i - 1].name] }));
  return { layers, input: layers[0].name, output: layers[layers.length - 1].name };
}

function topology(json: LayersModelJson): { layers: Layer[]; input: string; output: string } {
  const topo = object(json.modelTopology, 'modelTopology');
  // Keras-converted files wrap the model in model_config; tfjs's own saves do not.
  const mc = 'model_config' in topo ? object(topo.model_config, 'modelTopology.model_config') : topo;
  const cls = mc.class_name;
  if (cls === 'Sequential') return sequential(mc.config);
  if (cls !== undefined && cls !== 'Functional' && cls !== 'Model')
    fail(`model class ${quote(cls)} is not supported (Functional, Model, Sequential)`);
  return functional(mc.config);
}

function parse(json: LayersModelJson, shards: readonly WeightShard[]): ModelGraph {
  if (!isObject(json)) fail(`model.json is not an object (got ${kind(json)})`);
  const { layers, input, output } = topology(json);
  const weights = readWeights(json, shards);
  const used = new Set<string>();
  const take = (layer: string, name: string, shape: number[]): Float32Array => {
    const w = weights.get(name) ?? fail(`layer '${layer}': weight '${name}' is missing from the weights manifest`);
    if (w.shape.join(',') !== shape.join(',')) fail(`weight '${name}' has shape [${w.shape}] but layer '${layer}' needs [${shape}]`);
    used.add(name);
    return w.data;
  };

  const nodes: GraphNode[] = [];
  const channels = new Map<string, number>();
  for (const { className, name, config: cfg, inputs: ins } of layers) {
    for (const i of ins)
      if (!channels.has(i)) fail(`layer '${name}' reads '${i}', which is not defined before it (dangling input or cycle)`);
    const arity = className === 'InputLayer' ? 0 : className === 'Add' || className === 'Concatenate' ? -1 : 1;
    if (arity >= 0 && ins.length !== arity) fail(`layer '${name}' (${className}) has ${ins.length} inputs, needs ${arity}`);
    const c0 = ins.length ? channels.get(ins[0])! : 0;
    const channelsLast = () => {
      if ((cfg.data_format ?? 'channels_last') !== 'channels_last')
        fail(`layer '${name}': data_format ${quote(cfg.data_format)} is not supported (channels_last)`);
    };
    let node: GraphNode;
    let c = c0;
    switch (className) {
      case 'InputLayer': {
        if (nodes.length > 0) fail(`layer '${name}': a second InputLayer (the model must have one input, first)`);
        const shape = cfg.batch_input_shape ?? cfg.batch_shape;
        c = Array.isArray(shape) && shape.length === 4 ? shape[3] : 0;
        if (!Number.isInteger(c) || c < 1 || c > MAX_CHANNELS)
          fail(`input '${name}': channels ${show(c)} (batch_input_shape ${show(shape)} must be [batch, height, width, channels])`);
        node = { kind: 'input', name, inputs: [], channels: c };
        break;
      }
      case 'Conv2D': {
        channelsLast();
        if ((cfg.groups ?? 1) !== 1) fail(`layer '${name}': groups ${show(cfg.groups)}: grouped Conv2D is not supported`);
        const filters = cfg.filters as number;
        if (!Number.isInteger(filters) || filters < 1 || filters > MAX_CHANNELS)
          fail(`layer '${name}': filters ${show(filters)} must be in [1, ${MAX_CHANNELS}]`);
        const k = ints(name, 'kernel_size', cfg.kernel_size, 1, MAX_KERNEL);
        const stride = ints(name, 'strides', cfg.strides ?? 1, 1, MAX_KERNEL);
        const dilation = ints(name, 'dilation_rate', cfg.dilation_rate ?? 1, 1, MAX_KERNEL);
        let padding: [number, number] = [0, 0];
        if (cfg.padding === 'same') {
          // TF 'same' pads d·(k−1) in total, split floor/ceil: symmetric only for odd kernels at stride 1.
          if (stride[0] !== 1 || stride[1] !== 1 || k[0] % 2 === 0 || k[1] % 2 === 0) {
            fail(
              `layer '${name}': padding 'same' with kernel ${k} and strides ${stride} is asymmetric; only odd kernels at stride 1 are supported`,
            );
          }
          padding = [(dilation[0] * (k[0] - 1)) / 2, (dilation[1] * (k[1] - 1)) / 2];
        } else if (cfg.padding !== 'valid') fail(`layer '${name}': padding ${quote(cfg.padding)} is not supported ('valid', 'same')`);
        if (cfg.use_bias !== undefined && typeof cfg.use_bias !== 'boolean')
          fail(`layer '${name}': use_bias ${show(cfg.use_bias)} must be true or false`);
        const kernel = take(name, `${name}/kernel`, [k[0], k[1], c0, filters]);
        const bias = cfg.use_bias === false ? null : take(name, `${name}/bias`, [filters]);
        node = {
          kind: 'conv',
          name,
          inputs: [ins[0]],
          weight: kerasToTorch(kernel, [k[0], k[1], c0, filters]),
          weightShape: [filters, c0, k[0], k[1]],
          bias,
          stride,
          dilation,
          padding,
          activation: activation(name, cfg.activation),
        };
        c = filters;
        break;
      }
      case 'Activation':
        node = { kind: 'activation', name, inputs: [ins[0]], fn: activation(name, cfg.activation) };
        break;
      case 'Add':
        if (ins.length < 2 || ins.some((i) => channels.get(i) !== c0)) fail(`layer '${name}': Add needs ≥ 2 inputs of equal channels`);
        node = { kind: 'add', name, inputs: ins };
        break;
      case 'Concatenate':
        if (cfg.axis !== -1 && cfg.axis !== 3)
          fail(`layer '${name}': Concatenate axis ${show(cfg.axis)} is not supported (channels: -1 or 3)`);
        if (ins.length < 1) fail(`layer '${name}': Concatenate needs inputs`);
        c = ins.reduce((n, i) => n + channels.get(i)!, 0);
        if (c > MAX_CHANNELS) fail(`layer '${name}': ${c} channels is more than ${MAX_CHANNELS}`);
        node = { kind: 'concat', name, inputs: ins };
        break;
      case 'UpSampling2D': {
        channelsLast();
        if ((cfg.interpolation ?? 'nearest') !== 'nearest')
          fail(`layer '${name}': UpSampling2D interpolation ${quote(cfg.interpolation)} is not supported (nearest)`);
        node = { kind: 'upsample', name, inputs: [ins[0]], size: ints(name, 'size', cfg.size, 1, MAX_SCALE) };
        break;
      }
      case 'MultiplyBeta': {
        // UpscalerJS's custom layer: x · beta, beta = 0.2 unless the config says otherwise.
        const beta = cfg.beta ?? 0.2;
        // Finite as float32 (1e39 is a finite double but Infinity once in a uniform).
        if (typeof beta !== 'number' || !Number.isFinite(Math.fround(beta)))
          fail(`layer '${name}': beta ${show(beta)} must be finite as float32`);
        node = { kind: 'scale', name, inputs: [ins[0]], factor: beta };
        break;
      }
      default: {
        const m = /^PixelShuffle(\d+)x$/.exec(className);
        if (!m) fail(`layer '${name}': class '${className}' is not supported`);
        // UpscalerJS's PixelShuffleNx is tf.depthToSpace(x, N, 'NHWC'): DCR order.
        const r = Number(m[1]);
        if (r < 1 || r > MAX_SCALE || c0 % (r * r) !== 0) fail(`layer '${name}': ${c0} channels are not divisible by ${r}²`);
        node = { kind: 'depthToSpace', name, inputs: [ins[0]], r, mode: 'DCR' };
        c = c0 / (r * r);
      }
    }
    if (channels.has(name)) fail(`two layers are named '${name}'`);
    channels.set(name, c);
    nodes.push(node);
  }
  const unused = [...weights.keys()].filter((k) => !used.has(k));
  if (unused.length) fail(`the weights manifest has weights no layer uses: ${unused.slice(0, 5).join(', ')}`);
  if (!channels.has(output)) fail(`output layer '${output}' does not exist`);
  if (nodes[0]?.kind !== 'input' || nodes[0].name !== input) fail(`the first layer must be the input '${input}'`);
  return { nodes, output };
}

/**
 * Parses and validates a LayersModel. Every problem is a ModelError naming the
 * layer or key; anything unexpected that still slips through (a getter that
 * throws, a value of a type no check foresaw) is reported as a malformed file
 * too, with the original error as its `cause`.
 */
export function parseLayersModel(json: LayersModelJson, shards: readonly WeightShard[]): ModelGraph {
  try {
    return parse(json, shards);
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`model.json is malformed (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)})`, { cause: e });
  }
}
