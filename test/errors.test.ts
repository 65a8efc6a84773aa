import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { ArgumentError, DisposedError, EngineMismatchError, GpuError, ShapeError, createEngine } from '../src/index.js';
import { useEngine } from './helpers/engine.js';

const h = useEngine();
const z = (shape: number[]) => new Float32Array(shape.reduce((a, b) => a * b, 1));

describe('argument validation (typed errors naming the argument and the rule)', () => {
  const cases: [string, () => unknown, typeof ArgumentError | typeof ShapeError, RegExp][] = [
    [
      'outputPadding >= max(stride, dilation)',
      () =>
        cpu.convTranspose2d(cpu.cpuTensor(z([1, 1, 3, 3]), [1, 1, 3, 3]), cpu.cpuTensor(z([1, 1, 3, 3]), [1, 1, 3, 3]), null, {
          stride: 2,
          outputPadding: 2,
        }),
      ArgumentError,
      /outputPadding 2 must be < max\(stride 2, dilation 1\)/,
    ],
    [
      'non-integer stride',
      () => cpu.conv2d(cpu.cpuTensor(z([1, 1, 3, 3]), [1, 1, 3, 3]), cpu.cpuTensor(z([1, 1, 1, 1]), [1, 1, 1, 1]), null, { stride: 1.5 }),
      ArgumentError,
      /stride 1.5 must be an integer/,
    ],
    [
      'NaN padding',
      () => cpu.conv2d(cpu.cpuTensor(z([1, 1, 3, 3]), [1, 1, 3, 3]), cpu.cpuTensor(z([1, 1, 1, 1]), [1, 1, 1, 1]), null, { padding: NaN }),
      ArgumentError,
      /padding NaN must be a finite number/,
    ],
    [
      'zero dilation',
      () =>
        cpu.conv2d(cpu.cpuTensor(z([1, 1, 3, 3]), [1, 1, 3, 3]), cpu.cpuTensor(z([1, 1, 1, 1]), [1, 1, 1, 1]), null, { dilation: [1, 0] }),
      ArgumentError,
      /dilation\[1\] 0 must be >= 1/,
    ],
    [
      'negative padding',
      () =>
        cpu.convTranspose2d(cpu.cpuTensor(z([1, 1, 3, 3]), [1, 1, 3, 3]), cpu.cpuTensor(z([1, 1, 3, 3]), [1, 1, 3, 3]), null, {
          padding: -1,
        }),
      ArgumentError,
      /padding -1 must be >= 0/,
    ],
    [
      'channels not divisible by groups',
      () => cpu.conv2d(cpu.cpuTensor(z([1, 3, 3, 3]), [1, 3, 3, 3]), cpu.cpuTensor(z([2, 1, 1, 1]), [2, 1, 1, 1]), null, { groups: 2 }),
      ShapeError,
      /input channels 3 must be divisible by groups 2/,
    ],
    [
      'convT weight[0] != Cin',
      () => cpu.convTranspose2d(cpu.cpuTensor(z([1, 2, 3, 3]), [1, 2, 3, 3]), cpu.cpuTensor(z([3, 1, 3, 3]), [3, 1, 3, 3]), null),
      ShapeError,
      /weight \[3, 1, 3, 3\] must have weight\[0\] = input channels 2/,
    ],
    [
      'empty output',
      () => cpu.conv2d(cpu.cpuTensor(z([1, 1, 2, 2]), [1, 1, 2, 2]), cpu.cpuTensor(z([1, 1, 3, 3]), [1, 1, 3, 3]), null),
      ShapeError,
      /output would be empty/,
    ],
    [
      'bias of the wrong length',
      () =>
        cpu.conv2d(cpu.cpuTensor(z([1, 1, 3, 3]), [1, 1, 3, 3]), cpu.cpuTensor(z([2, 1, 1, 1]), [2, 1, 1, 1]), cpu.cpuTensor(z([3]), [3])),
      ShapeError,
      /bias \[3\] must have 2 elements/,
    ],
    ['wrong rank', () => cpu.pixelShuffle(cpu.cpuTensor(z([4, 3, 3]), [4, 3, 3]), 2), ShapeError, /input must have rank 4/],
    [
      'channels not divisible by r²',
      () => cpu.pixelShuffle(cpu.cpuTensor(z([1, 6, 2, 2]), [1, 6, 2, 2]), 2),
      ShapeError,
      /input channels 6 must be divisible by r² = 4/,
    ],
    [
      'space size not divisible by r',
      () => cpu.spaceToDepth(cpu.cpuTensor(z([1, 1, 3, 4]), [1, 1, 3, 4]), 2),
      ShapeError,
      /height 3 and width 4 must be divisible by r = 2/,
    ],
    [
      'non-integer block size',
      () => cpu.depthToSpace(cpu.cpuTensor(z([1, 4, 2, 2]), [1, 4, 2, 2]), 2.5),
      ArgumentError,
      /blockSize r 2.5 must be an integer/,
    ],
    [
      'bad depthToSpace mode',
      () => cpu.depthToSpace(cpu.cpuTensor(z([1, 4, 2, 2]), [1, 4, 2, 2]), 2, { mode: 'XYZ' as 'DCR' }),
      ArgumentError,
      /mode 'XYZ' must be 'DCR' or 'CRD'/,
    ],
    [
      'non-positive scale',
      () => cpu.upsample(cpu.cpuTensor(z([1, 1, 2, 2]), [1, 1, 2, 2]), { scale: 0 }),
      ArgumentError,
      /scale 0 must be a finite number > 0/,
    ],
    [
      'Infinity scale',
      () => cpu.upsample(cpu.cpuTensor(z([1, 1, 2, 2]), [1, 1, 2, 2]), { scale: Infinity }),
      ArgumentError,
      /scale Infinity/,
    ],
    [
      'add shape mismatch',
      () => cpu.add(cpu.cpuTensor(z([1, 1, 2, 2]), [1, 1, 2, 2]), cpu.cpuTensor(z([1, 2, 2, 1]), [1, 2, 2, 1])),
      ShapeError,
      /shapes \[1, 1, 2, 2\] and \[1, 2, 2, 1\] must be equal/,
    ],
    [
      'concat height mismatch',
      () => cpu.concat([cpu.cpuTensor(z([1, 1, 2, 2]), [1, 1, 2, 2]), cpu.cpuTensor(z([1, 1, 3, 2]), [1, 1, 3, 2])]),
      ShapeError,
      /must match input 0/,
    ],
    [
      'bad activation',
      () =>
        cpu.conv2d(cpu.cpuTensor(z([1, 1, 3, 3]), [1, 1, 3, 3]), cpu.cpuTensor(z([1, 1, 1, 1]), [1, 1, 1, 1]), null, {
          activation: 'gelu' as 'relu',
        }),
      ArgumentError,
      /activation 'gelu'/,
    ],
  ];

  for (const [name, run, type, message] of cases) {
    it(`CPU: ${name}`, () => {
      expect(run).toThrow(type);
      expect(run).toThrow(message);
    });
  }

  it('GPU ops share the same shape rules and throw before any GPU work', () => {
    const e = h.engine;
    const x = e.tensor(z([1, 6, 2, 2]), [1, 6, 2, 2]);
    const before = e.stats().liveBuffers;
    expect(() => e.pixelShuffle(x, 2)).toThrow(/pixelShuffle: input channels 6 must be divisible by r² = 4/);
    expect(() => e.convTranspose2d(x, e.tensor(z([6, 1, 3, 3]), [6, 1, 3, 3]), null, { stride: 2, outputPadding: 3 })).toThrow(
      ArgumentError,
    );
    expect(() => e.upsample(x, { scale: NaN })).toThrow(/scale NaN/);
    expect(() => e.tensor(z([5]), [2, 2])).toThrow(/data has 5 elements but shape \[2, 2\] needs 4/);
    expect(() => e.tensor(z([0]), [0, 2])).toThrow(/dimension 0 is 0, must be a positive integer/);
    expect(() => e.tensor(z([4]), [2.5, 2] as number[])).toThrow(ShapeError);
    expect(() => e.relu({ shape: [1] } as never)).toThrow(/relu: input must be a Tensor/);
    expect(e.stats().liveBuffers - before).toBe(1); // only the weight tensor made inside the second expect
  });

  it('disposed tensors and tensors of another engine are rejected', async () => {
    const e = h.engine;
    const x = e.tensor(z([1, 4, 2, 2]), [1, 4, 2, 2]);
    x.dispose();
    x.dispose(); // idempotent
    expect(() => e.pixelShuffle(x, 2)).toThrow(DisposedError);
    await expect(x.read()).rejects.toThrow(DisposedError);
    const other = await createEngine();
    try {
      const y = other.tensor(z([1, 4, 2, 2]), [1, 4, 2, 2]);
      expect(() => e.pixelShuffle(y, 2)).toThrow(EngineMismatchError);
    } finally {
      other.destroy();
    }
  });

  it('work the GPU rejects is a GpuError at the next read, not zeros, and the engine stays usable', async () => {
    // Its own engine: the destroyed buffer must not go back into a shared pool.
    const e = await createEngine();
    try {
      const x = e.tensor(
        Float32Array.from({ length: 16 }, (_, i) => i + 1),
        [1, 4, 2, 2],
      );
      x.buffer.destroy(); // behind the engine's back: the submit that reads it is invalid
      const y = e.pixelShuffle(x, 2);
      const err = await y.read().then(
        () => null,
        (er: unknown) => er,
      );
      expect(err).toBeInstanceOf(GpuError);
      expect((err as GpuError).message).toMatch(/^read: the GPU rejected recorded work .*destroyed/s);
      expect((err as GpuError).gpuErrors.length).toBeGreaterThan(0);
      await e.flush(); // reported once, then cleared
      const data = Float32Array.from({ length: 16 }, (_, i) => i + 1);
      const ok = await e.pixelShuffle(e.tensor(data, [1, 4, 2, 2]), 2).read();
      expect(Array.from(ok)).toEqual(Array.from(cpu.pixelShuffle(cpu.cpuTensor(data, [1, 4, 2, 2]), 2).data));
    } finally {
      e.destroy();
    }
  });
});
