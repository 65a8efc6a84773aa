// Ships the GPU* type names with the declarations; preserve="true" keeps TS 5.5+ from dropping this line from the .d.ts.
/// <reference types="@webgpu/types" preserve="true" />
/**
 * `webgpu-upsample/node`: Node-only helpers (file system access).
 *
 *   import { createEngine, upscale } from 'webgpu-upsample';
 *   import { loadModelFromPackage, readImage, writeImage } from 'webgpu-upsample/node';
 *   const model = loadModelFromPackage(engine, 'esrgan-slim', 4);
 *   const image = await readImage('photo.jpg');          // RGBA, 8 or 16 bits (sharp)
 *   await writeImage('photo-x4.png', await upscale(engine, image, { model }), { like: image });
 *
 *   // No GPU: the same upscale() on ONNX Runtime's CPU provider (npm install onnxruntime-node).
 *   const cpu = await createCpuUpscaler('esrgan-slim', 4);
 *   const out = await upscale(cpu, image, { onProgress });
 *   await cpu.dispose();
 */
export { loadModelFromPackage, packagedScales, readPackagedModel, type PackagedModel, type PackagedModelFiles } from './model/load-node.js';
export { createCpuUpscaler, loadOnnxRuntimeNode, writeOnnx, type CpuUpscalerModel, type CpuUpscalerOptions } from './upscale/ort-node.js';
export { readImage, writeImage, type ImageFile, type ReadImageOptions, type WriteImageOptions } from './upscale/node-image.js';
export { FileError, type ImageHeader, type OutputFormat } from './upscale/image-file.js';
export {
  describeModelFile,
  loadModelFile,
  describeZooModel,
  loadZooModel,
  resolveZooModel,
  nativeModelDirs,
  bundledNcnnDir,
  MODEL_FILE_EXTENSIONS,
  type FileModelDescription,
  type ModelFileOptions,
  type ZooOptions,
} from './model/zoo-node.js';
export { loadNcnnModelFromFiles, parseNcnnModelFromFiles, readNcnnFiles } from './model/load-ncnn-node.js';
