/**
 * Checks the hand-written ONNX encoder of helpers/onnx.ts against answers
 * worked out by hand, so the reference it gives other tests can be trusted.
 * Every expected value here is small-integer arithmetic, exact in float32.
 */
import { describe, expect, it } from 'vitest';
import { encodeModel, runOnnxModel, runOnnxOp, type OnnxTensor } from './helpers/onnx.js';

const t = (data: number[], shape: number[]): OnnxTensor => ({ data: Float32Array.from(data), shape });
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Compares as plain arrays, so a failure prints readable numbers. */
function expectTensor(actual: OnnxTensor, expected: OnnxTensor): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(Array.from(actual.data)).toEqual(Array.from(expected.data));
}

describe('ONNX builder: graphs and attributes', () => {
  it('Relu(x) = max(x, 0)', async () => {
    const y = await runOnnxOp('Relu', [t([-2, -0.5, 0, 0.5, 3, -1], [2, 3])], {});
    expectTensor(y, t([0, 0, 0, 0.5, 3, 0], [2, 3]));
  });

  it('Add broadcasts a [3] row over a [2, 3] matrix', async () => {
    const y = await runOnnxOp('Add', [t([1, 2, 3, 4, 5, 6], [2, 3]), t([10, 20, 30], [3])], {});
    expectTensor(y, t([11, 22, 33, 14, 25, 36], [2, 3]));
  });

  it('Add with an initializer: x + c, c baked into the model', async () => {
    const y = await runOnnxOp('Add', [t([1, 2], [2])], {}, [t([100, 200], [2])]);
    expectTensor(y, t([101, 202], [2]));
  });

  it('LeakyRelu float attribute: alpha = 0.25 scales negatives by 1/4', async () => {
    const y = await runOnnxOp('LeakyRelu', [t([-4, -1, 2], [3])], { alpha: { f: 0.25 } });
    expectTensor(y, t([-1, -0.25, 2], [3]));
  });

  it('negative int attribute (10-byte varint): Concat axis = -1 joins the last axis', async () => {
    const y = await runOnnxOp('Concat', [t([1, 2, 3, 4], [2, 2]), t([5, 6], [2, 1])], { axis: -1 });
    expectTensor(y, t([1, 2, 5, 3, 4, 6], [2, 3]));
  });

  it('negative ints attribute: ReduceMean axes = [-1] averages each row', async () => {
    const y = await runOnnxOp('ReduceMean', [t([1, 3, 2, 6], [2, 2])], { axes: [-1], keepdims: 0 });
    expectTensor(y, t([2, 4], [2]));
  });

  it('multi-node graph: Relu(x) + b', async () => {
    const model = encodeModel({
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { op: 'Add', inputs: ['r', 'b'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [3] }],
      outputs: [{ name: 'y', shape: [3] }],
      initializers: { b: t([1, 1, 1], [3]) },
    });
    const { y } = await runOnnxModel(model, { x: t([-5, 0, 5], [3]) });
    expectTensor(y, t([1, 1, 6], [3]));
  });

  it('rejects a fractional number as an int attribute', () => {
    expect(() =>
      encodeModel({ nodes: [{ op: 'LeakyRelu', inputs: ['x'], outputs: ['y'], attrs: { alpha: 0.1 } }], inputs: [], outputs: [] }),
    ).toThrow(/use \{ f: 0.1 \}/);
  });
});

