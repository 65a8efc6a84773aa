/**
 * Runs one conv-like op on the GPU and on the CPU reference and compares them
 * with the float32 summation bound (see compare.ts). The magnitude Σ|w·x| + |b|
 * per output comes from the CPU reference run on absolute values.
 */
import type { Engine } from '../../src/index.js';
import * as cpu from '../../src/cpu/index.js';
import type { CpuTensor } from '../../src/cpu/index.js';
import { expectCloseSums } from './compare.js';

const abs = (t: CpuTensor): CpuTensor => ({ data: t.data.map(Math.abs), shape: t.shape });

export interface ConvCase {
  x: CpuTensor;
  w: CpuTensor;
  b: CpuTensor | null;
  options: Record<string, unknown>;
}

export async function compareConv(engine: Engine, kind: 'conv2d' | 'convTranspose2d', c: ConvCase, context: string): Promise<Float32Array> {
  const ref = cpu[kind](c.x, c.w, c.b, c.options);
  // Magnitudes: the same computation on absolute values, without the activation (which only shrinks values).
  const { activation: _a, negativeSlope: _n, ...linear } = c.options;
  const res = c.options.residual as CpuTensor | undefined;
  const scale = c.options.outputScale as number | undefined;
  const magnitude = cpu[kind](abs(c.x), abs(c.w), c.b ? abs(c.b) : null, {
    ...linear,
    residual: res ? abs(res) : undefined,
    outputScale: scale === undefined ? undefined : Math.abs(scale),
  });
  const x = engine.tensor(c.x.data, c.x.shape);
  const w = engine.tensor(c.w.data, c.w.shape);
  const b = c.b ? engine.tensor(c.b.data, c.b.shape) : null;
  const r = res ? engine.tensor(res.data, res.shape) : null;
  try {
    const y = engine[kind](x, w, b, { ...c.options, residual: r });
    try {
      if (JSON.stringify(y.shape) !== JSON.stringify(ref.shape)) {
        throw new Error(`${context}: shape ${JSON.stringify(y.shape)} != reference ${JSON.stringify(ref.shape)}`);
      }
      const out = await y.read();
      // K terms per output: the weights of one group, plus the bias.
      const groups = (c.options.groups as number) ?? 1;
      const perGroupIn = kind === 'conv2d' ? c.w.shape[1] : c.w.shape[0] / groups;
      const k = perGroupIn * c.w.shape[2] * c.w.shape[3] + 1 + (scale === undefined ? 0 : 1) + (res ? 1 : 0);
      expectCloseSums(out, ref.data, magnitude.data, k, context);
      return out;
    } finally {
      y.dispose();
    }
  } finally {
    x.dispose();
    w.dispose();
    b?.dispose();
    r?.dispose();
  }
}
