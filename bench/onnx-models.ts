/**
 * The ONNX model of a `npm run bench` case, for ONNX Runtime Web (page) and
 * onnxruntime-node (CPU baseline): the case as a peer job, written by
 * bench/peers/onnx-graphs.ts (shared with the demo's benchmark page).
 */
import { inputShape, weightShape, type BenchCase } from './cases.js';
import { opOnnxModel } from './peers/onnx-graphs.js';

export { graphOnnxModel } from './peers/onnx-graphs.js';

/**
 * ConvTranspose, DepthToSpace CRD or Conv with the weights as initializers.
 * Null for whole-model cases: UpscalerJS ships TF.js LayersModels only (see graphOnnxModel).
 */
export function caseOnnxModel(c: BenchCase, weight: Float32Array | null, bias: Float32Array | null): Uint8Array | null {
  const x = new Float32Array(0); // the model holds no input data; only its shape matters
  const xShape = inputShape(c);
  const wShape = weightShape(c) ?? [];
  switch (c.op) {
    case 'convTranspose2d':
      return opOnnxModel({ op: c.op, x, xShape, w: weight!, wShape, b: bias, stride: c.s, padding: c.p, outputPadding: c.op_ });
    case 'conv2d':
      return opOnnxModel({ op: c.op, x, xShape, w: weight!, wShape, b: bias, padding: c.p });
    case 'pixelShuffle':
      return opOnnxModel({ op: c.op, x, xShape, r: c.r });
    case 'model':
      return null;
  }
}
