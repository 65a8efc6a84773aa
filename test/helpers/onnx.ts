/**
 * Runs ONNX models on onnxruntime-node's CPU provider: an independent
 * reference for our ops, since a test's expected values then come from code
 * that shares nothing with ours. Models are written by the library's ONNX writer, src/onnx/proto.ts (shared with exportOnnx and the benchmark pages).
 */
import * as ort from 'onnxruntime-node';
import { checkTensor, encodeModel, type OnnxAttr, type OnnxInt64Tensor, type OnnxTensor } from '../../src/onnx/proto.js';

export { encodeModel, type OnnxAttr, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxValue } from '../../src/onnx/proto.js';

/**
 * Runs serialised model bytes on onnxruntime-node's CPU provider and returns
 * every graph output by name. The session is released before returning.
 */
export async function runOnnxModel(model: Uint8Array, feeds: Record<string, OnnxTensor>): Promise<Record<string, OnnxTensor>> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      checkTensor(name, t);
      ortFeeds[name] = new ort.Tensor('float32', t.data, t.shape);
    }
    const results = await session.run(ortFeeds);
    const out: Record<string, OnnxTensor> = {};
    for (const [name, t] of Object.entries(results)) {
      if (!(t.data instanceof Float32Array)) throw new Error(`output ${name} is ${t.type}, not float32`);
      // Copied so the result owns its memory, independent of the released session.
      out[name] = { data: Float32Array.from(t.data), shape: [...t.dims] };
    }
    return out;
  } finally {
    await session.release();
  }
}

/**
 * Builds a one-node ONNX model (opset 17) with the given op, runs it on
 * onnxruntime-node CPU, and returns the single output.
 *
 * `inputs` are graph inputs (fed at run time) in order; `initializers` are
 * constant inputs appended after them in the node's input list, e.g.
 * ConvTranspose: inputs [x], initializers [W, B]. A '' entry skips an optional
 * input, e.g. Resize: inputs [x], initializers ['', scales] leaves roi out.
 */
export async function runOnnxOp(
  opType: string,
  inputs: OnnxTensor[],
  attrs: Record<string, OnnxAttr>,
  initializers: (OnnxTensor | OnnxInt64Tensor | '')[] = [],
): Promise<OnnxTensor> {
  const inputNames = inputs.map((_, i) => `x${i}`);
  const constNames = initializers.map((t, i) => (t === '' ? '' : `c${i}`));
  const constants: Record<string, OnnxTensor | OnnxInt64Tensor> = {};
  initializers.forEach((t, i) => {
    if (t !== '') constants[constNames[i]] = t;
  });
  const model = encodeModel({
    nodes: [{ op: opType, inputs: [...inputNames, ...constNames], outputs: ['y'], attrs }],
    inputs: inputs.map((t, i) => ({ name: inputNames[i], shape: t.shape })),
    outputs: [{ name: 'y' }],
    initializers: constants,
  });
  const results = await runOnnxModel(model, Object.fromEntries(inputs.map((t, i) => [inputNames[i], t])));
  return results.y;
}
