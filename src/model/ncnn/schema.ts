/**
 * The ncnn layers this front end reads: for each type, its parameter keys
 * (what each means and how ncnn reads it) and how many blobs it takes and
 * makes. A key ncnn reads as an int must be written as one; a float key must
 * hold a float (ncnn reinterprets an integer's bits as a float, so an integer
 * there is accepted only when it is 0, whose bits are 0.0). Array keys are
 * written `-233kk=n,v1,…` (or `k=v1,v2,…`). Keys 30 and 31 (ncnn's feature
 * masks) are ignored everywhere. Anything not listed is refused by the parser.
 */

export type KeyKind = 'int' | 'float' | 'ints' | 'floats';

export interface KeySpec {
  kind: KeyKind;
  /** What the key means, for error messages. */
  name: string;
}

export interface LayerSchema {
  keys: Record<number, KeySpec>;
  /** Allowed number of input blobs [min, max]. */
  inputs: [number, number];
  /** Allowed number of output blobs [min, max]. */
  outputs: [number, number];
}

const int = (name: string): KeySpec => ({ kind: 'int', name });
const float = (name: string): KeySpec => ({ kind: 'float', name });
const ints = (name: string): KeySpec => ({ kind: 'ints', name });
const floats = (name: string): KeySpec => ({ kind: 'floats', name });

const convKeys: Record<number, KeySpec> = {
  0: int('num_output'),
  1: int('kernel_w'),
  11: int('kernel_h'),
  2: int('dilation_w'),
  12: int('dilation_h'),
  3: int('stride_w'),
  13: int('stride_h'),
  4: int('pad_left'),
  14: int('pad_top'),
  15: int('pad_right'),
  16: int('pad_bottom'),
  18: float('pad_value'),
  5: int('bias_term'),
  6: int('weight_data_size'),
  8: int('int8_scale_term'),
  9: int('activation_type'),
  10: floats('activation_params'),
  19: int('dynamic_weight'),
};

const deconvKeys: Record<number, KeySpec> = {
  0: int('num_output'),
  1: int('kernel_w'),
  11: int('kernel_h'),
  2: int('dilation_w'),
  12: int('dilation_h'),
  3: int('stride_w'),
  13: int('stride_h'),
  4: int('pad_left'),
  14: int('pad_top'),
  15: int('pad_right'),
  16: int('pad_bottom'),
  18: int('output_pad_right'),
  19: int('output_pad_bottom'),
  20: int('output_w'),
  21: int('output_h'),
  5: int('bias_term'),
  6: int('weight_data_size'),
  9: int('activation_type'),
  10: floats('activation_params'),
  28: int('dynamic_weight'),
};

const one: [number, number] = [1, 1];

export const LAYERS: Record<string, LayerSchema> = {
  Input: { keys: { 0: int('w'), 1: int('h'), 2: int('c') }, inputs: [0, 0], outputs: one },
  Split: { keys: {}, inputs: one, outputs: [1, 64] },
  Convolution: { keys: convKeys, inputs: one, outputs: one },
  ConvolutionDepthWise: { keys: { ...convKeys, 7: int('group') }, inputs: one, outputs: one },
  Deconvolution: { keys: deconvKeys, inputs: one, outputs: one },
  InnerProduct: {
    keys: {
      0: int('num_output'),
      1: int('bias_term'),
      2: int('weight_data_size'),
      8: int('int8_scale_term'),
      9: int('activation_type'),
      10: floats('activation_params'),
    },
    inputs: one,
    outputs: one,
  },
  Pooling: {
    keys: {
      0: int('pooling_type'),
      1: int('kernel_w'),
      11: int('kernel_h'),
      2: int('stride_w'),
      12: int('stride_h'),
      3: int('pad_left'),
      13: int('pad_top'),
      14: int('pad_right'),
      15: int('pad_bottom'),
      4: int('global_pooling'),
      5: int('pad_mode'),
      6: int('avgpool_count_include_pad'),
      7: int('adaptive_pooling'),
      8: int('out_w'),
      18: int('out_h'),
    },
    inputs: one,
    outputs: one,
  },
  Scale: { keys: { 0: int('scale_data_size'), 1: int('bias_term') }, inputs: [1, 2], outputs: one },
  PReLU: { keys: { 0: int('num_slope') }, inputs: one, outputs: one },
  PixelShuffle: { keys: { 0: int('upscale_factor'), 1: int('mode') }, inputs: one, outputs: one },
  Interp: {
    keys: {
      0: int('resize_type'),
      1: float('height_scale'),
      2: float('width_scale'),
      3: int('output_height'),
      4: int('output_width'),
      5: int('dynamic_target_size'),
      6: int('align_corner'),
    },
    inputs: one,
    outputs: one,
  },
  BinaryOp: { keys: { 0: int('op_type'), 1: int('with_scalar'), 2: float('b') }, inputs: [1, 2], outputs: one },
  Eltwise: { keys: { 0: int('op_type'), 1: floats('coeffs') }, inputs: [1, 64], outputs: one },
  Concat: { keys: { 0: int('axis') }, inputs: [1, 64], outputs: one },
  Crop: {
    keys: {
      0: int('woffset'),
      1: int('hoffset'),
      2: int('coffset'),
      3: int('outw'),
      4: int('outh'),
      5: int('outc'),
      6: int('woffset2'),
      7: int('hoffset2'),
      8: int('coffset2'),
      9: ints('starts'),
      10: ints('ends'),
      11: ints('axes'),
    },
    inputs: [1, 2],
    outputs: one,
  },
  ReLU: { keys: { 0: float('slope') }, inputs: one, outputs: one },
  Sigmoid: { keys: {}, inputs: one, outputs: one },
  Clip: { keys: { 0: float('min'), 1: float('max') }, inputs: one, outputs: one },
  Mish: { keys: {}, inputs: one, outputs: one },
  HardSwish: { keys: { 0: float('alpha'), 1: float('beta') }, inputs: one, outputs: one },
};

/** Keys every layer may carry and that change nothing here (ncnn's feature masks). */
export const IGNORED_KEYS: ReadonlySet<number> = new Set([30, 31]);
