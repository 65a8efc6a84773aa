/** The ncnn front end: `.param` + `.bin` → ModelGraph, with the native programs' processing. */
export { parseNcnnParam, type NcnnLayer, type NcnnValue, type ParseNcnnParamOptions } from './param.js';
export { readNcnnWeights, type NcnnLayerWeights, type ReadNcnnWeightsOptions } from './weights.js';
export { lowerNcnn, type LoweredNcnn } from './lower.js';
export { applyFamily, type NcnnFamily, type NcnnFamilyName } from './family.js';
export { parseNcnnModel, parseNcnnGraph, loadNcnnModel, type NcnnModelSource, type NcnnModelDescription } from './model.js';
