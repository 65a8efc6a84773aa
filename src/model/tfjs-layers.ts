/**
 * TensorFlow.js LayersModel (model.json + weight shards, as published by
 * UpscalerJS) → ModelGraph. Everything is checked here, before any GPU work:
 * topology, layer classes and their configs, weight names, shapes, dtypes and
 * shard sizes. Layouts are converted once: NHWC graph → NCHW, Keras Conv2D
 * kernel [kH, kW, Cin, Cout] → PyTorch [Cout, Cin, kH, kW].
 */
import type { ActivationName } from '../ops/activation.js';
import { ModelError } from './errors.js';
import type { GraphNode, ModelGraph } from './ir.js';

/** The model.json of a TensorFlow.js LayersModel. */
export interface LayersModelJson {
  format?: string;
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string; quantization?: unknown }[] }[];
}

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes: unknown[];
}

const MAX_CHANNELS = 4096;
const MAX_KERNEL = 64;
const MAX_SCALE = 16;

function fail(msg: string): never {
  throw new ModelError(msg);
}

function ints(layer: string, key: string, v: unknown, min: number, max: number): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x) && x >= min && x <= max)) {
    fail(`layer '${layer}': ${key} ${JSON.stringify(v)} must be two integers in [${min}, ${max}]`);
  }
  return a as [number, number];
}

function activation(layer: string, v: unknown): ActivationName {
  if (v === undefined || v === 'linear') return 'none';
  if (v === 'relu') return 'relu';
  return fail(`layer '${layer}': activation '${String(v)}' is not supported (linear, relu)`);
}

/** Names of the tensors a layer reads (functional Keras: inbound_nodes[0] = [[name, nodeIndex, tensorIndex, kwargs], ...]). */
function inboundNames(l: KerasLayer): string[] {
  if (l.inbound_nodes.length === 0) return [];
  if (l.inbound_nodes.length > 1) fail(`layer '${l.config.name}' is shared (called ${l.inbound_nodes.length} times); not supported`);
  const node = l.inbound_nodes[0];
  if (!Array.isArray(node)) fail(`layer '${l.config.name}': malformed inbound_nodes`);
  return node.map((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || entry[2] !== 0) fail(`layer '${l.config.name}': malformed inbound node ${JSON.stringify(entry)}`);
    return entry[0] as string;
  });
}

/** Splits the concatenated shard bytes into named float32 tensors, checking every size. */
export function readWeights(json: LayersModelJson, shards: readonly ArrayBuffer[]): Map<string, { shape: number[]; data: Float32Array }> {
  if (!Array.isArray(json.weightsManifest)) fail('model.json has no weightsManifest');
  const groups = json.weightsManifest;
  const expectedShards = groups.reduce((n, g) => n + g.paths.length, 0);
  if (shards.length !== expectedShards) fail(`expected ${expectedShards} weight shards (weightsManifest), got ${shards.length}`);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  let shardIndex = 0;
  for (const g of groups) {
    const bufs = shards.slice(shardIndex, shardIndex + g.paths.length);
    shardIndex += g.paths.length;
    const total = bufs.reduce((n, b) => n + b.byteLength, 0);
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const b of bufs) {
      bytes.set(new Uint8Array(b), o);
      o += b.byteLength;
    }
    let offset = 0;
    for (const w of g.weights) {
      if (w.dtype !== 'float32') fail(`weight '${w.name}': dtype ${w.dtype} is not supported (float32 only)`);
      if (w.quantization) fail(`weight '${w.name}': quantized weights are not supported`);
      if (!Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 1 && d <= 1 << 20)) {
        fail(`weight '${w.name}': shape ${JSON.stringify(w.shape)} is not a list of positive sizes`);
      }
      const n = w.shape.reduce((a, b) => a * b, 1);
      if (offset + n * 4 > total) {
        fail(`weight shards are truncated: '${w.name}' needs bytes ${offset}..${offset + n * 4} of group [${g.paths.join(', ')}], which has ${total}`);
      }
      out.set(w.name, { shape: w.shape, data: new Float32Array(bytes.buffer.slice(offset, offset + n * 4)) });
      offset += n * 4;
    }
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

