/**
 * A CPU reading of WebSR's Anime4K networks written straight from its shaders
 * (node_modules/@websr/websr/src/layers/anime4k/*.ts) and network classes
 * (src/networks/anime4k/*.ts), NOT through our IR: storage buffers of one vec4
 * per pixel (index y·W + x), mat4x4f column-major weights, the layer wiring
 * copied from each network class. The loader (src/model/anime4k.ts) is a
 * second, independent reading of the same format; the tests compare the two.
 *
 * Border, as WebSR computes it: a 3×3 buffer tap reads index y·W + x, so
 * x = −1 wraps to the previous row; an index outside the buffer, or a texel
 * outside the texture, is whatever robust access returns, which we mark NaN
 * (it then spreads to every output that depends on it). The residual is a
 * bilinear sample with 'repeat' addressing. Returns planar RGB [3, oH, oW],
 * before the canvas clamps to [0, 1].
 */
import type { Anime4kJson } from '../../src/model/anime4k.js';

type Buf = Float32Array; // W·H vec4s

/** kernel_offsets, as WebSR lists them: (dx, dy). */
const OFFSETS: [number, number][] = [
  [-1, -1],
  [-1, 0],
  [-1, 1],
  [0, -1],
  [0, 0],
  [0, 1],
  [1, -1],
  [1, 0],
  [1, 1],
];

