/** Training building blocks above the op table: the optimizers (losses and the checkerboard regularizer are ops). */
export { createAdam, createSgd, type Optimizer, type AdamOptions, type SgdOptions } from './optim.js';
export { adamStepReference, sgdStepReference, type AdamState, type SgdState } from './optim-reference.js';
