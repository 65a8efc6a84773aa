/**
 * The model zoo: the networks upscaler users choose (Real-ESRGAN, waifu2x,
 * Real-CUGAN as the native `*-ncnn-vulkan` programs ship them), by name. Data
 * only (no file access), so the page and Node share it; src/model/zoo-node.ts
 * finds and loads the files in Node.
 *
 * Two kinds of entry:
 *   - bundled: small models whose licences allow it travel with this package
 *     (models/ncnn/…, licence beside each): realesr-animevideov3 ×2/×3/×4 and
 *     waifu2x upconv_7 (every noise level);
 *   - native: the rest, read from a native program's models folder that the
 *     user already has (Upscayl's, waifu2x-ncnn-vulkan's, realcugan-ncnn-vulkan's,
 *     Real-ESRGAN-ncnn-vulkan's), found by the file names those programs use.
 */
import { ModelError } from './errors.js';

export type ZooFamily = 'realesrgan' | 'waifu2x-upconv7' | 'waifu2x-cunet' | 'realcugan';

export interface ZooModel {
  /** The name users type: `--model realesr-animevideov3-x4`. */
  readonly id: string;
  readonly family: ZooFamily;
  readonly scale: number;
  /**
   * Denoise level: waifu2x −1 (none) … 3; Real-CUGAN −1 (conservative), 0 (no denoise), 1–3;
   * null for models without one.
   */
  readonly noise: number | null;
  /** 'bundled': in this package; 'native': in a native program's models folder. */
  readonly where: 'bundled' | 'native';
  /** Paths of the .param and .bin, relative to that folder. */
  readonly param: string;
  readonly bin: string;
  readonly licence: string;
  readonly description: string;
}

const esrganNative = (name: string, description: string): ZooModel => ({
  id: name,
  family: 'realesrgan',
  scale: 4,
  noise: null,
  where: 'native',
  param: `${name}.param`,
  bin: `${name}.bin`,
  licence: 'BSD-3-Clause (Real-ESRGAN)',
  description,
});

function build(): ZooModel[] {
  const models: ZooModel[] = [];
  for (const s of [2, 3, 4]) {
    models.push({
      id: `realesr-animevideov3-x${s}`,
      family: 'realesrgan',
      scale: s,
      noise: null,
      where: 'bundled',
      param: `realesr-animevideov3/realesr-animevideov3-x${s}.param`,
      bin: 'realesr-animevideov3/realesr-animevideov3.bin',
      licence: 'BSD-3-Clause (Real-ESRGAN)',
      description: `Real-ESRGAN animevideov3 ×${s}: small and fast (SRVGG, 16 convs), anime and video${s < 4 ? ' (the ×4 net, then bicubic down)' : ''}`,
    });
  }
  for (const noise of [-1, 0, 1, 2, 3]) {
    const file = noise < 0 ? 'scale2.0x_model' : `noise${noise}_scale2.0x_model`;
    models.push({
      id: 'waifu2x-upconv7',
      family: 'waifu2x-upconv7',
      scale: 2,
      noise,
      where: 'bundled',
      param: `waifu2x-upconv7-anime/${file}.param`,
      bin: `waifu2x-upconv7-anime/${file}.bin`,
      licence: 'MIT (waifu2x, waifu2x-ncnn-vulkan)',
      description: 'waifu2x upconv_7 anime ×2 (7 layers; its last is a stride-2 transposed convolution)',
    });
  }
  models.push(
    esrganNative('realesrgan-x4plus', 'Real-ESRGAN x4plus: photos (RRDBNet, 23 blocks; 17 M parameters, slow)'),
    esrganNative('realesrgan-x4plus-anime', 'Real-ESRGAN x4plus-anime: illustrations (RRDBNet, 6 blocks)'),
    esrganNative('realesrgan-x4fast', "Upscayl's fast ×4 (SRVGG)"),
  );
  for (const scale of [1, 2]) {
    for (const noise of scale === 1 ? [0, 1, 2, 3] : [-1, 0, 1, 2, 3]) {
      const file = scale === 1 ? `noise${noise}_model` : noise < 0 ? 'scale2.0x_model' : `noise${noise}_scale2.0x_model`;
      models.push({
        id: 'waifu2x-cunet',
        family: 'waifu2x-cunet',
        scale,
        noise,
        where: 'native',
        param: `models-cunet/${file}.param`,
        bin: `models-cunet/${file}.bin`,
        licence: 'MIT (waifu2x, waifu2x-ncnn-vulkan)',
        description: `waifu2x cunet ×${scale}: U-net with squeeze-excitation, best waifu2x quality`,
      });
    }
  }
  const cugan: Record<number, readonly number[]> = { 2: [-1, 0, 1, 2, 3], 3: [-1, 0, 3], 4: [-1, 0, 3] };
  for (const [s, levels] of Object.entries(cugan)) {
    for (const noise of levels) {
      const variant = noise < 0 ? 'conservative' : noise === 0 ? 'no-denoise' : `denoise${noise}x`;
      models.push({
        id: `realcugan-x${s}`,
        family: 'realcugan',
        scale: Number(s),
        noise,
        where: 'native',
        param: `models-se/up${s}x-${variant}.param`,
        bin: `models-se/up${s}x-${variant}.bin`,
        licence: 'MIT (Real-CUGAN, realcugan-ncnn-vulkan)',
        description: `Real-CUGAN se ×${s}: anime, U-net with squeeze-excitation`,
      });
    }
  }
  return models;
}

/** Every model of the zoo, one entry per (name, scale, noise level). */
export const ZOO: readonly ZooModel[] = build();

/** The names `--model` takes, in a stable order. */
export function zooIds(): string[] {
  return [...new Set(ZOO.map((m) => m.id))];
}

/** The noise level a family uses when none is asked for: the native programs' defaults. */
export function defaultNoise(id: string): number | null {
  const levels = ZOO.filter((m) => m.id === id).map((m) => m.noise);
  if (levels.includes(null)) return null;
  // waifu2x-ncnn-vulkan -n 0, realcugan-ncnn-vulkan -n -1 (conservative): both the programs' own defaults.
  return id.startsWith('realcugan') ? -1 : 0;
}

/**
 * The zoo entry of a name, noise level and (for names with several) scale; a
 * ModelError that lists what exists when there is none.
 */
export function findZooModel(id: string, options: { noise?: number | null; scale?: number } = {}): ZooModel {
  const named = ZOO.filter((m) => m.id === id);
  if (named.length === 0) throw new ModelError(`unknown model '${id}'; the zoo has ${zooIds().join(', ')}`);
  const scales = [...new Set(named.map((m) => m.scale))];
  const scale = options.scale !== undefined && scales.includes(options.scale) ? options.scale : scales.includes(2) ? 2 : scales[0];
  const levels = named.filter((m) => m.scale === scale).map((m) => m.noise);
  if (levels.includes(null) && options.noise !== undefined && options.noise !== null)
    throw new ModelError(`model '${id}' has no noise levels`);
  const noise = options.noise === undefined || options.noise === null ? defaultNoise(id) : options.noise;
  const found = named.find((m) => m.scale === scale && m.noise === (levels.includes(null) ? null : noise));
  if (!found) {
    throw new ModelError(
      levels.includes(null)
        ? `model '${id}' has no noise levels`
        : `model '${id}' ×${scale} has noise levels ${levels.join(', ')}, not ${String(noise)}`,
    );
  }
  return found;
}
