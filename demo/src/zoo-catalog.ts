/**
 * The model zoo (src/model/zoo.ts) as the upscaler page offers it: the
 * families in its picker, and the URLs of the bundled ncnn models. Plain data:
 * the Vite plugin (Node) uses it to serve and emit models/ncnn/, the page to
 * fetch from it.
 */
import { ZOO, type ZooModel } from '../../src/model/zoo.js';
import { MODELS_URL_DIR } from './model-catalog.js';

/** Folder under MODELS_URL_DIR where the repo's models/ncnn/ is served (bundled folders only). */
export const NCNN_URL_DIR = 'ncnn';

/** A family of the picker: one entry of the method list; its zoo models differ by scale and noise level. */
export interface ZooPickerFamily {
  /** Picker id, e.g. 'realcugan' (the method list's value is `model:zoo/<id>`). */
  id: string;
  label: string;
  /** The zoo models of this family (every scale and noise level). */
  models: readonly ZooModel[];
  /** Scale picked first. */
  defaultScale: number;
  /** Where a user finds the files of a native family (shown with the names it needs). */
  nativeSource?: string;
}

const byId = (...ids: string[]): ZooModel[] => ZOO.filter((m) => ids.includes(m.id));

/** The picker's families, bundled ones first. */
export const ZOO_PICKER: readonly ZooPickerFamily[] = [
  {
    id: 'realesr-animevideov3',
    label: 'Real-ESRGAN animevideov3',
    models: byId('realesr-animevideov3-x2', 'realesr-animevideov3-x3', 'realesr-animevideov3-x4'),
    defaultScale: 4,
  },
  { id: 'waifu2x-upconv7', label: 'waifu2x upconv_7 (anime)', models: byId('waifu2x-upconv7'), defaultScale: 2 },
  {
    id: 'realesrgan-x4plus',
    label: 'Real-ESRGAN x4plus',
    models: byId('realesrgan-x4plus'),
    defaultScale: 4,
    nativeSource: "Upscayl's or Real-ESRGAN-ncnn-vulkan's models folder",
  },
  {
    id: 'realesrgan-x4plus-anime',
    label: 'Real-ESRGAN x4plus-anime',
    models: byId('realesrgan-x4plus-anime'),
    defaultScale: 4,
    nativeSource: "Upscayl's or Real-ESRGAN-ncnn-vulkan's models folder",
  },
  {
    id: 'realesrgan-x4fast',
    label: 'Real-ESRGAN x4fast',
    models: byId('realesrgan-x4fast'),
    defaultScale: 4,
    nativeSource: "Upscayl's models folder",
  },
  {
    id: 'waifu2x-cunet',
    label: 'waifu2x cunet',
    models: byId('waifu2x-cunet'),
    defaultScale: 2,
    nativeSource: "waifu2x-ncnn-vulkan's models-cunet folder",
  },
  {
    id: 'realcugan',
    label: 'Real-CUGAN se',
    models: byId('realcugan-x2', 'realcugan-x3', 'realcugan-x4'),
    defaultScale: 2,
    nativeSource: "realcugan-ncnn-vulkan's models-se folder",
  },
];

/** The URL of a bundled model's file (ZOO's param/bin path), relative to the page. */
export function ncnnUrlPath(zooPath: string): string {
  return [MODELS_URL_DIR, NCNN_URL_DIR, zooPath].join('/');
}

/** The folders of models/ncnn that hold the bundled models ('realesr-animevideov3', 'waifu2x-upconv7-anime'). */
export function bundledNcnnFolders(): string[] {
  return [...new Set(ZOO.filter((m) => m.where === 'bundled').map((m) => m.param.split('/')[0]))];
}
