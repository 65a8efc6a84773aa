/**
 * loadAnime4k: Anime4K's CNN networks (×2 upscalers S/M/L and ×1 "restore"
 * nets) in the JSON that @websr/websr publishes (weights/anime4k/*.json), read
 * exactly as WebSR's shaders (src/layers/anime4k/*) read it, lowered to our IR.
 *
 * The JSON: { name, layers: { <name>: { type: 'conv', inputs, weights, bias } |
 * { type: 'pixel_shuffle', inputs } } }. Every conv layer writes one vec4 (4
 * channels) per pixel; a layer wider than 4 is split into siblings named
 * `…_tf`, `…_tf1`, `…_tf2` with the same inputs. We merge siblings into one
 * conv with Cout = 4·k, sibling s giving output channels 4s..4s+3.
 *
 * Weights: a list of WGSL mat4x4f (16 floats, column-major), `result +=
 * M · v` per 4-channel input group, so float 16·m + 4·c + r is the weight from
 * input channel c of the group to output channel r. Matrix m = tap + 9·g for a
 * 3×3 layer (Conv3x4/8x4/16x4), m = g for a 1×1 layer (Conv56x4/112x4; the
 * JSON says which: matrices / groups is 9 or 1). Taps t = 0..8 list the
 * offsets (dx, dy) x-major: dx = ⌊t/3⌋ − 1, dy = t mod 3 − 1, so our
 * [Cout, Cin, kH, kW] weight takes tap t at kh = t mod 3, kw = ⌊t/3⌋.
 *
 * Input groups g: the image is one group (RGBA of the rgba8unorm texture; our
 * input is RGB, so the alpha column is folded into the bias as alpha = 1, and
 * is 0 in every published file). Every other input is a layer's k siblings,
 * read through CReLU as 2k groups: relu(sibling 0..k−1), then relu(−sibling
 * 0..k−1); that is exactly our conv activation 'crelu' on the merged layer
 * ([relu(v), relu(−v)], 8k channels), so a layer read by any conv is lowered
 * with activation 'crelu', and several inputs (the 1×1 heads of M and L read
 * all seven layers) become a concat of those crelu'd tensors. An
 * 'input_image' listed next to other inputs (the restore nets) is the
 * residual, not a conv input, as in WebSR's network classes.
 *
 * Output (WebSR's display layers): with a pixel_shuffle layer, ×2: output
 * pixel (2X+sx, 2Y+sy) takes channel sx + 2·sy of the last layer at (X, Y),
 * which is depth-to-space r = 2 in 'CRD' order (channel c·4 + sy·2 + sx). One
 * 4-channel output (S) is a luma residual added to R, G and B alike (its rows
 * are repeated for the three colours); three siblings (M, L) are R, G, B. The
 * residual is the input bilinearly sampled at the output pixel's centre
 * (half-pixel: our upsample 'bilinear'). Without pixel_shuffle, ×1: output =
 * input + the last layer's RGB (its fourth channel only touched alpha).
 * Values: the input texture is rgba8unorm, so inputRange = outputRange = [0, 1].
 *
 * Border: WebSR does not pad. Its 3×3 buffer convs index y·W + x, so a tap
 * left of column 0 wraps to the previous row's last pixel, and taps outside the
 * buffer or texture read whatever robust access returns; the residual sampler
 * uses 'repeat' (wraps to the opposite edge). We zero-pad and clamp instead,
 * so outputs within the receptive radius of the border differ from WebSR's;
 * the interior is the same function.
 */
import type { Engine } from '../engine.js';
import { describeModel, type ModelDescription } from './describe.js';
import { ModelError } from './errors.js';
import { buildModel } from './graph.js';
import type { GraphNode, ModelGraph } from './ir.js';
import type { UpscaleModel } from './types.js';

/** One layer of WebSR's Anime4K JSON. */
export interface Anime4kLayerJson {
  name?: string;
  type: string;
  inputs: string[];
  output?: string;
  weights?: number[];
  bias?: number[];
}

