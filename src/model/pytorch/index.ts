/**
 * PyTorch super-resolution checkpoints (.pth, .safetensors) as models: the
 * state dict is read (./checkpoint.ts, or the safetensors reader), the
 * architecture detected from its keys as spandrel does — RRDBNet
 * (./rrdbnet.ts) or SRVGGNetCompact (./srvgg.ts) — and lowered to the model
 * IR with PyTorch's semantics: zero padding, RGB in [0, 1] in and out.
 */
import type { Engine } from '../../engine.js';
import { fromSafetensors } from '../../train/safetensors.js';
import { ModelError } from '../errors.js';
import { buildModel } from '../graph.js';
import type { ModelGraph } from '../ir.js';
import type { UpscaleModel } from '../types.js';
import { parsePytorchCheckpoint, withoutCommonPrefix, type TensorMap } from './checkpoint.js';
import { looksLikeRrdbNet, lowerRrdbNet, type RrdbArchitecture } from './rrdbnet.js';
import { looksLikeSrvgg, lowerSrvgg, type SrvggArchitecture } from './srvgg.js';

export { parsePytorchCheckpoint, type TensorMap, type CheckpointOptions } from './checkpoint.js';
export type { RrdbArchitecture } from './rrdbnet.js';
export type { SrvggArchitecture, SrvggActivation } from './srvgg.js';

export type PytorchArchitecture = RrdbArchitecture | SrvggArchitecture;

export interface PytorchModelOptions {
  /** The file's name, for messages and the default model name. */
  file?: string;
  /** The model's name. Default: the file name without its extension. */
  name?: string;
  /**
   * SRVGGNetCompact's activation when the checkpoint has no PReLU slopes: ReLU and LeakyReLU(0.1)
   * have no parameters, so the keys cannot tell them apart. Default 'relu'.
   */
  srvggActivation?: 'relu' | 'leakyRelu';
}

export interface PytorchModelSpec {
  graph: ModelGraph;
  architecture: PytorchArchitecture;
  name: string;
  scale: number;
  inputRange: readonly [0, 1];
  outputRange: readonly [0, 1];
}

/** Detects the architecture of a state dict and lowers it to the IR. */
export function modelFromStateDict(sd: TensorMap, options: PytorchModelOptions = {}): PytorchModelSpec {
  const file = options.file ?? 'checkpoint';
  const name = options.name ?? file.replace(/^.*[\\/]/, '').replace(/\.(pth|pt|ckpt|safetensors)$/i, '');
  const lowered = looksLikeRrdbNet(sd) ? lowerRrdbNet(sd, file) : looksLikeSrvgg(sd) ? lowerSrvgg(sd, file, options.srvggActivation) : null;
  if (!lowered) {
    const keys = Object.keys(sd);
    throw new ModelError(
      `${file}: unknown architecture: the keys look like neither RRDBNet/ESRGAN (needs 'conv_first.weight' with 'body.0.rdb1.conv1.weight', ` +
        `'model.0.weight' with 'model.1.sub.0.RDB1.conv1.0.weight', or 'RRDB_trunk.0.RDB1.conv1.weight') nor SRVGGNetCompact ('body.0.weight'); ` +
        `${keys.length} keys, the first: ${keys
          .slice(0, 6)
          .map((k) => `'${k}' [${sd[k].shape.join(', ')}]`)
          .join(', ')}`,
    );
  }
  return { ...lowered, name, scale: lowered.architecture.scale, inputRange: [0, 1], outputRange: [0, 1] };
}

/** A .pth/.pt checkpoint (zip or legacy) → its graph and architecture; a ModelError for anything else. */
export function parsePytorchModel(bytes: Uint8Array, options: PytorchModelOptions = {}): PytorchModelSpec {
  return modelFromStateDict(parsePytorchCheckpoint(bytes, { file: options.file }), options);
}

/** A .safetensors state dict → its graph and architecture. */
export function parseSafetensorsModel(bytes: Uint8Array, options: PytorchModelOptions = {}): PytorchModelSpec {
  const file = options.file ?? 'model.safetensors';
  const sd = fromSafetensors(bytes, { file });
  const names = withoutCommonPrefix(Object.keys(sd));
  const canonical = Object.create(null) as TensorMap;
  Object.values(sd).forEach((t, i) => (canonical[names[i]] = t));
  return modelFromStateDict(canonical, { ...options, file });
}

export type PytorchModel = UpscaleModel & { maxChannels: number; graph: ModelGraph; architecture: PytorchArchitecture };

function load(engine: Engine, spec: PytorchModelSpec): PytorchModel {
  const model = buildModel(engine, spec.graph, { name: spec.name, inputRange: spec.inputRange, outputRange: spec.outputRange });
  return Object.assign(model, { graph: spec.graph, architecture: spec.architecture });
}

/** Parses a .pth checkpoint and uploads its weights: a model for upscale(). */
export function loadPytorchModel(engine: Engine, bytes: Uint8Array, options: PytorchModelOptions = {}): PytorchModel {
  return load(engine, parsePytorchModel(bytes, options));
}

/** Parses a .safetensors state dict and uploads its weights: a model for upscale(). */
export function loadSafetensorsModel(engine: Engine, bytes: Uint8Array, options: PytorchModelOptions = {}): PytorchModel {
  return load(engine, parseSafetensorsModel(bytes, options));
}
