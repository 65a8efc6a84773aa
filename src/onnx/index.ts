/** ONNX: a loaded model's graph as ONNX bytes (exportOnnx), the protobuf writer under it, and the importer (parseOnnxModel, loadOnnxModel). */
export { exportOnnx, ONNX_INPUT, ONNX_OUTPUT, type ExportOnnxOptions, type OnnxExportSource } from './export.js';
export {
  encodeModel,
  checkTensor,
  type OnnxAttr,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxInt64Tensor,
  type OnnxValue,
} from './proto.js';
export { parseOnnxModel, loadOnnxModel, SUPPORTED_OPS, type OnnxImportOptions, type ParsedOnnxModel } from './import/index.js';
