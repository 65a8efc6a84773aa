/**
 * Model files in the upscaler page: what a user drops or chooses (an ncnn
 * .param with its .bin, a PyTorch .pth/.pt/.ckpt, a .safetensors, an .onnx),
 * read and parsed on the CPU before anything reaches the GPU. Every parser
 * refuses what it cannot run with a ModelError naming the file and what is
 * wrong; this module adds the errors of the files themselves (a .param
 * without its .bin, two models at once, a file that is no model) and
 * describes what was found in words ("Real-CUGAN ×2 (noise −1: conservative)",
 * "RRDBNet ×4, 23 blocks, 64 features").
 */
import {
  describeModel,
  ModelError,
  parseNcnnModel,
  parseOnnxModel,
  parsePytorchModel,
  parseSafetensorsModel,
  type ModelDescription,
  type NcnnFamily,
} from '../../../src/index.js';

/** A model ready for either backend: the graph and its tiling facts, and what it is, in words. */
export interface ParsedModel {
  description: ModelDescription;
  /** What the graph was recognised as, e.g. 'waifu2x upconv_7 ×2 (noise 1)'. */
  detected: string;
  /** The files it came from, e.g. 'noise1_scale2.0x_model.param + .bin'. */
  files: string;
  /** ncnn models: the family (from the graph), for checks against what the picker asked for. */
  family?: NcnnFamily;
}

/** A file as the page holds it: its name and, once read, its bytes. */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** The extensions a model file may have (the .bin comes with a .param). */
export const MODEL_EXTENSIONS = ['.param', '.bin', '.pth', '.pt', '.ckpt', '.safetensors', '.onnx'] as const;

/** Largest model file the page reads (x4plus's .bin is 33 MB, the largest ESRGAN checkpoints ~70 MB). */
export const MAX_MODEL_FILE_BYTES = 512 * 1024 * 1024;

/** The extension of a file name, lower case, with its dot ('' when it has none). */
export function extensionOf(name: string): string {
  const m = /\.[^./\\]+$/.exec(name);
  return m ? m[0].toLowerCase() : '';
}

/** Whether a file's name says it is a model file (the drop handler takes these, the image input the rest). */
export function isModelFileName(name: string): boolean {
  return (MODEL_EXTENSIONS as readonly string[]).includes(extensionOf(name));
}

const stemOf = (name: string): string => name.slice(0, name.length - extensionOf(name).length);