export function anime4kReference(
  json: Anime4kJson,
  rgb: Float32Array,
  H: number,
  W: number,
): { data: Float32Array; height: number; width: number } {
  const L = json.layers;
  const N = W * H;
  // The rgba8unorm input texture; alpha 1.
  const image: Buf = new Float32Array(4 * N);
  for (let p = 0; p < N; p++) {
    for (let c = 0; c < 3; c++) image[4 * p + c] = rgb[c * N + p];
    image[4 * p + 3] = 1;
  }
  const nan = [NaN, NaN, NaN, NaN];
  const textureLoad = (x: number, y: number): number[] =>
    x < 0 || y < 0 || x >= W || y >= H ? nan : Array.from(image.subarray(4 * (y * W + x), 4 * (y * W + x) + 4));
  const bufLoad = (b: Buf, idx: number): number[] => (idx < 0 || idx >= N ? nan : Array.from(b.subarray(4 * idx, 4 * idx + 4)));
  // result += kernels[m] * v (WGSL mat4x4f · vec4f: column c scaled by v[c]).
  const madd = (acc: number[], w: number[], m: number, v: number[]) => {
    for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) acc[r] += w[16 * m + 4 * c + r] * v[c];
  };
  const pos = (v: number[]) => v.map((a) => Math.max(a, 0));
  const neg = (v: number[]) => v.map((a) => Math.max(-1 * a, 0));
  const layer = (name: string) => {
    const l = L[name];
    if (!l) throw new Error(`reference: no layer '${name}'`);
    return { w: l.weights!, b: l.bias! };
  };
  const each = (f: (x: number, y: number, i: number) => number[], bias: number[] | null): Buf => {
    const out = new Float32Array(4 * N);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const r = f(x, y, y * W + x);
        for (let k = 0; k < 4; k++) out[4 * (y * W + x) + k] = r[k] + (bias ? bias[k] : 0);
      }
    }
    return out;
  };
  // Anime4KConv3x4: the texture, 9 matrices.
  const conv3x4 = (name: string): Buf => {
    const { w, b } = layer(name);
    return each((x, y) => {
      const acc = [0, 0, 0, 0];
      OFFSETS.forEach(([dx, dy], i) => madd(acc, w, i, textureLoad(x + dx, y + dy)));
      return acc;
    }, b);
  };
  // Anime4KConv8x4 (one buffer) and Anime4KConv16x4 (two): kernels[i + 9·k], k over [pos b0, pos b1, neg b0, neg b1].
  const conv3x3 = (name: string, bufs: Buf[]): Buf => {
    const { w, b } = layer(name);
    return each((x, y) => {
      const acc = [0, 0, 0, 0];
      OFFSETS.forEach(([dx, dy], i) => {
        const idx = (y + dy) * W + (x + dx);
        const vals = bufs.map((bf) => bufLoad(bf, idx));
        vals.forEach((v, j) => madd(acc, w, i + 9 * j, pos(v)));
        vals.forEach((v, j) => madd(acc, w, i + 9 * (bufs.length + j), neg(v)));
      });
      return acc;
    }, b);
  };
  // Anime4KConv56x4: 1×1 over 7 buffers, kernels[2i] pos, kernels[2i+1] neg.
  const conv56x4 = (name: string, bufs: Buf[]): Buf => {
    const { w, b } = layer(name);
    return each((_x, _y, i) => {
      const acc = [0, 0, 0, 0];
      bufs.forEach((bf, k) => {
        const v = bufLoad(bf, i);
        madd(acc, w, 2 * k, pos(v));
        madd(acc, w, 2 * k + 1, neg(v));
      });
      return acc;
    }, b);
  };
  // Anime4KConv112x4: half of a 1×1 over 14 buffers (no bias), then Anime4KConcat2 adds the halves and the bias.
  const conv112x4 = (name: string, bufs: Buf[], first: boolean): Buf => {
    const { w } = layer(name);
    return each((_x, _y, i) => {
      const acc = [0, 0, 0, 0];
      bufs.forEach((bf, k) => {
        const v = bufLoad(bf, i);
        madd(acc, w, 4 * k + (first ? 0 : 1), pos(v));
        madd(acc, w, 4 * k + (first ? 2 : 3), neg(v));
      });
      return acc;
    }, null);
  };
  const concat2 = (name: string, a: Buf, c: Buf): Buf => {
    const { b } = layer(name);
    return each((_x, _y, i) => [0, 1, 2, 3].map((k) => a[4 * i + k] + c[4 * i + k]), b);
  };
  // The display layers' bilinear sample of the texture, 'repeat' addressing, at texture coordinate (u, v).
  const sample = (u: number, v: number): number[] => {
    const fx = u * W - 0.5,
      fy = v * H - 0.5;
    const x0 = Math.floor(fx),
      y0 = Math.floor(fy);
    const ax = fx - x0,
      ay = fy - y0;
    const wrap = (a: number, n: number) => ((a % n) + n) % n;
    const t = (x: number, y: number) => image.subarray(4 * (wrap(y, H) * W + wrap(x, W)), 4 * (wrap(y, H) * W + wrap(x, W)) + 4);
    return [0, 1, 2].map(
      (c) => (1 - ay) * ((1 - ax) * t(x0, y0)[c] + ax * t(x0 + 1, y0)[c]) + ay * ((1 - ax) * t(x0, y0 + 1)[c] + ax * t(x0 + 1, y0 + 1)[c]),
    );
  };
  // DisplayLayer (×2, one buffer: the same value added to R, G, B) and DisplayLayer3C (three buffers: R, G, B).
  const display2x = (bufs: Buf[]) => {
    const oW = 2 * W,
      oH = 2 * H;
    const data = new Float32Array(3 * oW * oH);
    for (let oy = 0; oy < oH; oy++) {
      for (let ox = 0; ox < oW; ox++) {
        const x = (W * (ox + 0.5)) / oW,
          y = (H * (oy + 0.5)) / oH;
        const i = Math.floor(y) * W + Math.floor(x);
        const cIndex = Math.floor((x - Math.floor(x)) * 2) + Math.floor((y - Math.floor(y)) * 2) * 2;
        const s = sample((ox + 0.5) / oW, (oy + 0.5) / oH);
        for (let c = 0; c < 3; c++) data[(c * oH + oy) * oW + ox] = s[c] + bufs[bufs.length === 1 ? 0 : c][4 * i + cIndex];
      }
    }
    return { data, height: oH, width: oW };
  };
  // DisplayLayer (display_1x): the sample at the pixel centre plus the buffer's vec4.
  const display1x = (buf: Buf) => {
    const data = new Float32Array(3 * N);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const s = sample((x + 0.5) / W, (y + 0.5) / H);
        for (let c = 0; c < 3; c++) data[c * N + y * W + x] = s[c] + buf[4 * (y * W + x) + c];
      }
    }
    return { data, height: H, width: W };
  };

  const B: Record<string, Buf> = {};
  switch (json.name) {
    case 'anime4k/cnn-2x-s':
    case 'anime4k/cnn-restore-s': {
      B.conv2d_tf = conv3x4('conv2d_tf');
      B.conv2d_1_tf = conv3x3('conv2d_1_tf', [B.conv2d_tf]);
      B.conv2d_2_tf = conv3x3('conv2d_2_tf', [B.conv2d_1_tf]);
      if (json.name === 'anime4k/cnn-2x-s') return display2x([conv3x3('conv2d_last_tf', [B.conv2d_2_tf])]);
      return display1x(conv3x3('conv2d_out_tf', [B.conv2d_2_tf]));
    }
    case 'anime4k/cnn-2x-m':
    case 'anime4k/cnn-restore-m': {
      B.conv2d_tf = conv3x4('conv2d_tf');
      for (let i = 1; i < 7; i++) B[`conv2d_${i}_tf`] = conv3x3(`conv2d_${i}_tf`, [B[i === 1 ? 'conv2d_tf' : `conv2d_${i - 1}_tf`]]);
      const all = [B.conv2d_tf, ...[1, 2, 3, 4, 5, 6].map((i) => B[`conv2d_${i}_tf`])];
      if (json.name === 'anime4k/cnn-restore-m') return display1x(conv56x4('conv2d_out_tf', all));
      return display2x(['conv2d_7_tf', 'conv2d_7_tf1', 'conv2d_7_tf2'].map((n) => conv56x4(n, all)));
    }
    case 'anime4k/cnn-2x-l':
    case 'anime4k/cnn-restore-l': {
      B.conv2d_tf = conv3x4('conv2d_tf');
      B.conv2d_tf1 = conv3x4('conv2d_tf1');
      const layers = json.name === 'anime4k/cnn-2x-l' ? 7 : 4;
      for (let i = 1; i < layers; i++) {
        const src = i === 1 ? 'conv2d_tf' : `conv2d_${i - 1}_tf`;
        B[`conv2d_${i}_tf`] = conv3x3(`conv2d_${i}_tf`, [B[src], B[src + '1']]);
        B[`conv2d_${i}_tf1`] = conv3x3(`conv2d_${i}_tf1`, [B[src], B[src + '1']]);
      }
      if (json.name === 'anime4k/cnn-restore-l') return display1x(conv3x3('conv2d_out_tf', [B.conv2d_3_tf, B.conv2d_3_tf1]));
      const s0 = [0, 1, 2, 3, 4, 5, 6].map((i) => B[i === 0 ? 'conv2d_tf' : `conv2d_${i}_tf`]);
      const s1 = [0, 1, 2, 3, 4, 5, 6].map((i) => B[(i === 0 ? 'conv2d_tf' : `conv2d_${i}_tf`) + '1']);
      return display2x(
        ['conv2d_last_tf', 'conv2d_last_tf1', 'conv2d_last_tf2'].map((n) => concat2(n, conv112x4(n, s0, true), conv112x4(n, s1, false))),
      );
    }
    default:
      throw new Error(`reference: no WebSR network class for '${json.name}'`);
  }
}
