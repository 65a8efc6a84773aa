/**
 * Which native program a net belongs to, from its blob names and structure
 * (never from the user), and that program's processing of one tile embedded
 * in the graph, so that the lowered ModelGraph maps an n×n RGB image in
 * [0, 1] to its (scale·n)² output exactly as the native program does when
 * the image is one tile:
 *
 * | family | blobs | prepad P | beyond the image | net |
 * |---|---|---|---|---|
 * | waifu2x upconv_7 | Input1 → Eltwise4, 6 convs + 1 deconv | 7 | replicate | valid: n + 2P → 2n |
 * | waifu2x cunet | Input1 → Eltwise4, SE (Pooling) | 18 (×2), 28 (×1) | replicate | valid |
 * | Real-ESRGAN / Upscayl | data → output | 10 | reflect-101 | same: crop P·scale after |
 * | Real-CUGAN (models-se) | in0 → out0, gap0..3 | 18 (×2), 14 (×3), 19 (×4) | reflect-101 | valid; ×4 adds nearest-×4 of the input |
 *
 * (nihui/waifu2x-ncnn-vulkan, nihui/realcugan-ncnn-vulkan and
 * xinntao/Real-ESRGAN-ncnn-vulkan: `prepadding` in main.cpp, the border in
 * copy_make_border / the preproc shaders, the ×4 residual in realcugan.cpp's
 * postproc: `v·255 + 0.5 + in[prepadding + i/4][prepadding + j/4]·255`, i.e.
 * out = net + nearest-×4(input) in [0, 1].) The graph gets a leading 'pad'
 * node (P, the border mode) and, for 'same' nets, a trailing 'crop'; whether a
 * net is valid or same is checked from the sizes the lowering tracked. An
 * interior tile's own padding never reaches its kept core, so tiling stays exact.
 *
 * The native programs also round each tile's size up (cunet and CUGAN, whose
 * stride-2 convs need it: to a multiple of 2 for ×2/×4, 4 for ×1/×3), padding
 * the extra rows/columns at the bottom/right in the same border mode and
 * cutting the output back to scale·n from the top-left: the pad node's
 * `multiple` and a crop to scale × the input's size do the same here, so the
 * graph is exact for every n. Input u8/255, output ⌊v·255 + 0.5⌋ clamped, as
 * the image pipeline does.
 */
import type { GraphNode, ModelGraph, PadMode } from '../ir.js';
import type { LoweredNcnn } from './lower.js';
import type { NcnnLayer } from './param.js';
import { ncnnError } from './where.js';

export type NcnnFamilyName = 'waifu2x-upconv7' | 'waifu2x-cunet' | 'realesrgan' | 'realcugan' | 'generic';

export interface NcnnFamily {
  family: NcnnFamilyName;
  /** Output pixels per input pixel. */
  scale: number;
  /** Pixels the native program reads (or pads) around a tile. */
  prepad: number;
  /** How the native program pads beyond the image: 'replicate' (waifu2x), 'reflect' (reflect-101), or 'none' (generic nets). */
  border: PadMode | 'none';
  /** 'valid': the net maps n + 2P to scale·n; 'same': to scale·(n + 2P), of which P·scale is cropped each side. */
  net: 'valid' | 'same';
  /** The denoise level the file name says (waifu2x noise0–3 or none = −1; CUGAN conservative −1, no-denoise 0, denoise1x–3x), else null. */
  noise: number | null;
  /** Real-ESRGAN: RRDBNet (x4plus, x4plus-anime) or SRVGGNetCompact (animevideov3, x4fast). */
  arch?: 'rrdb' | 'srvgg';
  /** Real-CUGAN ×4: the output adds the nearest-×4 enlarged input. */
  residual?: 'nearest';
  /** The native programs round a tile's size up to this multiple (stride-2 convs inside). */
  inputMultiple: number;
  /** The net's input and output blob names. */
  inputBlob: string;
  outputBlob: string;
}

/** The output blob each family's program extracts, for nets with several unread blobs. */
export const FAMILY_OUTPUTS: Readonly<Record<string, string>> = { Input1: 'Eltwise4', data: 'output', in0: 'out0' };

function noiseFromName(name: string, family: NcnnFamilyName): number | null {
  if (family === 'waifu2x-upconv7' || family === 'waifu2x-cunet') {
    const m = /noise(\d)/.exec(name);
    if (m) return Number(m[1]);
    return /scale2\.0x_model/.test(name) ? -1 : null;
  }
  if (family === 'realcugan') {
    if (/conservative/.test(name)) return -1;
    if (/no-denoise/.test(name)) return 0;
    const m = /denoise(\d)x/.exec(name);
    return m ? Number(m[1]) : null;
  }
  return null;
}

