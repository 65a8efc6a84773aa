/**
 * Lowering ncnn layers to the IR, run on the CPU references (runModelGraph)
 * and compared with ncnn's definitions written out here as plain loops:
 * Deconvolution's [out][in][kh][kw] layout and asymmetric cuts with output
 * padding, Convolution's asymmetric/valued/SAME pads, grouped convs, the
 * squeeze-excitation broadcast of a 1-D vector over channels, both Crop
 * forms, PixelShuffle's two channel orders, Interp's key order (1 = height).
 */
import { describe, expect, test } from 'vitest';
import { cpuTensor, type CpuTensor } from '../src/cpu/tensor.js';
import { lowerNcnn, parseNcnnModel, parseNcnnParam, readNcnnWeights } from '../src/model/ncnn/index.js';
import { runModelGraph } from '../src/model/run-cpu.js';
import { concat, f32, param, randoms, tagged16, tagged32 } from './ncnn-helpers.js';

/** Lowers a net and runs it on x ([1, 3, H, W]). */
function run(lines: string[], bin: Uint8Array, x: CpuTensor): CpuTensor {
  const layers = parseNcnnParam(param(lines));
  const { graph } = lowerNcnn(layers, readNcnnWeights(bin, layers));
  return runModelGraph(graph, x);
}

function input(h: number, w: number, seed = 1): CpuTensor {
  return cpuTensor(Float32Array.from(randoms(3 * h * w, seed)), [1, 3, h, w]);
}

function expectClose(got: CpuTensor, shape: number[], want: Float32Array | number[], tol = 1e-5): void {
  expect(got.shape).toEqual(shape);
  const w = Array.from(want);
  let worst = 0;
  for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - w[i]) / Math.max(1, Math.abs(w[i])));
  expect(worst).toBeLessThanOrEqual(tol);
}

const at = (x: CpuTensor, c: number, y: number, xx: number) => x.data[(c * x.shape[2] + y) * x.shape[3] + xx];

describe('Deconvolution', () => {
  test('ncnn layout [out][in][kh][kw], full size (n−1)s + k + output_pad, then pads cut left/top/right/bottom', () => {
    const [cin, cout, k, s] = [3, 2, 3, 2];
    const [pl, pt, pr, pb, opw, oph] = [1, 2, 0, 1, 1, 0];
    const wt = randoms(cout * cin * k * k, 7);
    const bias = [0.25, -0.5];
    const x = input(4, 5, 3);
    const y = run(
      [
        'Input in 0 1 data',
        `Deconvolution d 1 1 data out 0=${cout} 1=${k} 3=${s} 4=${pl} 14=${pt} 15=${pr} 16=${pb} 18=${opw} 19=${oph} 5=1 6=${wt.length}`,
      ],
      concat(tagged32(wt), f32(bias)),
      x,
    );
    const [H, W] = [4, 5];
    const fullH = (H - 1) * s + k + oph;
    const fullW = (W - 1) * s + k + opw;
    const full = new Float32Array(cout * fullH * fullW);
    for (let o = 0; o < cout; o++) {
      for (let i = 0; i < fullH * fullW; i++) full[o * fullH * fullW + i] = bias[o];
      for (let c = 0; c < cin; c++)
        for (let i = 0; i < H; i++)
          for (let j = 0; j < W; j++)
            for (let ki = 0; ki < k; ki++)
              for (let kj = 0; kj < k; kj++)
                full[(o * fullH + i * s + ki) * fullW + j * s + kj] += at(x, c, i, j) * wt[((o * cin + c) * k + ki) * k + kj];
    }
    const oh = fullH - pt - pb;
    const ow = fullW - pl - pr;
    const want: number[] = [];
    for (let o = 0; o < cout; o++)
      for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) want.push(full[(o * fullH + i + pt) * fullW + j + pl]);
    expectClose(y, [1, cout, oh, ow], want);
  });

  test('waifu2x upconv_7 tail: k4 s2 pad 3 gives 2n − 4 (fp16 weights)', () => {
    const halves = new Array(3 * 3 * 16).fill(0x3c00);
    const y = run(['Input in 0 1 data', 'Deconvolution d 1 1 data out 0=3 1=4 3=2 4=3 5=0 6=144'], tagged16(halves), input(6, 7));
    expect(y.shape).toEqual([1, 3, 8, 10]);
  });
});

