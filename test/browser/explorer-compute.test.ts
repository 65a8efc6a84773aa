/**
 * The explorer's engine computations in Node, against theory: the overlap map
 * against the CPU reference, ICNR flatness, and the encoder/decoder period
 * (s_dec after enc→dec; lcm(s_enc, s_dec)/s_enc after dec→enc) over a sweep.
 */
import { describe, expect, it } from 'vitest';
import * as cpu from '../../src/cpu/index.js';
import {
  encoderDecoder,
  encoderDecoderInputSize,
  measuredPeriod,
  overlapMap,
  periodMargin,
  pixelShuffleConstant,
  predictedPeriod,
  type EncoderDecoder,
} from '../../demo/src/explorer/compute.js';
import { useEngine } from '../helpers/engine.js';

const h = useEngine();

describe('explorer computations', () => {
  it('overlap map == CPU reference convT(ones, ones) for k, s, p, d, op combinations', async () => {
    for (const [k, s, p, d, op] of [
      [3, 2, 0, 1, 0],
      [4, 2, 1, 1, 1],
      [2, 3, 0, 1, 2],
      [3, 2, 1, 2, 1],
      [5, 3, 2, 1, 0],
    ]) {
      const n = 5;
      const got = await overlapMap(h.engine, n, { k, s, p, d, op });
      const ones = (shape: number[]): cpu.CpuTensor => cpu.cpuTensor(new Float32Array(shape.reduce((a, b) => a * b)).fill(1), shape);
      const want = cpu.convTranspose2d(ones([1, 1, n, n]), ones([1, 1, k, k]), null, {
        stride: s,
        padding: p,
        dilation: d,
        outputPadding: op,
      });
      expect([got.height, got.width]).toEqual(want.shape.slice(2));
      expect(Array.from(got.data), JSON.stringify({ k, s, p, d, op })).toEqual(Array.from(want.data));
    }
  });

  it('pixel shuffle of a constant: ICNR is flat, random init is not', async () => {
    for (const r of [2, 3]) {
      const icnr = await pixelShuffleConstant(h.engine, 6, r, 3, 'icnr', 5);
      const random = await pixelShuffleConstant(h.engine, 6, r, 3, 'random', 5);
      const spread = (a: Float32Array): number => Math.max(...a) - Math.min(...a);
      expect(spread(icnr.data), `r=${r}`).toBeLessThan(1e-6);
      expect(spread(random.data), `r=${r}`).toBeGreaterThan(1e-2);
    }
  });

  it('encoder/decoder period of a constant image matches theory for every s_enc, s_dec in 1..4, k in 2..4, both orders', async () => {
    let checked = 0;
    for (const order of ['enc-dec', 'dec-enc'] as const) {
      for (let sEnc = 1; sEnc <= 4; sEnc++) {
        for (let sDec = 1; sDec <= 4; sDec++) {
          for (const [kEnc, kDec] of [
            [3, 3],
            [2, 4],
            [4, 2],
          ]) {
            const e: EncoderDecoder = { kEnc, sEnc, kDec, sDec, order };
            const g = await encoderDecoder(h.engine, encoderDecoderInputSize(e), e, 3);
            expect(measuredPeriod(g, periodMargin(e)), JSON.stringify(e)).toBe(predictedPeriod(e));
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(96);
    expect(h.engine.stats().liveTensors).toBe(0);
  });
});
