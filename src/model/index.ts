export { ModelError } from './errors.js';
export { loadModel, describeLayersModel, type LayersModelSource } from './load.js';
export { describeModel, type ModelDescription, type DescribeModelOptions } from './describe.js';
export type { ModelGraph, GraphNode, ConvNode } from './ir.js';
export { parseLayersModel, type LayersModelJson } from './tfjs-layers.js';
export type { UpscaleModel, UpscaleModelInfo } from './types.js';