describe('Convolution', () => {
  /** ncnn: pad with the value on each side as given, then a valid dilated conv. */
  function reference(
    x: CpuTensor,
    wt: number[],
    cout: number,
    k: number,
    d: number,
    pads: [number, number, number, number],
    value: number,
  ) {
    const [, cin, H, W] = x.shape;
    const [pt, pb, pl, pr] = pads;
    const hp = H + pt + pb;
    const wp = W + pl + pr;
    const get = (c: number, i: number, j: number) => (i < pt || j < pl || i >= pt + H || j >= pl + W ? value : at(x, c, i - pt, j - pl));
    const ext = d * (k - 1) + 1;
    const out: number[] = [];
    for (let o = 0; o < cout; o++)
      for (let i = 0; i + ext <= hp; i++)
        for (let j = 0; j + ext <= wp; j++) {
          let v = 0;
          for (let c = 0; c < cin; c++)
            for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) v += get(c, i + a * d, j + b * d) * wt[((o * cin + c) * k + a) * k + b];
          out.push(v);
        }
    return { out, shape: [1, cout, hp - ext + 1, wp - ext + 1] };
  }

  test('asymmetric pads with a pad value (a pad node), dilation 2, clip activation as its own node', () => {
    const wt = randoms(2 * 3 * 9, 11);
    const x = input(7, 6, 5);
    const y = run(
      ['Input in 0 1 data', `Convolution c 1 1 data out 0=2 1=3 2=2 4=1 14=3 15=2 16=0 18=0.5 6=${wt.length} 9=3 -23310=2,-0.2,0.3`],
      tagged32(wt),
      x,
    );
    const r = reference(x, wt, 2, 3, 2, [3, 0, 1, 2], 0.5);
    expectClose(
      y,
      r.shape,
      r.out.map((v) => Math.min(0.3, Math.max(-0.2, v))),
    );
  });

  test('SAME_UPPER (−233) and SAME_LOWER (−234) at stride 1: the odd pixel at the end, or at the start', () => {
    const wt = randoms(1 * 3 * 16, 13);
    const x = input(5, 6, 2);
    for (const [p, pads] of [
      [-233, [1, 2, 1, 2]],
      [-234, [2, 1, 2, 1]],
    ] as const) {
      const y = run(['Input in 0 1 data', `Convolution c 1 1 data out 0=1 1=4 4=${p} 6=${wt.length}`], tagged32(wt), x);
      const r = reference(x, wt, 1, 4, 1, [...pads], 0);
      expectClose(y, r.shape, r.out);
    }
  });

  test('ConvolutionDepthWise: 7=3 groups, weights [out][in/groups][kh][kw]', () => {
    const wt = randoms(3 * 1 * 9, 17);
    const x = input(5, 5, 4);
    const y = run(['Input in 0 1 data', `ConvolutionDepthWise c 1 1 data out 0=3 1=3 7=3 6=27`], tagged32(wt), x);
    const want: number[] = [];
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
          let v = 0;
          for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) v += at(x, c, i + a, j + b) * wt[c * 9 + a * 3 + b];
          want.push(v);
        }
    expectClose(y, [1, 3, 3, 3], want);
  });
});

