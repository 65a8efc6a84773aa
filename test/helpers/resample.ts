/**
 * Shared by the upsample and downsample tests: the tolerance of a resampled
 * output, and the PyTorch fixture (test/fixtures/resample-torch.json, written
 * by make-resample-torch.py; the tests need only the JSON).
 */
import { readFileSync } from 'node:fs';
import { cpuTensor, type CpuTensor } from '../../src/cpu/index.js';

/**
 * Magnitudes for expectCloseSums: every output is Σ w·x over at most K taps
 * with Σ|w| ≤ 1.6 per axis for the cubic kernels (≤ 2.6 in 2-D), so Σ|w·x| ≤
 * 2.6·max|x|. The coordinates and weights are f32 on the GPU (and in
 * onnxruntime and the fixture's float32 inputs) but f64 in the reference: a
 * relative error of a few ulp in the coordinate s (≤ 40) moves the output by
 * |∂y/∂s|·|Δs| ≤ 3·max|x|·40·u. Both terms are bounded by 64·max|x| per element.
 */
export function resampleBound(x: { data: ArrayLike<number> }, out: { data: ArrayLike<number> }): Float32Array {
  let max = 0;
  for (let i = 0; i < x.data.length; i++) max = Math.max(max, Math.abs(x.data[i]));
  return new Float32Array(out.data.length).fill(64 * max);
}

export interface TorchCase {
  name: string;
  op: 'upsample' | 'downsample';
  options: Record<string, unknown>;
  input: CpuTensor;
  output: CpuTensor;
}

interface RawCase {
  name: string;
  op: TorchCase['op'];
  options: Record<string, unknown>;
  input: { data: number[]; shape: number[] };
  output: { data: number[]; shape: number[] };
}

/** The fixture's cases for one op, as float32 tensors (the inputs are 3-decimal values; outputs PyTorch's in float64). */
export function torchCases(op: TorchCase['op']): TorchCase[] {
  const doc = JSON.parse(readFileSync(new URL('../fixtures/resample-torch.json', import.meta.url), 'utf8')) as { cases: RawCase[] };
  const cases = doc.cases.filter((c) => c.op === op);
  if (cases.length < 3) throw new Error(`resample-torch.json: only ${cases.length} ${op} cases`);
  return cases.map((c) => ({
    ...c,
    input: cpuTensor(Float32Array.from(c.input.data), c.input.shape),
    output: cpuTensor(Float32Array.from(c.output.data), c.output.shape),
  }));
}
