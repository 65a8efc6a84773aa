/**
 * The ncnn .param parser and .bin reader on small files written here: every
 * key form, arrays, CRLF, bytes input; fp32 and fp16 storage tags, raw
 * biases/slopes/scales, exact fp16 decoding.
 */
import { describe, expect, test } from 'vitest';
import { halfToFloat } from '../src/model/ncnn/fp16.js';
import { parseNcnnParam, readNcnnWeights } from '../src/model/ncnn/index.js';
import { concat, f32, param, tagged16, tagged32 } from './ncnn-helpers.js';

describe('parseNcnnParam', () => {
  test('layers, blobs and every value form: int, float with . and e, arrays -233kk=n,… and k=v1,v2', () => {
    const layers = parseNcnnParam(
      param([
        'Input        in  0 1 data 0=8 1=8 2=3',
        'Convolution  c1  1 1 data a 0=4 1=3 11=1 4=1 14=0 5=1 6=36 9=2 -23310=1,1.000000e-01 18=5e-1',
        'Split        sp  1 2 a a1 a2',
        'Eltwise      e   2 1 a1 a2 s 0=1 1=0.2,1.0',
        'ReLU         r   1 1 s out 0=-0.25',
      ]),
    );
    expect(layers.map((l) => [l.type, l.name, l.inputs, l.outputs])).toEqual([
      ['Input', 'in', [], ['data']],
      ['Convolution', 'c1', ['data'], ['a']],
      ['Split', 'sp', ['a'], ['a1', 'a2']],
      ['Eltwise', 'e', ['a1', 'a2'], ['s']],
      ['ReLU', 'r', ['s'], ['out']],
    ]);
    const conv = layers[1].params;
    expect(conv.get(0)).toBe(4);
    expect(conv.get(11)).toBe(1);
    expect(conv.get(14)).toBe(0);
    expect(conv.get(10)).toEqual([Math.fround(0.1)]);
    expect(conv.get(18)).toBe(0.5);
    expect(layers[3].params.get(1)).toEqual([Math.fround(0.2), 1]);
    expect(layers[4].params.get(0)).toBe(-0.25);
  });

  test('CRLF, tabs and runs of spaces, bytes instead of text, keys 30/31 ignored', () => {
    const lines = ['Input\tin 0 1   data', 'ReLU  r  1 1 data out 30=1 31=7'];
    const crlf = param(lines, { eol: '\r\n' });
    const a = parseNcnnParam(crlf);
    const b = parseNcnnParam(new TextEncoder().encode(crlf));
    expect(b).toEqual(a);
    expect(a[1].params.size).toBe(0);
    expect(a[1].inputs).toEqual(['data']);
  });

  test('an int where ncnn reads a float is only accepted as 0 (same bits); a float where it reads an int is refused', () => {
    const net = (kv: string) => param(['Input in 0 1 data', `Interp up 1 1 data out ${kv}`]);
    expect(parseNcnnParam(net('0=1 1=0 2=2.0'))[1].params.get(1)).toBe(0);
    expect(() => parseNcnnParam(net('0=1 1=2 2=2.0'), { file: 'x.param' })).toThrow(
      /x\.param: layer Interp 'up' parameter 1 \(height_scale\): '2' is an integer where ncnn reads a float/,
    );
    expect(() => parseNcnnParam(net('0=1.0'))).toThrow(/parameter 0 \(resize_type\): '1\.0' is a float where ncnn reads an integer/);
  });

  test('floats are parsed by grammar, not locale, and rounded to float32', () => {
    const layers = parseNcnnParam(param(['Input in 0 1 data', 'BinaryOp b 1 1 data out 0=0 1=1 2=-1.5E+2']));
    expect(layers[1].params.get(2)).toBe(-150);
    expect(() => parseNcnnParam(param(['Input in 0 1 data', 'BinaryOp b 1 1 data out 0=0 1=1 2=1,5']))).toThrow(/must be a single value/);
    expect(() => parseNcnnParam(param(['Input in 0 1 data', 'BinaryOp b 1 1 data out 0=0 1=1 2=0x10']))).toThrow(/'0x10' is not a number/);
  });
});

describe('readNcnnWeights', () => {
  const net = param([
    'Input        in  0 1 data',
    'Convolution  c   1 1 data a 0=2 1=1 5=1 6=6',
    'PReLU        p   1 1 a b 0=2',
    'Scale        s   1 1 b out 0=2 1=1',
  ]);
  const layers = parseNcnnParam(net);

  test('fp32 weights with tag 0 and 0x0002C056; raw bias, PReLU slopes and Scale data + bias, in layer order', () => {
    for (const tag of [0, 0x0002c056]) {
      const bin = concat(tagged32([1, 2, 3, 4, 5, 6], tag), f32([0.5, -0.5]), f32([0.25, 0.125]), f32([2, 3]), f32([-1, 1]));
      const w = readNcnnWeights(bin, layers);
      expect(Array.from(w[1].weight!)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(Array.from(w[1].bias!)).toEqual([0.5, -0.5]);
      expect(Array.from(w[2].slope!)).toEqual([0.25, 0.125]);
      expect(Array.from(w[3].scale!)).toEqual([2, 3]);
      expect(Array.from(w[3].bias!)).toEqual([-1, 1]);
      expect(w[0]).toEqual({});
    }
  });

  test('fp16 weights (tag 0x01306B47) padded to 4 bytes: 6 halves take 12 bytes, 3 would take 8', () => {
    // 1, −2, 65504 (max), 2⁻²⁴ (smallest subnormal), 1023·2⁻²⁴ (largest subnormal), −0
    const halves = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x8000];
    const bin = concat(tagged16(halves), f32([0, 0]), f32([1, 1]), f32([1, 1]), f32([0, 0]));
    const w = readNcnnWeights(bin, layers);
    expect(Array.from(w[1].weight!)).toEqual([1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, -0]);
    expect(Object.is(w[1].weight![5], -0)).toBe(true);

    const odd = parseNcnnParam(param(['Input in 0 1 data', 'Convolution c 1 1 data out 0=1 1=1 5=1 6=3']));
    const w3 = readNcnnWeights(concat(tagged16([0x3c00, 0x3c00, 0x3c00]), f32([7])), odd);
    expect(Array.from(w3[1].weight!)).toEqual([1, 1, 1]);
    expect(Array.from(w3[1].bias!)).toEqual([7]);
  });

  test('halfToFloat is exact for every half: sign, subnormals, normals; inf and NaN as such', () => {
    for (let h = 0; h < 0x10000; h += 7) {
      const exp = (h >> 10) & 31;
      const frac = h & 1023;
      const sign = h >> 15 ? -1 : 1;
      const want =
        exp === 31 ? (frac ? NaN : sign * Infinity) : exp === 0 ? sign * frac * 2 ** -24 : sign * (1 + frac / 1024) * 2 ** (exp - 15);
      expect(halfToFloat(h)).toBe(want);
    }
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
  });
});