/** WebSR's Anime4K weight file (weights/anime4k/*.json). */
export interface Anime4kJson {
  name: string;
  layers: Record<string, Anime4kLayerJson>;
}

export interface Anime4kOptions {
  /** Shown in errors and results; default the JSON's name (e.g. 'anime4k/cnn-2x-s'). */
  name?: string;
}

const IMAGE = 'input_image';

interface Layer {
  base: string;
  inputs: string[];
  siblings: { name: string; weights: number[]; bias: number[] }[];
}

function fail(msg: string): never {
  throw new ModelError(`anime4k: ${msg}`);
}

function numbers(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) fail(`${what} must be an array of finite numbers`);
  // Finite as float32, where they end up: 1e39 is a finite double but Infinity in a Float32Array.
  const i = (v as number[]).findIndex((x) => !Number.isFinite(Math.fround(x)));
  if (i >= 0) fail(`${what} element ${i} is ${(v as number[])[i]}, not finite as float32`);
  return v as number[];
}

/** Parses and validates WebSR's JSON (throws ModelError) and lowers it to a ModelGraph. */
export function parseAnime4k(json: unknown): { graph: ModelGraph; name: string; scale: number } {
  if (!json || typeof json !== 'object') fail(`the model must be a JSON object, got ${json === null ? 'null' : typeof json}`);
  const j = json as Partial<Anime4kJson>;
  if (typeof j.name !== 'string') fail(`'name' must be a string, got ${typeof j.name}`);
  if (!j.layers || typeof j.layers !== 'object' || Array.isArray(j.layers)) fail(`'layers' must be an object of layers`);

  // Merge siblings (…_tf, …_tf1, …) into layers, in file order.
  const layers: Layer[] = [];
  const byBase = new Map<string, Layer>();
  const bufferOf = new Map<string, { layer: Layer; index: number }>();
  let shuffle: string[] | undefined;
  for (const [key, l] of Object.entries(j.layers)) {
    if (!l || typeof l !== 'object') fail(`layer '${key}' must be an object`);
    if (!Array.isArray(l.inputs) || l.inputs.length === 0 || !l.inputs.every((i) => typeof i === 'string'))
      fail(`layer '${key}': 'inputs' must be a non-empty array of layer names`);
    if (l.type === 'pixel_shuffle') {
      if (shuffle) fail(`more than one pixel_shuffle layer ('${key}')`);
      shuffle = l.inputs;
      continue;
    }
    if (l.type !== 'conv') fail(`layer '${key}' has type '${String(l.type)}'; expected 'conv' or 'pixel_shuffle'`);
    const weights = numbers(l.weights, `layer '${key}': 'weights'`);
    const bias = numbers(l.bias, `layer '${key}': 'bias'`);
    if (bias.length !== 4) fail(`layer '${key}': 'bias' has ${bias.length} values; a layer writes one vec4, so 4`);
    if (weights.length === 0 || weights.length % 16 !== 0)
      fail(`layer '${key}': 'weights' has ${weights.length} values, not a positive multiple of 16 (mat4x4f)`);
    const m = /^(.*_tf)(\d*)$/.exec(key);
    if (!m) fail(`layer name '${key}' does not end in '_tf' or '_tf<k>'`);
    const [, base, suffix] = m;
    const index = suffix === '' ? 0 : Number(suffix);
    let layer = byBase.get(base);
    if (!layer) {
      layer = { base, inputs: l.inputs, siblings: [] };
      byBase.set(base, layer);
      layers.push(layer);
    }
    if (index !== layer.siblings.length) fail(`layer '${key}' is sibling ${index} of '${base}', expected sibling ${layer.siblings.length}`);
    if (l.inputs.join() !== layer.inputs.join()) fail(`layer '${key}' reads [${l.inputs}], its sibling '${base}' reads [${layer.inputs}]`);
    layer.siblings.push({ name: key, weights, bias });
    bufferOf.set(key, { layer, index });
  }
  if (layers.length === 0) fail(`no conv layers`);

  // Which layers each conv reads, as whole sibling sets in order.
  const reads = new Map<Layer, Layer[]>();
  const readBy = new Set<Layer>();
  const done = new Set<Layer>();
  for (const layer of layers) {
    const names = layer.inputs.filter((n) => n !== IMAGE);
    const srcs: Layer[] = [];
    for (let i = 0; i < names.length;) {
      const b = bufferOf.get(names[i]);
      if (!b || !done.has(b.layer)) fail(`layer '${layer.base}' reads '${names[i]}', which is not an earlier conv layer`);
      const k = b.layer.siblings.length;
      for (let s = 0; s < k; s++) {
        if (names[i + s] !== b.layer.siblings[s].name)
          fail(
            `layer '${layer.base}' must read all of ${b.layer.siblings.map((x) => `'${x.name}'`).join(', ')} in order, got '${names[i + s]}'`,
          );
      }
      srcs.push(b.layer);
      readBy.add(b.layer);
      i += k;
    }
    if (srcs.length === 0 && layer !== layers[0])
      fail(`layer '${layer.base}' reads only '${IMAGE}'; only the first layer may (the L nets' sibling pair counts as one)`);
    reads.set(layer, srcs);
    done.add(layer);
  }
  const outputs = layers.filter((l) => !readBy.has(l));
  if (outputs.length !== 1) fail(`expected one output layer (read by no conv), found ${outputs.map((l) => `'${l.base}'`).join(', ')}`);
  const last = outputs[0];
  const scale = shuffle ? 2 : 1;
  if (shuffle && shuffle.join() !== last.siblings.map((s) => s.name).join())
    fail(`pixel_shuffle reads [${shuffle}], expected the output layer's [${last.siblings.map((s) => s.name)}]`);
  if (scale === 2 && last.siblings.length !== 1 && last.siblings.length !== 3)
    fail(`the ×2 output layer '${last.base}' has ${last.siblings.length} siblings; expected 1 (luma) or 3 (R, G, B)`);
  if (scale === 1 && last.siblings.length !== 1)
    fail(`the ×1 output layer '${last.base}' has ${last.siblings.length} siblings; expected 1 (RGBA residual)`);

  const nodes: GraphNode[] = [{ kind: 'input', name: 'input', inputs: [], channels: 3 }];
  if (scale === 2) nodes.push({ kind: 'upsample', name: 'residual', inputs: ['input'], size: [2, 2], mode: 'bilinear' });
  for (const layer of layers) {
    const srcs = reads.get(layer)!;
    // Input groups: 1 for the image (RGBA → our 3 channels), 2k per k-sibling layer (CReLU).
    const groups: { channel: number; count: number }[] = [];
    let cin = 0;
    if (srcs.length === 0) {
      groups.push({ channel: 0, count: 3 });
      cin = 3;
    }
    for (const s of srcs) {
      for (let g = 0; g < 2 * s.siblings.length; g++) groups.push({ channel: cin + 4 * g, count: 4 });
      cin += 8 * s.siblings.length;
    }
    const mats = layer.siblings[0].weights.length / 16;
    if (layer.siblings.some((s) => s.weights.length !== mats * 16)) fail(`siblings of '${layer.base}' have different weight counts`);
    const taps = mats / groups.length;
    if (taps !== 9 && taps !== 1)
      fail(`layer '${layer.base}' has ${mats} matrices for ${groups.length} input groups; expected 9 (3×3) or 1 (1×1) per group`);
    const k = taps === 9 ? 3 : 1;
    const cout = 4 * layer.siblings.length;
    const weight = new Float32Array(cout * cin * k * k);
    const bias = new Float32Array(cout);
    for (const [s, sib] of layer.siblings.entries()) {
      for (let r = 0; r < 4; r++) bias[4 * s + r] = sib.bias[r];
      for (let t = 0; t < taps; t++) {
        const kh = t % 3,
          kw = Math.floor(t / 3);
        for (const [g, grp] of groups.entries()) {
          const m = taps === 9 ? t + 9 * g : g;
          for (let r = 0; r < 4; r++) {
            for (let c = 0; c < 4; c++) {
              const w = sib.weights[16 * m + 4 * c + r];
              if (c >= grp.count)
                bias[4 * s + r] += w; // the image's alpha, 1 for an opaque rgba8unorm texel
              else weight[(((4 * s + r) * cin + grp.channel + c) * k + (taps === 9 ? kh : 0)) * k + (taps === 9 ? kw : 0)] = w;
            }
          }
        }
      }
    }
    // Folding the alpha column into the bias adds weights: near float32's limit the sum can overflow.
    const inf = bias.findIndex((b) => !Number.isFinite(b));
    if (inf >= 0)
      fail(`layer '${layer.siblings[Math.floor(inf / 4)].name}': bias ${inf % 4} plus its alpha weights is ${bias[inf]} in float32`);
    let input = 'input';
    if (srcs.length === 1) input = srcs[0].base;
    else if (srcs.length > 1) {
      input = `${layer.base}/concat`;
      nodes.push({ kind: 'concat', name: input, inputs: srcs.map((s) => s.base) });
    }
    nodes.push({
      kind: 'conv',
      name: layer.base,
      inputs: [input],
      weight,
      weightShape: [cout, cin, k, k],
      bias,
      stride: [1, 1],
      dilation: [1, 1],
      padding: [(k - 1) / 2, (k - 1) / 2],
      activation: layer === last ? 'none' : 'crelu',
    });
  }
  // The head: to 3 colour channels, (×2) depth-to-space, + residual.
  const head = nodes.pop() as Extract<GraphNode, { kind: 'conv' }>;
  const [, cin, k] = head.weightShape;
  const per = cin * k * k;
  const rows = scale === 2 ? (last.siblings.length === 1 ? [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3] : [...Array(12).keys()]) : [0, 1, 2];
  const weight = new Float32Array(rows.length * per);
  rows.forEach((row, i) => weight.set(head.weight.subarray(row * per, (row + 1) * per), i * per));
  nodes.push({ ...head, weight, weightShape: [rows.length, cin, k, k], bias: Float32Array.from(rows, (row) => head.bias![row]) });
  if (scale === 2) {
    nodes.push({ kind: 'depthToSpace', name: 'shuffle', inputs: [head.name], r: 2, mode: 'CRD' });
    nodes.push({ kind: 'add', name: 'output', inputs: ['shuffle', 'residual'] });
  } else {
    nodes.push({ kind: 'add', name: 'output', inputs: [head.name, 'input'] });
  }
  return { graph: { nodes, output: 'output' }, name: j.name, scale };
}

/**
 * Loads an Anime4K network from WebSR's JSON (throws ModelError on a
 * malformed file, before any GPU work) as an UpscaleModel on `engine`, for
 * `model.run` or `upscale(engine, image, { model })`. RGB in [0, 1]; the model
 * carries its graph.
 */
export function loadAnime4k(
  engine: Engine,
  json: unknown,
  options: Anime4kOptions = {},
): UpscaleModel & { maxChannels: number; graph: ModelGraph } {
  const { graph, name } = parseAnime4k(json);
  const model = buildModel(engine, graph, { name: options.name ?? name, inputRange: [0, 1], outputRange: [0, 1] });
  return Object.assign(model, { graph });
}

/** The same network described with no engine (scale, receptive radius, tensor sizes). */
export function describeAnime4k(json: unknown, options: Anime4kOptions = {}): ModelDescription {
  const { graph, name } = parseAnime4k(json);
  return describeModel(graph, { name: options.name ?? name, inputRange: [0, 1], outputRange: [0, 1] });
}
