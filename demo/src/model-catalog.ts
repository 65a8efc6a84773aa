/**
 * The pretrained UpscalerJS models the upscaler page offers, and where their
 * files are served. Plain data: the Vite plugin (Node) uses it to serve and
 * emit the files, the page uses it to fetch them.
 */

export interface CatalogModel {
  /** Stable id used in the page's method list, e.g. 'esrgan-slim-x4'. */
  id: string;
  label: string;
  /** npm package under @upscalerjs/. */
  pkg: 'default-model' | 'esrgan-slim' | 'esrgan-medium';
  /** Folder under the package's models/ ('' for the package root). */
  dir: '' | 'x2' | 'x3' | 'x4';
  scale: number;
}

export const MODEL_CATALOG: readonly CatalogModel[] = [
  { id: 'default-model-x2', label: 'UpscalerJS default model ×2', pkg: 'default-model', dir: '', scale: 2 },
  { id: 'esrgan-slim-x2', label: 'ESRGAN slim ×2', pkg: 'esrgan-slim', dir: 'x2', scale: 2 },
  { id: 'esrgan-slim-x4', label: 'ESRGAN slim ×4', pkg: 'esrgan-slim', dir: 'x4', scale: 4 },
  { id: 'esrgan-medium-x2', label: 'ESRGAN medium ×2', pkg: 'esrgan-medium', dir: 'x2', scale: 2 },
  { id: 'esrgan-medium-x4', label: 'ESRGAN medium ×4', pkg: 'esrgan-medium', dir: 'x4', scale: 4 },
];

/** URL path, relative to the demo pages, under which the plugin serves `models/` of each package. */
export const MODELS_URL_DIR = 'models';

/** The model.json URL of a catalog entry, relative to the page. */
export function modelJsonPath(m: CatalogModel): string {
  return [MODELS_URL_DIR, m.pkg, m.dir, 'model.json'].filter(Boolean).join('/');
}

/** Folder under MODELS_URL_DIR where the Anime4K networks (@websr/websr's weights/anime4k/*.json) are served. */
export const ANIME4K_URL_DIR = 'anime4k';

/** The Anime4K ×2 networks the video mode offers: size S/M/L × weights 'an' (anime), 'rl' (real life), '3d'. */
export const ANIME4K_CATALOG: readonly { id: string; label: string }[] = (['s', 'm', 'l'] as const).flatMap((size) =>
  (
    [
      ['an', 'anime'],
      ['rl', 'real life'],
      ['3d', '3D'],
    ] as const
  ).map(([w, what]) => ({ id: `cnn-2x-${size}-${w}`, label: `Anime4K CNN ×2 ${size.toUpperCase()} (${what})` })),
);

/** The JSON URL of an Anime4K network, relative to the page. */
export function anime4kJsonPath(id: string): string {
  return [MODELS_URL_DIR, ANIME4K_URL_DIR, `${id}.json`].join('/');
}
