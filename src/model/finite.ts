/**
 * Weights must be finite as float32: a value like 1e39 is finite as a double
 * but infinite once stored in a Float32Array, and one such weight turns a
 * whole image into NaN (black) with no error. Every loader checks at load.
 */
import { ModelError } from './errors.js';

/** Throws a ModelError "`what` element i is v (not finite as float32)" for the first offending value. */
export function assertFiniteWeights(data: ArrayLike<number>, what: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(Math.fround(v))) {
      throw new ModelError(`${what}: element ${i} is ${v}, not finite as float32`);
    }
  }
}
