/**
 * Hostile ncnn files: every one is a ModelError naming the file, the layer
 * (type and name) and the parameter at fault, thrown before anything large is
 * allocated (a count of 2³¹ floats would need 8 GiB: a RangeError or a crash,
 * not a ModelError, if the reader allocated first).
 */
import { describe, expect, test } from 'vitest';
import { ModelError } from '../src/model/errors.js';
import { parseNcnnModel } from '../src/model/ncnn/index.js';
import { concat, f32, param, tagged16, tagged32, u32 } from './ncnn-helpers.js';

const FILE = 'evil.param';

/** Expects a ModelError whose message matches every pattern. */
function refused(make: () => unknown, ...patterns: RegExp[]): void {
  let error: unknown;
  try {
    make();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a ModelError').toBeInstanceOf(ModelError);
  for (const p of patterns) expect((error as Error).message).toMatch(p);
}

const load = (text: string, bin: Uint8Array = new Uint8Array(0)) => parseNcnnModel({ param: text, bin, file: FILE });

/** A 3 → 3 1×1 conv net whose .bin is right, to break one thing at a time. */
const CONV = ['Input in 0 1 data', 'Convolution conv 1 1 data out 0=3 1=1 5=1 6=9'];
const convBin = () => concat(tagged32([1, 0, 0, 0, 1, 0, 0, 0, 1]), f32([0, 0, 0]));

describe('hostile .param', () => {
  test('the well-formed base case loads (so each case below fails for its own reason)', () => {
    expect(load(param(CONV), convBin()).scale).toBe(1);
  });

  test('wrong magic, empty file, binary bytes', () => {
    refused(() => load('7767518\n1 1\nInput in 0 1 data\n'), /evil\.param/, /magic number 7767517/);
    refused(() => load(''), /evil\.param/, /magic/);
    refused(
      () => parseNcnnModel({ param: Uint8Array.of(0x37, 0xff, 0xfe, 0x00), bin: new Uint8Array(0), file: FILE }),
      /evil\.param/,
      /not UTF-8/,
    );
  });

  test('absurd counts (999999999 999999999) are compared with the lines, not allocated', () => {
    refused(
      () => load(param(CONV, { counts: '999999999 999999999' }), convBin()),
      /evil\.param/,
      /declares 999999999 layers but the file has 2/,
    );
    refused(() => load(param(CONV, { counts: '2 7' }), convBin()), /declares 7 blobs but the layers produce 2/);
    refused(() => load(param(CONV, { counts: '-1 2' }), convBin()), /two positive integers/);
  });

  test('a blob read before any layer makes it; a cycle; a duplicate producer', () => {
    refused(
      () => load(param(['Input in 0 1 data', 'ReLU r 1 1 nowhere out'])),
      /evil\.param: layer ReLU 'r'/,
      /reads blob 'nowhere' before any layer produces it/,
    );
    // r1 reads b, made by r2, which reads a, made by r1: a cycle, caught as a read before production.
    refused(
      () => load(param(['Input in 0 1 data', 'BinaryOp r1 2 1 data b a 0=0', 'ReLU r2 1 1 a b'])),
      /layer BinaryOp 'r1'/,
      /'b' before any layer produces it/,
    );
    refused(
      () => load(param(['Input in 0 1 data', 'ReLU r1 1 1 data x', 'ReLU r2 1 1 x x'])),
      /layer ReLU 'r2'/,
      /produces blob 'x', which an earlier layer already produced/,
    );
    refused(() => load(param(['Input in 0 1 data', 'Split s 1 2 data y y'])), /layer Split 's'/, /output blob twice/);
  });

  test('absurd blob counts on a layer line', () => {
    refused(
      () => load(param(['Input in 0 1 data', 'Convolution c 999999 1 data out 0=3 1=1 6=9'])),
      /layer Convolution 'c'/,
      /takes 1–1 input blobs, the file says 999999/,
    );
    refused(() => load(param(['Input in 0 1 data', 'Concat c 5 1 data out'])), /layer Concat 'c'/, /fewer blobs than its counts/);
    refused(() => load(param(['Input in 0 1 data', 'ReLU r x 1 data out'])), /layer ReLU 'r'/, /blob counts must be integers/);
  });

  test('unknown layer types and keys; keys outside 0–31; duplicate keys; malformed tokens', () => {
    refused(() => load(param(['Input in 0 1 data', 'Softmax sm 1 1 data out'])), /layer Softmax 'sm'/, /unknown layer type 'Softmax'/);
    refused(
      () => load(param(['Input in 0 1 data', 'Convolution c 1 1 data out 0=3 1=1 6=9 17=1'])),
      /layer Convolution 'c' parameter 17/,
      /unknown parameter/,
    );
    refused(() => load(param(['Input in 0 1 data', 'ReLU r 1 1 data out 32=1'])), /parameter 32/, /keys are 0–31/);
    refused(() => load(param(['Input in 0 1 data', 'ReLU r 1 1 data out -5=1'])), /parameter -5/, /keys are 0–31/);
    refused(() => load(param(['Input in 0 1 data', 'ReLU r 1 1 data out 0=0.1 0=0.2'])), /parameter 0 \(slope\)/, /given twice/);
    refused(() => load(param(['Input in 0 1 data', 'ReLU r 1 1 data out slope'])), /layer ReLU 'r'/, /'slope' is not key=value/);
    refused(() => load(param(['Input in 0 1 data', 'ReLU r 1 1 data out 0=abc'])), /parameter 0 \(slope\)/, /'abc' is not a number/);
  });

  test('arrays: length mismatch, absurd length, a scalar where an array belongs', () => {
    const conv = (kv: string) => param(['Input in 0 1 data', `Convolution c 1 1 data out 0=3 1=1 6=9 9=2 ${kv}`]);
    refused(
      () => load(conv('-23310=3,0.1'), convBin()),
      /layer Convolution 'c' parameter 10 \(activation_params\)/,
      /says 3 values but lists 1/,
    );
    refused(
      () => load(conv('-23310=999999999,0.1'), convBin()),
      /parameter 10/,
      /array length '999999999' must be an integer in 0\.\.4096/,
    );
    refused(() => load(conv('10=0.1'), convBin()), /parameter 10/, /must be an array/);
    refused(
      () => load(param(['Input in 0 1 data', 'ReLU r 1 1 data out -23300=1,0.5'])),
      /layer ReLU 'r' parameter 0 \(slope\)/,
      /single value, not an array/,
    );
  });

  test('values that are not finite float32 (1e39) or not int32', () => {
    refused(
      () => load(param(['Input in 0 1 data', 'BinaryOp b 1 1 data out 0=0 1=1 2=1e39'])),
      /layer BinaryOp 'b' parameter 2 \(b\)/,
      /'1e39' is not a number .*finite as float32/,
    );
    refused(
      () => load(param(['Input in 0 1 data', 'Eltwise e 2 1 data data out 0=1 -23301=2,1.0,-1e39'])),
      /parameter 1 \(coeffs\)/,
      /'-1e39'/,
    );
    // Underflow to 0 is finite: it loads.
    expect(load(param(['Input in 0 1 data', 'ReLU r 1 1 data out 0=1e-46'])).scale).toBe(1);
  });

  test('negative, zero and absurd kernel sizes, strides, pads, channel counts', () => {
    const conv = (kv: string, bin = convBin()) => load(param(['Input in 0 1 data', `Convolution c 1 1 data out 5=1 ${kv}`]), bin);
    refused(() => conv('0=3 1=-3 6=9'), /layer Convolution 'c' parameter 1 \(kernel_w\)/, /integer in 1\.\.64, got -3/);
    refused(() => conv('0=3 1=100000 6=9'), /parameter 1 \(kernel_w\)/, /got 100000/);
    refused(() => conv('0=3 1=1 11=0 6=9'), /parameter 11 \(kernel_h\)/);
    refused(() => conv('0=3 1=1 3=0 6=9'), /parameter 3 \(stride_w\)/);
    refused(() => conv('0=0 1=1 6=9'), /parameter 0 \(num_output\)/);
    refused(() => conv('0=3 1=1 4=-7 6=9'), /parameter 4 \(pads\)/, /negative/);
    refused(
      () => conv('0=3 1=3 3=2 4=-233 6=81', concat(tagged32(new Array(81).fill(0)), f32([0, 0, 0]))),
      /parameter 4 \(pads\)/,
      /SAME padding \(-233\) at stride 2×2/,
    );
    refused(() => conv('0=3 1=1 6=10', concat(tagged32(new Array(10).fill(0)), f32([0, 0, 0]))), /parameter 6 \(weight_data_size\)/);
  });
});

describe('hostile .bin', () => {
  test('truncated: the last 4 bytes missing, or nothing at all', () => {
    const bin = convBin();
    refused(
      () => load(param(CONV), bin.subarray(0, bin.length - 4)),
      /evil\.bin: layer Convolution 'conv'/,
      /bias \(3 float32\) needs 12 bytes at offset 40 but the file has 8 left/,
    );
    refused(() => load(param(CONV), new Uint8Array(0)), /evil\.bin: layer Convolution 'conv'/, /storage tag needs 4 bytes/);
  });

  test('trailing bytes are counted', () => {
    refused(
      () => load(param(CONV), concat(convBin(), Uint8Array.of(1, 2, 3))),
      /evil\.bin/,
      /3 bytes are left after the last layer's data \(52 read\)/,
    );
  });

  test('a weight count of 2³¹ − 1 is checked against the file before any allocation', () => {
    const text = param(['Input in 0 1 data', 'Convolution c 1 1 data out 0=3 1=1 6=2147483647']);
    refused(() => load(text, convBin()), /evil\.bin: layer Convolution 'c'/, /needs 8589934588 bytes/);
    const half = concat(u32(0x01306b47), new Uint8Array(8));
    refused(() => load(text, half), /\(2147483647 float16\) needs 4294967296 bytes/);
    refused(
      () => load(param(['Input in 0 1 data', 'PReLU p 1 1 data out 0=2147483647'])),
      /layer PReLU 'p'/,
      /slope \(2147483647 float32\) needs 8589934588 bytes/,
    );
  });

  test('int8 and quantization-table storage are refused by tag', () => {
    refused(
      () => load(param(CONV), concat(u32(0x000d4b38), new Uint8Array(12), f32([0, 0, 0]))),
      /layer Convolution 'conv'/,
      /int8 \(tag 0x000d4b38\)/,
    );
    refused(
      () => load(param(CONV), concat(u32(0x00000100), new Uint8Array(1024 + 12), f32([0, 0, 0]))),
      /storage tag 0x00000100: a quantization table/,
    );
  });

  test('non-finite weights: fp16 inf and NaN, fp32 Inf/NaN bits, named by layer and index', () => {
    const h = [0x3c00, 0, 0, 0, 0x3c00, 0, 0, 0, 0x3c00];
    refused(
      () => load(param(CONV), concat(tagged16(h.map((v, i) => (i === 2 ? 0x7c00 : v))), f32([0, 0, 0]))),
      /layer Convolution 'conv'/,
      /weight\[2\] is Infinity/,
    );
    refused(() => load(param(CONV), concat(tagged16(h.map((v, i) => (i === 7 ? 0x7e00 : v))), f32([0, 0, 0]))), /weight\[7\] is NaN/);
    refused(() => load(param(CONV), concat(tagged16(h.map((v, i) => (i === 0 ? 0xfc00 : v))), f32([0, 0, 0]))), /weight\[0\] is -Infinity/);
    // 1e39 does not fit float32: written as float32 it is Infinity.
    refused(
      () => load(param(CONV), concat(tagged32([1, 0, 0, 0, 1, 0, 0, 0, 1]), f32([0, 1e39, 0]))),
      /layer Convolution 'conv'/,
      /bias\[1\] is Infinity/,
    );
    refused(() => load(param(CONV), concat(tagged32([1, 0, 0, 0, NaN, 0, 0, 0, 1]), f32([0, 0, 0]))), /weight\[4\] is NaN/);
  });
});

describe('hostile structure', () => {
  test('two inputs, no single output, a vector as the output', () => {
    refused(
      () => load(param(['Input a 0 1 x', 'Input b 0 1 y', 'BinaryOp s 2 1 x y out 0=0'])),
      /evil\.param: layer Input 'b'/,
      /exactly one Input/,
    );
    refused(() => load(param(['Input a 0 1 x', 'Split s 1 2 x y z'])), /one output blob .* has 2: y, z/);
    refused(() => load(param(['Input a 0 1 x', 'Pooling p 1 1 x out 0=1 4=1'])), /'out' is a 1-D vector/);
  });

  test('joins of different sizes or channel counts', () => {
    const text = param([
      'Input in 0 1 data',
      'Split s 1 2 data a b',
      'Convolution c 1 1 a a2 0=3 1=3 6=81',
      'BinaryOp add 2 1 a2 b out 0=0',
    ]);
    refused(() => load(text, tagged32(new Array(81).fill(0))), /layer BinaryOp 'add'/, /the sizes differ/);
  });

  test('size-dependent layers: Interp to a fixed size, InnerProduct on an image, a Crop end counted from the start', () => {
    refused(
      () => load(param(['Input in 0 1 data', 'Interp i 1 1 data out 0=1 3=64 4=64'])),
      /layer Interp 'i' parameter 3 \(output_height\)/,
    );
    refused(
      () => load(param(['Input in 0 1 data', 'InnerProduct fc 1 1 data out 0=3 2=9']), tagged32(new Array(9).fill(0))),
      /layer InnerProduct 'fc'/,
      /flattens C·H·W/,
    );
    refused(
      () => load(param(['Input in 0 1 data', 'Crop c 1 1 data out -23309=1,2 -23310=1,10 -23311=1,-1'])),
      /layer Crop 'c' parameter 10 \(ends\)/,
      /fixed position/,
    );
    refused(() => load(param(['Input in 0 1 data', 'Pooling p 1 1 data out 0=0 4=1'])), /layer Pooling 'p' parameter 0 \(pooling_type\)/);
  });
});
