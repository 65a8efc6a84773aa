/**
 * ONNX models of peer jobs, for ONNX Runtime Web (both benchmark pages) and
 * onnxruntime-node (bench/cpu-baselines.ts, through bench/onnx-models.ts).
 * Written with the library's pure protobuf encoder and model exporter
 * (src/onnx/), so it runs in the browser and in Node.
 */
import type { ModelGraph } from '../../src/model/ir.js';
import { exportOnnx } from '../../src/onnx/export.js';
import { encodeModel, type OnnxNode, type OnnxTensor } from '../../src/onnx/proto.js';
import type { ConvJob, ConvTransposeJob, ShuffleJob } from './job.js';

/**
 * One node, input 'x', output 'y': ConvTranspose, Conv or DepthToSpace CRD,
 * with the weights as initializers so ORT treats them as constants (and may
 * prepack them once, as it would for a real model).
 */
export function opOnnxModel(job: ConvTransposeJob | ConvJob | ShuffleJob): Uint8Array {
  const x = { name: 'x', shape: job.xShape };
  if (job.op === 'pixelShuffle') {
    const node: OnnxNode = { op: 'DepthToSpace', inputs: ['x'], outputs: ['y'], attrs: { blocksize: job.r, mode: 'CRD' } };
    return encodeModel({ nodes: [node], inputs: [x], outputs: [{ name: 'y' }] });
  }
  const k = job.wShape[2];
  const p = job.padding;
  const init: Record<string, OnnxTensor> = { W: { data: job.w, shape: job.wShape } };
  if (job.b) init.B = { data: job.b, shape: [job.b.length] };
  const inputs = ['x', 'W', ...(job.b ? ['B'] : [])];
  const node: OnnxNode =
    job.op === 'convTranspose2d'
      ? {
          op: 'ConvTranspose',
          inputs,
          outputs: ['y'],
          attrs: {
            kernel_shape: [k, k],
            strides: [job.stride, job.stride],
            pads: [p, p, p, p],
            output_padding: [job.outputPadding, job.outputPadding],
          },
        }
      : { op: 'Conv', inputs, outputs: ['y'], attrs: { kernel_shape: [k, k], pads: [p, p, p, p] } };
  return encodeModel({ nodes: [node], inputs: [x], outputs: [{ name: 'y' }], initializers: init });
}

/**
 * A whole model graph (parseLayersModel's IR) as an ONNX model with input 'x'
 * [1, 3, h, w] and output 'y': the library's exportOnnx (src/onnx/export.ts),
 * with the size fixed, as the benchmark's other peers get it. The UpscalerJS
 * packages ship TF.js LayersModels only, so this is how ONNX Runtime gets the same network.
 */
export function graphOnnxModel(graph: ModelGraph, h: number, w: number): Uint8Array {
  return exportOnnx(graph, { size: [h, w] });
}