export function parseLayersModel(json: LayersModelJson, shards: readonly ArrayBuffer[]): ModelGraph {
  if (!json || typeof json !== 'object') fail('model.json is not an object');
  const topo = json.modelTopology as { model_config?: { class_name?: string; config?: unknown }; class_name?: string; config?: unknown };
  const mc = (topo?.model_config ?? topo) as { class_name?: string; config?: { layers?: KerasLayer[]; input_layers?: unknown[][]; output_layers?: unknown[][] } };
  if (!mc?.config || !Array.isArray(mc.config.layers)) fail('modelTopology has no functional model config (config.layers)');
  const layers = mc.config.layers;
  const inputs = mc.config.input_layers ?? [];
  const outputs = mc.config.output_layers ?? [];
  if (inputs.length !== 1 || outputs.length !== 1) fail(`the model must have one input and one output (has ${inputs.length} and ${outputs.length})`);
  const weights = readWeights(json, shards);
  const used = new Set<string>();
  const take = (name: string, shape: number[]): Float32Array => {
    const w = weights.get(name) ?? fail(`weight '${name}' is missing from the weights manifest`);
    if (w.shape.join(',') !== shape.join(',')) fail(`weight '${name}' has shape [${w.shape}] but the layer needs [${shape}]`);
    used.add(name);
    return w.data;
  };

  const nodes: GraphNode[] = [];
  const channels = new Map<string, number>();
  for (const l of layers) {
    const name = l.config?.name ?? fail('a layer has no name');
    const ins = inboundNames(l);
    for (const i of ins) if (!channels.has(i)) fail(`layer '${name}' reads '${i}', which is not defined before it (dangling input or cycle)`);
    const arity = l.class_name === 'InputLayer' ? 0 : l.class_name === 'Add' || l.class_name === 'Concatenate' ? -1 : 1;
    if (arity >= 0 && ins.length !== arity) fail(`layer '${name}' (${l.class_name}) has ${ins.length} inputs, needs ${arity}`);
    const c0 = ins.length ? channels.get(ins[0])! : 0;
    const cfg = l.config;
    let node: GraphNode;
    let c = c0;
    switch (l.class_name) {
      case 'InputLayer': {
        const shape = cfg.batch_input_shape as (number | null)[];
        c = Array.isArray(shape) ? (shape[3] ?? 0) : 0;
        if (!Number.isInteger(c) || c < 1 || c > MAX_CHANNELS) fail(`input '${name}': channels ${c} (batch_input_shape ${JSON.stringify(shape)})`);
        node = { kind: 'input', name, inputs: [], channels: c };
        break;
      }
      case 'Conv2D': {
        if (cfg.data_format && cfg.data_format !== 'channels_last') fail(`layer '${name}': data_format ${String(cfg.data_format)} is not supported`);
        if ((cfg.groups ?? 1) !== 1) fail(`layer '${name}': grouped Conv2D is not supported`);
        const filters = cfg.filters as number;
        if (!Number.isInteger(filters) || filters < 1 || filters > MAX_CHANNELS) fail(`layer '${name}': filters ${String(filters)} must be in [1, ${MAX_CHANNELS}]`);
        const k = ints(name, 'kernel_size', cfg.kernel_size, 1, MAX_KERNEL);
        const stride = ints(name, 'strides', cfg.strides ?? 1, 1, MAX_KERNEL);
        const dilation = ints(name, 'dilation_rate', cfg.dilation_rate ?? 1, 1, MAX_KERNEL);
        let padding: [number, number] = [0, 0];
        if (cfg.padding === 'same') {
          // TF 'same' pads d·(k−1) in total, split floor/ceil: symmetric only for odd kernels at stride 1.
          if (stride[0] !== 1 || stride[1] !== 1 || k[0] % 2 === 0 || k[1] % 2 === 0) {
            fail(`layer '${name}': padding 'same' with kernel ${k} and strides ${stride} is asymmetric; only odd kernels at stride 1 are supported`);
          }
          padding = [(dilation[0] * (k[0] - 1)) / 2, (dilation[1] * (k[1] - 1)) / 2];
        } else if (cfg.padding !== 'valid') fail(`layer '${name}': padding '${String(cfg.padding)}' is not supported`);
        const kernel = take(`${name}/kernel`, [k[0], k[1], c0, filters]);
        const bias = cfg.use_bias === false ? null : take(`${name}/bias`, [filters]);
        node = {
          kind: 'conv', name, inputs: [ins[0]], weight: kerasToTorch(kernel, [k[0], k[1], c0, filters]),
          weightShape: [filters, c0, k[0], k[1]], bias, stride, dilation, padding, activation: activation(name, cfg.activation),
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
        if (cfg.axis !== -1 && cfg.axis !== 3) fail(`layer '${name}': Concatenate axis ${String(cfg.axis)} is not supported (channels: -1 or 3)`);
        c = ins.reduce((n, i) => n + channels.get(i)!, 0);
        if (c > MAX_CHANNELS) fail(`layer '${name}': ${c} channels is more than ${MAX_CHANNELS}`);
        node = { kind: 'concat', name, inputs: ins };
        break;
      case 'UpSampling2D': {
        if ((cfg.interpolation ?? 'nearest') !== 'nearest') fail(`layer '${name}': UpSampling2D interpolation '${String(cfg.interpolation)}' is not supported (nearest)`);
        node = { kind: 'upsample', name, inputs: [ins[0]], size: ints(name, 'size', cfg.size, 1, MAX_SCALE) };
        break;
      }
      case 'MultiplyBeta': {
        // UpscalerJS's custom layer: x · beta, beta = 0.2 unless the config says otherwise.
        const beta = cfg.beta ?? 0.2;
        if (typeof beta !== 'number' || !Number.isFinite(beta)) fail(`layer '${name}': beta ${String(beta)} must be a finite number`);
        node = { kind: 'scale', name, inputs: [ins[0]], factor: beta };
        break;
      }
      default: {
        const m = /^PixelShuffle(\d+)x$/.exec(l.class_name);
        if (!m) fail(`layer '${name}': class '${l.class_name}' is not supported`);
        // UpscalerJS's PixelShuffleNx is tf.depthToSpace(x, N, 'NHWC'): DCR order.
        const r = Number(m[1]);
        if (r < 1 || r > MAX_SCALE || c0 % (r * r) !== 0) fail(`layer '${name}': ${c0} channels are not divisible by ${r}²`);
        node = { kind: 'depthToSpace', name, inputs: [ins[0]], r };
        c = c0 / (r * r);
      }
    }
    if (channels.has(name)) fail(`two layers are named '${name}'`);
    channels.set(name, c);
    nodes.push(node);
  }
  const unused = [...weights.keys()].filter((k) => !used.has(k));
  if (unused.length) fail(`the weights manifest has weights no layer uses: ${unused.slice(0, 5).join(', ')}`);
  const output = outputs[0][0] as string;
  if (!channels.has(output)) fail(`output layer '${output}' does not exist`);
  if (nodes[0]?.kind !== 'input' || nodes[0].name !== inputs[0][0]) fail(`the first layer must be the input '${String(inputs[0][0])}'`);
  return { nodes, output };
}
