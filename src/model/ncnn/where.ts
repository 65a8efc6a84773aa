/**
 * Error messages of the ncnn front end: every refusal names the file, the
 * layer (type and name) and, where one is at fault, the parameter key.
 */
import { ModelError } from '../errors.js';

/** The layer a message is about (a parsed layer or just its identity). */
export interface LayerRef {
  type: string;
  name: string;
}

/** `file: layer Type 'name' parameter k (meaning): message`. */
export function ncnnError(file: string, layer: LayerRef | null, message: string, key?: number | string, keyName?: string): ModelError {
  const at = layer ? ` layer ${layer.type} '${layer.name}'` : '';
  const param = key === undefined ? '' : ` parameter ${key}${keyName ? ` (${keyName})` : ''}`;
  return new ModelError(`${file}:${at}${param}${at || param ? ':' : ''} ${message}`);
}
