import { UpsampleError } from '../core/errors.js';

/** A model file is malformed or uses something this engine does not run. Thrown before any GPU work. */
export class ModelError extends UpsampleError {
  override name = 'ModelError';
}
