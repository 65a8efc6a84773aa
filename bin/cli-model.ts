/**
 * --model for the CLI: an UpscalerJS model (bundled or installed), a zoo model
 * (src/model/zoo.ts: bundled, or from --models-dir), a zoo family without its
 * scale suffix (`realcugan`, `realesr-animevideov3`: the scale picks the
 * model), or a model file (.param + .bin, .pth, .safetensors, .onnx). Every
 * form ends as a ModelDescription (graph + tiling facts, no GPU), which the
 * WebGPU and CPU backends both run. --scale is the output scale asked for;
 * models that do not offer it run in passes and shrink (src/upscale/rescale.ts).
 */
import { describeLayersModel } from '../src/model/load.js';
import { packagedScales, readPackagedModel, type PackagedModel } from '../src/model/load-node.js';
import type { ModelDescription } from '../src/model/describe.js';
import { ZOO, zooIds } from '../src/model/zoo.js';
import { describeModelFile, describeZooModel, nativeModelDirs, resolveZooModel, zooModelName } from '../src/model/zoo-node.js';

/** Zoo families named without a scale suffix: the family's models by scale. */
const ALIASES: Record<string, { models: Record<number, string>; defaultScale: number }> = {
  'realesr-animevideov3': {
    models: { 2: 'realesr-animevideov3-x2', 3: 'realesr-animevideov3-x3', 4: 'realesr-animevideov3-x4' },
    defaultScale: 4,
  },
  realcugan: { models: { 2: 'realcugan-x2', 3: 'realcugan-x3', 4: 'realcugan-x4' }, defaultScale: 2 },
};

export function zooAliases(): string[] {
  return Object.keys(ALIASES);
}

export interface CliModelChoice {
  model: string;
  scale?: number;
  noise?: number;
  modelsDirs: readonly string[];
}

export interface ResolvedModel {
  description: ModelDescription & { family?: string };
  /** What to call it in the log. */
  label: string;
}

const UPSCALERJS: readonly string[] = ['default-model', 'esrgan-slim', 'esrgan-medium', 'esrgan-thick'];

/** The model a command line names, described; throws (ModelError or Error) with a message for the user. */
export function resolveCliModel(choice: CliModelChoice): ResolvedModel {
  const { model, scale, noise } = choice;
  const modelsDirs = choice.modelsDirs.length ? choice.modelsDirs : nativeModelDirs();
  if (UPSCALERJS.includes(model)) {
    if (noise !== undefined) throw new Error(`--noise: ${model} has no noise levels`);
    // The scale asked for, else the smallest larger one (shrunk after), else the default (in passes).
    const offered = packagedScales(model as PackagedModel);
    const pick = scale === undefined ? undefined : (offered.find((s) => s === scale) ?? offered.find((s) => s > scale));
    const files = readPackagedModel(model as PackagedModel, pick);
    return { description: describeLayersModel(files), label: `${files.name}` };
  }
  if (zooIds().includes(model) || model in ALIASES) {
    let id = model;
    const alias = ALIASES[model];
    if (alias) {
      const scales = Object.keys(alias.models).map(Number);
      const want = scale ?? alias.defaultScale;
      // The model of that scale, else the smallest larger one (shrunk after), else the largest (in passes).
      const pick = scales.find((s) => s === want) ?? scales.find((s) => s > want) ?? Math.max(...scales);
      id = alias.models[pick];
    }
    // A zoo name with several scales (waifu2x-cunet ×1/×2): the one asked for, else the default.
    const scales = [...new Set(ZOO.filter((m) => m.id === id).map((m) => m.scale))];
    const modelScale = scale !== undefined && scales.includes(scale) ? scale : undefined;
    const description = describeZooModel(id, { noise, scale: modelScale, modelsDirs });
    const { entry } = resolveZooModel(id, { noise, scale: modelScale, modelsDirs });
    return { description, label: `${zooModelName(entry)} (${entry.where === 'bundled' ? 'bundled' : description.file})` };
  }
  if (noise !== undefined) throw new Error(`--noise applies to the zoo's models, not to a model file`);
  const description = describeModelFile(model);
  return { description, label: `${description.name} (${description.file}${description.family ? `, ${description.family}` : ''})` };
}

/** The --list-models table. */
export function listModels(modelsDirs: readonly string[]): string {
  const dirs = modelsDirs.length ? modelsDirs : nativeModelDirs();
  const lines = ['models (--model NAME; or --model FILE: .param with its .bin, .pth, .safetensors, .onnx):', ''];
  const row = (name: string, scales: string, noise: string, where: string, about: string) =>
    `  ${name.padEnd(26)} ${scales.padEnd(12)} ${noise.padEnd(16)} ${where.padEnd(10)} ${about}`;
  lines.push(row('NAME', 'SCALES', 'NOISE (-n)', 'WHERE', 'WHAT'));
  for (const id of zooIds()) {
    const entries = ZOO.filter((m) => m.id === id);
    const levels = [...new Set(entries.map((m) => m.noise))].filter((n) => n !== null).sort((a, b) => a! - b!);
    let where: string = entries[0].where;
    if (where === 'native') {
      try {
        resolveZooModel(id, { modelsDirs: dirs, scale: entries[0].scale, noise: entries[0].noise });
        where = 'found';
      } catch {
        where = 'not found';
      }
    }
    const scales = [...new Set(entries.map((m) => `×${m.scale}`))].join(' ');
    lines.push(row(id, scales, levels.length ? levels.join(' ') : '–', where, entries[0].description));
  }
  for (const name of UPSCALERJS) {
    let scales = '';
    let where = 'bundled';
    try {
      scales = packagedScales(name as PackagedModel)
        .map((s) => `×${s}`)
        .join(' ');
    } catch {
      where = 'npm i';
      scales = '×2 ×3 ×4 ×8';
    }
    lines.push(row(name, scales, '–', where, 'UpscalerJS (TensorFlow.js) ESRGAN'));
  }
  lines.push(
    '',
    `  aliases: ${zooAliases().join(', ')} (the model of --scale's size)`,
    `  'native' models come with the native programs (Upscayl, waifu2x-ncnn-vulkan, realcugan-ncnn-vulkan,`,
    `  Real-ESRGAN-ncnn-vulkan): point --models-dir (or $WEBGPU_UPSAMPLE_MODELS) at their models folder.`,
    dirs.length ? `  looked in: ${dirs.join(', ')}` : '  no models folder given',
    '  any --scale works with any model: passes of the model, then an antialiased bicubic shrink to the exact size.',
  );
  return lines.join('\n');
}
