/**
 * Options objects are checked key by key: an unknown key (a typo such as
 * `strid`) is an ArgumentError naming the op and the key, with a suggestion
 * when a known key is within edit distance 2, on the GPU and the CPU path alike
 * (one list of keys per op, in src/ops). Before, `{ strid: 2 }` ran with stride 1.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../src/cpu/index.js';
import { ArgumentError, type Engine } from '../src/index.js';
import { useEngine } from './helpers/engine.js';

const h = useEngine();
const z = (shape: number[]) => cpu.zeros(shape);

interface Case {
  op: string;
  /** Calls the op with `options` on the CPU reference. */
  cpu: (options: unknown) => unknown;
  /** Calls the op with `options` on the engine. */
  gpu: (e: Engine, options: unknown) => unknown;
  /** Options the op accepts (each must pass the key check). */
  valid: Record<string, unknown>;
  /** [typo, the key it should suggest]. */
  typos: [string, string][];
}

const gpuTensor = (e: Engine, shape: number[]) => e.tensor(z(shape).data, shape);

const cases: Case[] = [
  {
    op: 'conv2d',
    cpu: (o) => cpu.conv2d(z([1, 4, 4, 4]), z([4, 4, 3, 3]), null, o as never),
    gpu: (e, o) => e.conv2d(gpuTensor(e, [1, 4, 4, 4]), gpuTensor(e, [4, 4, 3, 3]), null, o as never),
    valid: {
      stride: 1,
      padding: 1,
      dilation: 1,
      groups: 1,
      activation: 'leakyRelu',
      negativeSlope: 0.2,
      outputScale: 0.5,
      preluSlope: null,
      residual: null,
      depthToSpace: { r: 2, mode: 'CRD' },
    },
    typos: [
      ['strid', 'stride'],
      ['pading', 'padding'],
      ['dilations', 'dilation'],
      ['group', 'groups'],
      ['activaton', 'activation'],
      ['negative_slope', 'negativeSlope'],
      ['outputscale', 'outputScale'],
      ['preluslope', 'preluSlope'],
      ['residul', 'residual'],
      ['depthtoSpace', 'depthToSpace'],
    ],
  },
  {
    op: 'convTranspose2d',
    cpu: (o) => cpu.convTranspose2d(z([1, 4, 4, 4]), z([4, 4, 3, 3]), null, o as never),
    gpu: (e, o) => e.convTranspose2d(gpuTensor(e, [1, 4, 4, 4]), gpuTensor(e, [4, 4, 3, 3]), null, o as never),
    valid: {
      stride: 2,
      padding: 1,
      outputPadding: 1,
      dilation: 1,
      groups: 1,
      activation: 'relu',
      negativeSlope: 0.1,
      outputScale: 2,
      preluSlope: undefined,
      residual: undefined,
      depthToSpace: { r: 2, mode: 'DCR' },
    },
    typos: [
      ['strid', 'stride'],
      ['outputpadding', 'outputPadding'],
      ['output_padding', 'outputPadding'],
      ['dilaton', 'dilation'],
    ],
  },
  {
    op: 'upsample',
    cpu: (o) => cpu.upsample(z([1, 1, 2, 2]), o as never),
    gpu: (e, o) => e.upsample(gpuTensor(e, [1, 1, 2, 2]), o as never),
    valid: { scale: 2, mode: 'bicubic', cubicCoeffA: -0.5, alignCorners: false },
    typos: [
      ['scal', 'scale'],
      ['mod', 'mode'],
      ['alignCorner', 'alignCorners'],
      ['cubicCoefA', 'cubicCoeffA'],
    ],
  },
  {
    op: 'depthToSpace',
    cpu: (o) => cpu.depthToSpace(z([1, 4, 2, 2]), 2, o as never),
    gpu: (e, o) => e.depthToSpace(gpuTensor(e, [1, 4, 2, 2]), 2, o as never),
    valid: { mode: 'CRD' },
    typos: [
      ['mdoe', 'mode'],
      ['Mode', 'mode'],
    ],
  },
  {
    op: 'spaceToDepth',
    cpu: (o) => cpu.spaceToDepth(z([1, 1, 4, 4]), 2, o as never),
    gpu: (e, o) => e.spaceToDepth(gpuTensor(e, [1, 1, 4, 4]), 2, o as never),
    valid: { mode: 'DCR' },
    typos: [['modes', 'mode']],
  },
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('unknown option keys are refused, with a suggestion', () => {
  for (const c of cases) {
    const paths: ['CPU' | 'GPU', (o: unknown) => unknown][] = [
      ['CPU', c.cpu],
      ['GPU', (o) => c.gpu(h.engine, o)],
    ];
    for (const [where, run] of paths) {
      it(`${where} ${c.op}: every accepted key passes; typos are ArgumentErrors that suggest the key`, () => {
        expect(() => run(c.valid)).not.toThrow();
        for (const [typo, known] of c.typos) {
          const o = { ...c.valid, [typo]: 2 };
          expect(() => run(o), typo).toThrow(ArgumentError);
          expect(() => run(o), typo).toThrow(new RegExp(`^${c.op}: unknown option '${escape(typo)}' \\(did you mean '${known}'\\?\\)`));
        }
      });

      it(`${where} ${c.op}: a key far from every known one lists the known keys`, () => {
        const o = { ...c.valid, banana: 1 };
        expect(() => run(o)).toThrow(ArgumentError);
        expect(() => run(o)).toThrow(
          new RegExp(`^${c.op}: unknown option 'banana'; known options: ${Object.keys(c.valid).map(escape).join(', ')}$`),
        );
      });

      it(`${where} ${c.op}: options that are not an object are an ArgumentError`, () => {
        for (const o of [null, 2, 'stride', [2]]) expect(() => run(o), JSON.stringify(o)).toThrow(ArgumentError);
      });
    }
  }

  it('the fused depthToSpace store checks its own keys too (GPU and CPU)', () => {
    const o = { padding: 1, depthToSpace: { r: 2, mod: 'CRD' } };
    const message = /^conv2d: unknown option 'depthToSpace\.mod' \(did you mean 'depthToSpace\.mode'\?\)/;
    expect(() => cpu.conv2d(z([1, 4, 4, 4]), z([4, 4, 3, 3]), null, o as never)).toThrow(message);
    expect(() => h.engine.conv2d(gpuTensor(h.engine, [1, 4, 4, 4]), gpuTensor(h.engine, [4, 4, 3, 3]), null, o as never)).toThrow(message);
  });

  it('convTranspose2d({ strid: 2 }) no longer runs silently with stride 1', () => {
    expect(() =>
      h.engine.convTranspose2d(gpuTensor(h.engine, [1, 1, 3, 3]), gpuTensor(h.engine, [1, 1, 3, 3]), null, { strid: 2 } as never),
    ).toThrow("convTranspose2d: unknown option 'strid' (did you mean 'stride'?)");
  });

  it('the check runs before any GPU work', () => {
    const e = h.engine;
    const x = gpuTensor(e, [1, 4, 4, 4]);
    const w = gpuTensor(e, [4, 4, 3, 3]);
    const before = e.stats();
    expect(() => e.conv2d(x, w, null, { strid: 2 } as never)).toThrow(ArgumentError);
    expect(e.stats().liveBuffers).toBe(before.liveBuffers);
    expect(e.stats().dispatches).toBe(before.dispatches);
  });
});
