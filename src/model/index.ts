export { ModelError } from './errors.js';
export { loadModel, describeLayersModel, type LayersModelSource } from './load.js';
export { describeModel, type ModelDescription, type DescribeModelOptions } from './describe.js';
export type { ModelGraph, GraphNode, ConvNode } from './ir.js';
export { parseLayersModel, type LayersModelJson } from './tfjs-layers.js';
export { loadAnime4k, describeAnime4k, parseAnime4k, type Anime4kJson, type Anime4kLayerJson, type Anime4kOptions } from './anime4k.js';
export type { UpscaleModel, UpscaleModelInfo } from './types.js';
export {
  parseNcnnModel,
  loadNcnnModel,
  parseNcnnParam,
  readNcnnWeights,
  type NcnnModelSource,
  type NcnnFamily,
  type NcnnModelDescription,
} from './ncnn/index.js';
export {
  parsePytorchCheckpoint,
  parsePytorchModel,
  parseSafetensorsModel,
  loadPytorchModel,
  loadSafetensorsModel,
  modelFromStateDict,
  type TensorMap,
  type PytorchModel,
  type PytorchModelSpec,
  type PytorchModelOptions,
  type PytorchArchitecture,
  type RrdbArchitecture,
  type SrvggArchitecture,
} from './pytorch/index.js';