/** Reads files into memory, refusing one larger than MAX_MODEL_FILE_BYTES before reading it. */
export async function readModelFiles(files: readonly File[]): Promise<NamedBytes[]> {
  for (const f of files) {
    if (f.size > MAX_MODEL_FILE_BYTES)
      throw new ModelError(`${f.name}: ${f.size} bytes, more than the ${MAX_MODEL_FILE_BYTES} a model file may have here`);
  }
  return Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

/** '−1' with a real minus sign. */
const signed = (n: number): string => (n < 0 ? `−${-n}` : String(n));

/** The noise level of an ncnn family in words, as the native programs name it. */
function noiseWords(f: NcnnFamily): string {
  if (f.noise === null) return '';
  if (f.family === 'realcugan') {
    const what = f.noise < 0 ? 'conservative' : f.noise === 0 ? 'no denoise' : `denoise ${f.noise}×`;
    return `noise ${signed(f.noise)}: ${what}`;
  }
  return f.noise < 0 ? 'no denoise' : `noise ${f.noise}`;
}

/** "Real-CUGAN ×2 (noise −1: conservative)", "waifu2x upconv_7 ×2 (noise 1)", "Real-ESRGAN ×4 (RRDBNet)". */
export function ncnnFamilyLabel(f: NcnnFamily): string {
  const noise = noiseWords(f);
  switch (f.family) {
    case 'realcugan':
      return `Real-CUGAN ×${f.scale} (${noise})`;
    case 'waifu2x-upconv7':
      return `waifu2x upconv_7 ×${f.scale}${noise ? ` (${noise})` : ''}`;
    case 'waifu2x-cunet':
      return `waifu2x cunet ×${f.scale}${noise ? ` (${noise})` : ''}`;
    case 'realesrgan':
      return `Real-ESRGAN ×${f.scale} (${f.arch === 'rrdb' ? 'RRDBNet' : f.arch === 'srvgg' ? 'SRVGGNetCompact' : 'ncnn'})`;
    default:
      return `ncnn network ×${f.scale} (no known family: zero padding at the borders)`;
  }
}

/** Weights in a graph (every Float32Array its nodes hold), for "1.2 M parameters". */
function parameterCount(d: ModelDescription): number {
  let n = 0;
  for (const node of d.graph.nodes) for (const v of Object.values(node)) if (v instanceof Float32Array) n += v.length;
  return n;
}

/** "16.7 M parameters", "43 k parameters". */
function parametersWords(d: ModelDescription): string {
  const n = parameterCount(d);
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} M parameters` : n >= 1e3 ? `${Math.round(n / 1e3)} k parameters` : `${n} parameters`;
}

/** An ncnn pair, parsed. `name` defaults to the .param's name without its extension. */
export function parseNcnnFiles(param: NamedBytes, bin: NamedBytes, name?: string): ParsedModel {
  const description = parseNcnnModel({ param: param.bytes, bin: bin.bytes, file: param.name, name: name ?? stemOf(param.name) });
  const binName = stemOf(bin.name) === stemOf(param.name) ? '.bin' : bin.name;
  return {
    description,
    detected: `${ncnnFamilyLabel(description.family)}, ${parametersWords(description)}`,
    files: `${param.name} + ${binName}`,
    family: description.family,
  };
}

/**
 * The files a user gave, as one model: an ncnn .param and .bin (matched by
 * name when several are given), or one .pth/.pt/.ckpt, .safetensors or .onnx.
 * Throws ModelError for everything else, saying what is missing or extra.
 */
export function parseModelFiles(files: readonly NamedBytes[]): ParsedModel {
  if (files.length === 0) throw new ModelError('no files were given');
  const others = files.filter((f) => !isModelFileName(f.name));
  if (others.length)
    throw new ModelError(
      `${others.map((f) => f.name).join(', ')}: not a model file (the page takes ${MODEL_EXTENSIONS.join(', ')}; an ncnn model is a .param with its .bin)`,
    );
  const params = files.filter((f) => extensionOf(f.name) === '.param');
  const bins = files.filter((f) => extensionOf(f.name) === '.bin');
  const single = files.filter((f) => !['.param', '.bin'].includes(extensionOf(f.name)));
  const models = single.length + Math.max(params.length, bins.length);
  if (models > 1 && !(single.length === 0 && params.length === 1 && bins.length >= 1)) {
    throw new ModelError(
      `${files.map((f) => f.name).join(', ')}: that is more than one model; give one at a time (an ncnn model: its .param and .bin)`,
    );
  }
  if (single.length === 1) return parseSingleFile(single[0]);
  if (params.length === 0)
    throw new ModelError(
      `${bins[0].name}: the .param is missing: an ncnn model is a .param (the layers) and a .bin (the weights); give both together`,
    );
  const param = params[0];
  const bin = bins.find((b) => stemOf(b.name) === stemOf(param.name)) ?? (bins.length === 1 ? bins[0] : undefined);
  if (!bin)
    throw new ModelError(
      bins.length === 0
        ? `${param.name}: its weights (${stemOf(param.name)}.bin) are missing: give the .param and the .bin together`
        : `${param.name}: none of ${bins.map((b) => b.name).join(', ')} is its .bin (${stemOf(param.name)}.bin)`,
    );
  return parseNcnnFiles(param, bin);
}

function parseSingleFile(f: NamedBytes): ParsedModel {
  const ext = extensionOf(f.name);
  const name = stemOf(f.name);
  if (ext === '.onnx') {
    const parsed = parseOnnxModel(f.bytes, { file: f.name, name });
    const description = describeModel(parsed.graph, { name, inputRange: parsed.inputRange, outputRange: parsed.outputRange });
    return {
      description,
      detected: `ONNX graph ×${description.scale}, ${parsed.graph.nodes.length} nodes, ${parametersWords(description)}`,
      files: f.name,
    };
  }
  const spec =
    ext === '.safetensors' ? parseSafetensorsModel(f.bytes, { file: f.name, name }) : parsePytorchModel(f.bytes, { file: f.name, name });
  const description = describeModel(spec.graph, { name, inputRange: spec.inputRange, outputRange: spec.outputRange });
  const a = spec.architecture;
  const arch =
    a.kind === 'RRDBNet'
      ? `RRDBNet ×${a.scale}, ${a.nb} block${a.nb === 1 ? '' : 's'}, ${a.nf} features${a.unshuffle > 1 ? `, pixel-unshuffle ÷${a.unshuffle}` : ''}`
      : `SRVGGNetCompact ×${a.scale}, ${a.numConv} convs, ${a.nf} features, ${a.activation === 'prelu' ? 'PReLU' : a.activation === 'relu' ? 'ReLU' : 'LeakyReLU'}`;
  return { description, detected: `${arch}, ${parametersWords(description)}`, files: f.name };
}

/** An error as the page shows it: a ModelError's message as it is, anything else with its kind. */
export function errorText(e: unknown): string {
  if (e instanceof ModelError) return e.message;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