describe('vectors, broadcasts and arithmetic', () => {
  test('squeeze-excitation: global mean → InnerProduct relu → InnerProduct sigmoid → x · s[c] (BinaryOp and Scale 0=-233)', () => {
    const w1 = randoms(2 * 3, 21);
    const w2 = randoms(3 * 2, 22);
    const x = input(4, 6, 9);
    const lines = (mul: string) => [
      'Input in 0 1 data',
      'Split sp 1 2 data a b',
      'Pooling gap 1 1 a g 0=1 4=1',
      'InnerProduct fc1 1 1 g h 0=2 1=1 2=6 9=1',
      'InnerProduct fc2 1 1 h s 0=3 1=0 2=6 9=4',
      mul,
    ];
    const bin = concat(tagged32(w1), f32([0.1, -0.1]), tagged32(w2));
    const mean = [0, 1, 2].map((c) => {
      let v = 0;
      for (let i = 0; i < 24; i++) v += x.data[c * 24 + i];
      return v / 24;
    });
    const h = [0, 1].map((o) =>
      Math.max(
        0,
        [0, 1, 2].reduce((v, c) => v + w1[o * 3 + c] * mean[c], o === 0 ? 0.1 : -0.1),
      ),
    );
    const s = [0, 1, 2].map((o) => 1 / (1 + Math.exp(-(w2[o * 2] * h[0] + w2[o * 2 + 1] * h[1]))));
    const want = Array.from(x.data, (v, i) => v * s[Math.floor(i / 24)]);
    expectClose(run(lines('BinaryOp mul 2 1 b s out 0=2'), bin, x), [1, 3, 4, 6], want);
    expectClose(run(lines('Scale sc 2 1 b s out 0=-233'), bin, x), [1, 3, 4, 6], want);
    // The vector first: s − x = −(x − s); rsub(x, s) = s − x.
    const diff = Array.from(x.data, (v, i) => s[Math.floor(i / 24)] - v);
    expectClose(run(lines('BinaryOp sub 2 1 s b out 0=1'), bin, x), [1, 3, 4, 6], diff);
    expectClose(run(lines('BinaryOp rsub 2 1 b s out 0=7'), bin, x), [1, 3, 4, 6], diff);
  });

  test('scalars (1=1 2=b): add, mul, rsub, max; Scale with constant data and bias; Eltwise coefficients and max', () => {
    const x = input(3, 3, 6);
    const one = (line: string, bin: Uint8Array = new Uint8Array(0)) => run(['Input in 0 1 data', line], bin, x);
    expectClose(
      one('BinaryOp b 1 1 data out 0=0 1=1 2=0.5'),
      [1, 3, 3, 3],
      Array.from(x.data, (v) => v + 0.5),
    );
    expectClose(
      one('BinaryOp b 1 1 data out 0=2 1=1 2=-3.0'),
      [1, 3, 3, 3],
      Array.from(x.data, (v) => v * -3),
    );
    expectClose(
      one('BinaryOp b 1 1 data out 0=7 1=1 2=2.0'),
      [1, 3, 3, 3],
      Array.from(x.data, (v) => 2 - v),
    );
    expectClose(
      one('BinaryOp b 1 1 data out 0=4 1=1 2=0.1'),
      [1, 3, 3, 3],
      Array.from(x.data, (v) => Math.max(v, Math.fround(0.1))),
    );
    expectClose(
      one('Scale s 1 1 data out 0=3 1=1', concat(f32([2, 3, 4]), f32([1, 0, -1]))),
      [1, 3, 3, 3],
      Array.from(x.data, (v, i) => v * [2, 3, 4][Math.floor(i / 9)] + [1, 0, -1][Math.floor(i / 9)]),
    );
    const two = (line: string) => run(['Input in 0 1 data', 'Split s 1 2 data a b', 'ReLU r 1 1 b c', line], new Uint8Array(0), x);
    expectClose(
      two('Eltwise e 2 1 a c out 0=1 -23301=2,0.2,1.0'),
      [1, 3, 3, 3],
      Array.from(x.data, (v) => Math.fround(0.2) * v + Math.max(0, v)),
    );
    expectClose(
      two('Eltwise e 2 1 a c out 0=2'),
      [1, 3, 3, 3],
      Array.from(x.data, (v) => Math.max(v, Math.max(0, v))),
    );
    expectClose(
      two('Eltwise e 2 1 a c out 0=0'),
      [1, 3, 3, 3],
      Array.from(x.data, (v) => v * Math.max(0, v)),
    );
  });
});

