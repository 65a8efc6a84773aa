export { ModelError } from './errors.js';
export { loadModel, type LayersModelSource } from './load.js';
export { parseLayersModel, type LayersModelJson } from './tfjs-layers.js';
export type { UpscaleModel } from './types.js';