describe('ONNX builder: ConvTranspose', () => {
  const x = t([1, 2, 3, 4], [1, 1, 2, 2]);

  it('stride 1 is the full convolution: y[i,j] = Σ x[a,b]·W[i−a, j−b] + bias', async () => {
    // x = [[1,2],[3,4]], W = [[1,2],[3,4]]: e.g. y[1,1] = 1·4 + 2·3 + 3·2 + 4·1 = 20.
    const y = await runOnnxOp('ConvTranspose', [x], { kernel_shape: [2, 2] }, [t([1, 2, 3, 4], [1, 1, 2, 2]), t([0.5], [1])]);
    expectTensor(
      y,
      t(
        [1, 4, 4, 6, 20, 16, 9, 24, 16].map((v) => v + 0.5),
        [1, 1, 3, 3],
      ),
    );
  });

  it('pads crop the full output: pads = 1 on every side keeps the centre, 20', async () => {
    const y = await runOnnxOp('ConvTranspose', [x], { kernel_shape: [2, 2], pads: [1, 1, 1, 1] }, [t([1, 2, 3, 4], [1, 1, 2, 2])]);
    expectTensor(y, t([20], [1, 1, 1, 1]));
  });

  it('stride 2 with a 2×2 ones kernel copies each pixel into a 2×2 block', async () => {
    const y = await runOnnxOp('ConvTranspose', [x], { kernel_shape: [2, 2], strides: [2, 2] }, [t([1, 1, 1, 1], [1, 1, 2, 2])]);
    expectTensor(y, t([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], [1, 1, 4, 4]));
  });

  it('output_padding adds a row and column: H = (2−1)·2 + 1 + 1 = 4, zeros between and after', async () => {
    const y = await runOnnxOp('ConvTranspose', [x], { kernel_shape: [1, 1], strides: [2, 2], output_padding: [1, 1] }, [
      t([1], [1, 1, 1, 1]),
    ]);
    expectTensor(y, t([1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0], [1, 1, 4, 4]));
  });

  it('dilation 2 spreads the kernel taps: 1×1 input → 3×3 with W at the corners', async () => {
    const y = await runOnnxOp('ConvTranspose', [t([2], [1, 1, 1, 1])], { kernel_shape: [2, 2], dilations: [2, 2] }, [
      t([1, 2, 3, 4], [1, 1, 2, 2]),
    ]);
    expectTensor(y, t([2, 0, 4, 0, 0, 0, 6, 0, 8], [1, 1, 3, 3]));
  });

  it('group = 2 keeps channels apart: y_c = x_c · W_c with W of shape [C_in, C_out/group, 1, 1]', async () => {
    const y = await runOnnxOp('ConvTranspose', [t([1, 2], [1, 2, 1, 1])], { kernel_shape: [1, 1], group: 2 }, [t([10, 100], [2, 1, 1, 1])]);
    expectTensor(y, t([10, 200], [1, 2, 1, 1]));
  });
});

describe('ONNX builder: DepthToSpace and Resize', () => {
  it('DepthToSpace DCR, blocksize 2: 1×4×1×1 [a,b,c,d] → 1×1×2×2 [[a,b],[c,d]]', async () => {
    const y = await runOnnxOp('DepthToSpace', [t([1, 2, 3, 4], [1, 4, 1, 1])], { blocksize: 2, mode: 'DCR' });
    expectTensor(y, t([1, 2, 3, 4], [1, 1, 2, 2]));
  });

  it('DepthToSpace DCR reads channel (i·b + j)·C + c; CRD reads c·b² + i·b + j', async () => {
    // With one output channel the two modes agree, so use C = 2 to tell them apart.
    const x = t(iota(8), [1, 8, 1, 1]);
    const dcr = await runOnnxOp('DepthToSpace', [x], { blocksize: 2, mode: 'DCR' });
    const crd = await runOnnxOp('DepthToSpace', [x], { blocksize: 2, mode: 'CRD' });
    expectTensor(dcr, t([0, 2, 4, 6, 1, 3, 5, 7], [1, 2, 2, 2]));
    expectTensor(crd, t(iota(8), [1, 2, 2, 2]));
  });

  it("Resize nearest ×2 with roi skipped by '': each pixel becomes a 2×2 block", async () => {
    const y = await runOnnxOp('Resize', [t([1, 2, 3, 4], [1, 1, 2, 2])], { mode: 'nearest' }, ['', t([1, 1, 2, 2], [4])]);
    expectTensor(y, t([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], [1, 1, 4, 4]));
  });
});