describe('shapes', () => {
  test('Crop: two inputs take the reference size at offsets w/h; NumPy style on channels and H/W (end ≤ 0 from the end)', () => {
    const x = input(8, 9, 8);
    // data 8×9 → conv 3×3 valid → 6×7 reference; crop data at w offset 2, h offset 1 to 6×7.
    const ref = run(
      ['Input in 0 1 data', 'Split s 1 2 data a b', 'Convolution c 1 1 a r 0=3 1=3 6=81', 'Crop cr 2 1 b r out 0=2 1=1'],
      tagged32(new Array(81).fill(0)),
      x,
    );
    const want: number[] = [];
    for (let c = 0; c < 3; c++) for (let i = 0; i < 6; i++) for (let j = 0; j < 7; j++) want.push(at(x, c, i + 1, j + 2));
    expectClose(ref, [1, 3, 6, 7], want, 0);

    const np = run(['Input in 0 1 data', 'Crop cr 1 1 data out -23309=3,1,2,1 -23310=3,-233,-1,0 -23311=3,0,-2,-1'], new Uint8Array(0), x);
    const want2: number[] = [];
    for (let c = 1; c < 3; c++) for (let i = 2; i < 7; i++) for (let j = 1; j < 9; j++) want2.push(at(x, c, i, j));
    expectClose(np, [1, 2, 5, 8], want2, 0);
  });

  test('PixelShuffle mode 0 is PyTorch CRD (channel c·r² + i·r + j), mode 1 DCR ((i·r + j)·C + c)', () => {
    const wt = new Array(12 * 3).fill(0).map((_, i) => (i % 3 === Math.floor(i / 3) % 3 ? Math.floor(i / 3) + 1 : 0));
    const x = cpuTensor(
      Float32Array.from({ length: 3 }, (_, c) => [1, 10, 100][c]),
      [1, 3, 1, 1],
    );
    // 1×1 conv making 12 channels, output channel o = (o+1)·x[o mod 3].
    for (const [mode, order] of [
      [0, (c: number, i: number, j: number) => c * 4 + i * 2 + j],
      [1, (c: number, i: number, j: number) => (i * 2 + j) * 3 + c],
    ] as const) {
      const y = run(
        ['Input in 0 1 data', 'Convolution c 1 1 data a 0=12 1=1 6=36', `PixelShuffle ps 1 1 a out 0=2 1=${mode}`],
        tagged32(wt),
        x,
      );
      const want: number[] = [];
      for (let c = 0; c < 3; c++)
        for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) want.push((order(c, i, j) + 1) * [1, 10, 100][order(c, i, j) % 3]);
      expectClose(y, [1, 3, 2, 2], want, 0);
    }
  });

  test('Interp key 1 is the height scale and key 2 the width scale; nearest src = ⌊dst / scale⌋', () => {
    const x = input(3, 4, 12);
    const y = run(['Input in 0 1 data', 'Interp i 1 1 data out 0=1 1=2.0 2=1.0'], new Uint8Array(0), x);
    const want: number[] = [];
    for (let c = 0; c < 3; c++) for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) want.push(at(x, c, i >> 1, j));
    expectClose(y, [1, 3, 6, 4], want, 0);
  });

  test('PReLU: one slope per channel from the .bin', () => {
    const x = input(2, 3, 14);
    const y = run(['Input in 0 1 data', 'PReLU p 1 1 data out 0=3'], f32([0.1, 0.2, 0.3]), x);
    expectClose(
      y,
      [1, 3, 2, 3],
      Array.from(x.data, (v, i) => (v >= 0 ? v : v * Math.fround([0.1, 0.2, 0.3][Math.floor(i / 6)]))),
    );
  });
});

describe('families', () => {
  test('a net of no known family is "generic": no padding added, and it must keep the size (scale·n)', () => {
    const wt = randoms(12 * 3 * 9, 31);
    const same = parseNcnnModel({
      param: param(['Input in 0 1 x', 'Convolution c 1 1 x a 0=12 1=3 4=1 6=324', 'PixelShuffle ps 1 1 a y 0=2']),
      bin: tagged32(wt),
      file: 'custom.param',
    });
    expect(same.family).toMatchObject({ family: 'generic', scale: 2, prepad: 0, border: 'none', net: 'same', noise: null });
    expect(same.name).toBe('custom');
    expect(same.graph.nodes.map((n) => n.kind)).toEqual(['input', 'conv', 'depthToSpace']);
    expect(() =>
      parseNcnnModel({
        param: param(['Input in 0 1 x', 'Convolution c 1 1 x a 0=12 1=3 6=324', 'PixelShuffle ps 1 1 a y 0=2']),
        bin: tagged32(wt),
        file: 'valid.param',
      }),
    ).toThrow(/valid\.param: the generic net's output is 2·n − 4 for an n×n input/);
  });
});