/** Recognises the family of a lowered net and wraps its graph with the family's padding, crop and residual. */
export function applyFamily(
  layers: readonly NcnnLayer[],
  lowered: LoweredNcnn,
  names: { file: string; hint: string },
): { graph: ModelGraph; family: NcnnFamily } {
  const { inputBlob, outputBlob } = lowered;
  const out = lowered.blobs.get(outputBlob)!;
  const count = (type: string) => layers.filter((l) => l.type === type).length;
  const blobs = new Set(layers.flatMap((l) => l.outputs));
  const scale = out.h.a;
  if (!(Number.isInteger(scale) && scale >= 1 && out.w.a === scale)) {
    throw ncnnError(names.file, null, `the net scales height by ${out.h.a} and width by ${out.w.a}; an upscaler needs one integer scale`);
  }
  if (out.channels !== 3) throw ncnnError(names.file, null, `the output blob '${outputBlob}' has ${out.channels} channels, not 3 (RGB)`);

  let family: NcnnFamilyName = 'generic';
  let prepad = 0;
  let border: NcnnFamily['border'] = 'none';
  let arch: NcnnFamily['arch'];
  if (inputBlob === 'Input1' && outputBlob === 'Eltwise4') {
    if (count('Pooling') > 0) {
      family = 'waifu2x-cunet';
      prepad = scale === 1 ? 28 : 18;
    } else if (count('Convolution') === 6 && count('Deconvolution') === 1) {
      family = 'waifu2x-upconv7';
      prepad = 7;
    }
    if (family !== 'generic') border = 'replicate';
  } else if (inputBlob === 'data' && outputBlob === 'output') {
    family = 'realesrgan';
    prepad = 10;
    border = 'reflect';
    arch = count('PReLU') > 0 ? 'srvgg' : 'rrdb';
  } else if (inputBlob === 'in0' && outputBlob === 'out0' && ['gap0', 'gap1', 'gap2', 'gap3'].every((g) => blobs.has(g))) {
    family = 'realcugan';
    prepad = ({ 2: 18, 3: 14, 4: 19 } as Record<number, number>)[scale] ?? 0;
    border = 'reflect';
    if (!prepad) throw ncnnError(names.file, null, `a Real-CUGAN net of scale ${scale}: the native program knows ×2, ×3 and ×4`);
  }

  // valid: out = scale·(m) − 2P·scale for input m = n + 2P; same: out = scale·m.
  const offset = out.h.b;
  let net: NcnnFamily['net'];
  if (Math.abs(offset) < 1e-9 && Math.abs(out.w.b) < 1e-9) net = 'same';
  else if (Math.abs(offset + 2 * prepad * scale) < 1e-9 && Math.abs(out.w.b + 2 * prepad * scale) < 1e-9 && prepad > 0) net = 'valid';
  else {
    throw ncnnError(
      names.file,
      null,
      `the ${family} net's output is ${scale}·n ${offset < 0 ? '−' : '+'} ${Math.abs(offset)} for an n×n input; with prepadding ${prepad} it must be ${scale}·n (same) or ${scale}·n − ${2 * prepad * scale} (valid)`,
    );
  }

  const residual = family === 'realcugan' && scale === 4 ? 'nearest' : undefined;
  const inputMultiple = family === 'realcugan' || family === 'waifu2x-cunet' ? (scale === 1 || scale === 3 ? 4 : 2) : 1;
  const info: NcnnFamily = {
    family,
    scale,
    prepad,
    border,
    net,
    noise: noiseFromName(names.hint, family),
    ...(arch ? { arch } : {}),
    ...(residual ? { residual } : {}),
    inputMultiple,
    inputBlob,
    outputBlob,
  };
  return { graph: wrap(lowered.graph, info), family: info };
}

/** The graph with the family's pad in front, crop behind and residual added. */
function wrap(graph: ModelGraph, f: NcnnFamily): ModelGraph {
  const [input, ...body] = graph.nodes;
  if (input.kind !== 'input') throw ncnnError('graph', null, 'the lowered graph must start with its input');
  const used = new Set(graph.nodes.map((n) => n.name));
  const fresh = (base: string) => {
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}~${i}`;
    used.add(name);
    return name;
  };
  const nodes: GraphNode[] = [input];
  let output = graph.output;
  if (f.prepad > 0 && f.border !== 'none') {
    const pad = fresh(`${input.name}:prepad`);
    const multiple = f.inputMultiple > 1 ? { multiple: f.inputMultiple } : {};
    nodes.push({
      kind: 'pad',
      name: pad,
      inputs: [input.name],
      pads: [f.prepad, f.prepad, f.prepad, f.prepad],
      mode: f.border,
      ...multiple,
    });
    const rename = (i: string) => (i === input.name ? pad : i);
    for (const n of body) nodes.push({ ...n, inputs: n.inputs.map(rename) } as GraphNode);
    if (output === input.name) output = pad;
  } else nodes.push(...body);
  if (f.net === 'same' && f.prepad > 0) {
    const m = f.prepad * f.scale;
    nodes.push({ kind: 'crop', name: fresh(`${output}:crop`), inputs: [output], begin: [m, m], end: [m, m] });
    output = nodes[nodes.length - 1].name;
  }
  if (f.net === 'valid' && f.inputMultiple > 1) {
    // The rows/columns the rounding added come out at the bottom/right: keep the top-left scale·n.
    nodes.push({ kind: 'crop', name: fresh(`${output}:crop`), inputs: [output, input.name], begin: [0, 0], refScale: f.scale });
    output = nodes[nodes.length - 1].name;
  }
  if (f.residual === 'nearest') {
    const up = fresh(`${input.name}:nearest`);
    nodes.push({ kind: 'upsample', name: up, inputs: [input.name], size: [f.scale, f.scale], mode: 'nearest' });
    nodes.push({ kind: 'add', name: fresh(`${output}:residual`), inputs: [output, up] });
    output = nodes[nodes.length - 1].name;
  }
  return { nodes, output };
}
