/**
 * Vite plugins of the demo pages.
 *
 * The UpscalerJS model packages export only their JS entry points, so their
 * model.json and weight shards cannot be imported with `?url`. This plugin
 * serves them in development from node_modules under /demo/models/<pkg>/…, and
 * copies the offered ones into the build at the same place, so the pages fetch
 * them with one relative URL in both cases. The same goes for the Anime4K
 * networks of the video mode (@websr/websr's weights/anime4k/*.json, MIT),
 * under /demo/models/anime4k/. And the zoo's bundled ncnn models (the repo's
 * models/ncnn/<folder>/: .param, .bin, LICENSE, SOURCE), under
 * /demo/models/ncnn/<folder>/, the same relative paths as ZOO's param/bin.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Connect, Plugin } from 'vite';
import { ANIME4K_URL_DIR, MODEL_CATALOG, MODELS_URL_DIR } from './src/model-catalog.js';
import { bundledNcnnFolders, NCNN_URL_DIR } from './src/zoo-catalog.js';

/**
 * The models/ folder of an @upscalerjs package, or null when it is not
 * installed. (Looked up on disk: the packages' `exports` hide package.json.)
 */
function modelsDir(root: string, pkg: string): string | null {
  const dir = join(root, 'node_modules', '@upscalerjs', pkg, 'models');
  return existsSync(dir) ? dir : null;
}

/** @websr/websr's Anime4K weights folder, or null when it is not installed. */
function anime4kDir(root: string): string | null {
  const dir = join(root, 'node_modules', '@websr', 'websr', 'weights', 'anime4k');
  return existsSync(dir) ? dir : null;
}

/** A bundled ncnn folder's served files: the models, their licence and where they came from. */
function isNcnnServed(file: string): boolean {
  return /\.(param|bin)$/.test(file) || file === 'LICENSE' || file === 'SOURCE';
}

/** Maps '<pkg>/<dir>/<file>' (or 'anime4k/<file>.json') to a file on disk, only for catalog models and plain file names. */
function resolveModelFile(root: string, rel: string): string | null {
  const parts = decodeURIComponent(rel.split('?')[0]).split('/').filter(Boolean);
  const file = parts.pop();
  if (!file || !/^[\w.-]+$/.test(file) || file.startsWith('.')) return null;
  if (parts.length === 2 && parts[0] === NCNN_URL_DIR) {
    if (!bundledNcnnFolders().includes(parts[1]) || !isNcnnServed(file)) return null;
    const path = join(root, 'models', 'ncnn', parts[1], file);
    return existsSync(path) && statSync(path).isFile() ? path : null;
  }
  if (parts.length === 1 && parts[0] === ANIME4K_URL_DIR) {
    const dir = anime4kDir(root);
    const path = dir && file.endsWith('.json') ? join(dir, file) : null;
    return path && existsSync(path) && statSync(path).isFile() ? path : null;
  }
  const [pkg, dir = ''] = parts;
  if (parts.length > 2 || !MODEL_CATALOG.some((m) => m.pkg === pkg && m.dir === dir)) return null;
  const models = modelsDir(root, pkg);
  if (!models) return null;
  const path = join(models, dir, file);
  return existsSync(path) && statSync(path).isFile() ? path : null;
}

export function upscalerModels(): Plugin {
  const prefix = `/demo/${MODELS_URL_DIR}/`;
  let root = process.cwd();
  return {
    name: 'demo-upscalerjs-models',
    configResolved(config) {
      root = config.root;
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!req.url?.startsWith(prefix)) return next();
        const path = resolveModelFile(root, req.url.slice(prefix.length));
        if (!path) {
          res.statusCode = 404;
          res.end('not a served model file');
          return;
        }
        const text = path.endsWith('.param') || /(LICENSE|SOURCE)$/.test(path);
        res.setHeader(
          'Content-Type',
          path.endsWith('.json') ? 'application/json' : text ? 'text/plain; charset=utf-8' : 'application/octet-stream',
        );
        createReadStream(path).pipe(res);
      });
    },
    generateBundle() {
      for (const m of MODEL_CATALOG) {
        const models = modelsDir(root, m.pkg);
        if (!models) continue;
        const dir = join(models, m.dir);
        for (const file of readdirSync(dir)) {
          if (!file.endsWith('.json') && !file.endsWith('.bin')) continue;
          const fileName = ['demo', MODELS_URL_DIR, m.pkg, m.dir, file].filter(Boolean).join('/');
          this.emitFile({ type: 'asset', fileName, source: readFileSync(join(dir, file)) });
        }
      }
      for (const folder of bundledNcnnFolders()) {
        const dir = join(root, 'models', 'ncnn', folder);
        for (const file of existsSync(dir) ? readdirSync(dir) : []) {
          if (!isNcnnServed(file)) continue;
          const fileName = ['demo', MODELS_URL_DIR, NCNN_URL_DIR, folder, file].join('/');
          this.emitFile({ type: 'asset', fileName, source: readFileSync(join(dir, file)) });
        }
      }
      const a4k = anime4kDir(root);
      for (const file of a4k ? readdirSync(a4k) : []) {
        if (!file.endsWith('.json')) continue;
        this.emitFile({
          type: 'asset',
          fileName: ['demo', MODELS_URL_DIR, ANIME4K_URL_DIR, file].join('/'),
          source: readFileSync(join(a4k!, file)),
        });
      }
    },
  };
}

/** Opening the dev or preview server's root lands on the upscaler page (the pages live under /demo/). */
export function demoIndexRedirect(): Plugin {
  const redirect: Connect.NextHandleFunction = (req, res, next) => {
    if (req.url !== '/' && req.url !== '/index.html') return next();
    res.statusCode = 302;
    res.setHeader('Location', '/demo/');
    res.end();
  };
  return {
    name: 'demo-index-redirect',
    configureServer: (server) => void server.middlewares.use(redirect),
    configurePreviewServer: (server) => void server.middlewares.use(redirect),
  };
}
