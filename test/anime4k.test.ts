/**
 * Anime4K's CNNs from WebSR's JSON: our loader's graph on the GPU == a CPU
 * reading written from WebSR's shaders (./helpers/anime4k-reference.ts), on
 * the interior (WebSR wraps rows and samples with 'repeat' at the border; we
 * zero-pad, so the outer receptiveRadius input pixels are not compared).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnime4k, parseAnime4k, type Anime4kJson } from '../src/model/anime4k.js';
import { ModelError } from '../src/model/index.js';
import { upscale, upscalePlanes } from '../src/index.js';
import { anime4kReference } from './helpers/anime4k-reference.js';
import { useEngine } from './helpers/engine.js';
import { rng } from './helpers/random.js';

const h = useEngine();
const dir = join(dirname(createRequire(import.meta.url).resolve('@websr/websr/package.json')), 'weights/anime4k');
const weights = (file: string): Anime4kJson => JSON.parse(readFileSync(join(dir, `${file}.json`), 'utf8')) as Anime4kJson;

/** An rgba8unorm-like image: RGB planes of k/255. */
function image(H: number, W: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: 3 * H * W }, () => Math.round(255 * r()) / 255);
}

describe("Anime4K (WebSR JSON): our GPU model == the CPU reading of WebSR's shaders, away from the border", () => {
  const cases: [string, number, number, number][] = [
    ['cnn-2x-s-an', 2, 16, 18],
    ['cnn-2x-m-an', 2, 20, 19],
    ['cnn-2x-l-an', 2, 20, 18],
    ['cnn-2x-s-rl', 2, 14, 14],
    ['cnn-2x-m-3d', 2, 18, 18],
    ['cnn-restore-s-an', 1, 16, 15],
    ['cnn-restore-m-an', 1, 20, 18],
    ['cnn-restore-l-an', 1, 16, 16],
  ];
  for (const [file, scale, H, W] of cases) {
    it(`${file} ×${scale} on ${H}×${W}`, async () => {
      const json = weights(file);
      const e = h.engine;
      const model = loadAnime4k(e, json);
      try {
        expect(model.scale).toBe(scale);
        const rgb = image(H, W, H * 31 + W);
        const x = e.tensor(rgb, [1, 3, H, W]);
        const y = model.run(x);
        x.dispose();
        expect(y.shape).toEqual([1, 3, H * scale, W * scale]);
        const ours = await y.read();
        y.dispose();
        const ref = anime4kReference(json, rgb, H, W);
        // Float32 sums in a different order: each conv's dot product of n terms
        // is off by at most ≈ n·2⁻²⁴·Σ|w·v|; summing n over the layers and taking
        // |values| ≤ max(1, |output|) bounds the total (values here are O(1)).
        const convs = model.graph.nodes.filter((n) => n.kind === 'conv');
        const terms = convs.reduce((s, n) => s + n.weightShape[1] * n.weightShape[2] * n.weightShape[3], 0);
        let peak = 1;
        for (const v of ref.data) if (Number.isFinite(v)) peak = Math.max(peak, Math.abs(v));
        const tol = terms * 2 ** -24 * peak;
        // Interior: input pixels at least receptiveRadius from every edge.
        const R = model.receptiveRadius;
        const oH = H * scale,
          oW = W * scale;
        let worst = 0,
          where = '',
          compared = 0;
        for (let c = 0; c < 3; c++) {
          for (let oy = R * scale; oy < oH - R * scale; oy++) {
            for (let ox = R * scale; ox < oW - R * scale; ox++) {
              const i = (c * oH + oy) * oW + ox;
              const d = Math.abs(ours[i] - ref.data[i]);
              compared++;
              if (!(d <= worst)) [worst, where] = [d, `c${c} y${oy} x${ox}: ours ${ours[i]} ref ${ref.data[i]}`];
            }
          }
        }
        expect(compared).toBeGreaterThan(0);
        expect(worst, `${file}: worst |ours − WebSR reading| = ${worst} at ${where}; tolerance ${tol}`).toBeLessThanOrEqual(tol);
        // The residual makes the output track the input: not a blank or wrong-scale image.
        expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(0.5);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('Anime4K through upscale()', () => {
  for (const file of ['cnn-2x-s-an', 'cnn-restore-s-an']) {
    it(`${file}: tiled (tileSize 5) equals untiled; the receptive radius covers every tap`, async () => {
      const e = h.engine;
      const model = loadAnime4k(e, weights(file));
      try {
        // S: four 3×3 convs (radius 4); ×2 adds the bilinear residual's one pixel, within that.
        expect(model.receptiveRadius).toBe(4);
        const [H, W] = [17, 13];
        const input = { data: image(H, W, 5), channels: 3, height: H, width: W };
        const untiled = await upscalePlanes(e, input, { model, tileSize: 64 });
        const tiled = await upscalePlanes(e, input, { model, tileSize: 5 });
        let worst = 0;
        for (let i = 0; i < untiled.data.length; i++) worst = Math.max(worst, Math.abs(untiled.data[i] - tiled.data[i]));
        expect(worst).toBe(0);
        const rgba = new Uint8ClampedArray(4 * H * W).map((_, i) => (i * 13) % 256);
        const img = await upscale(e, { data: rgba, width: W, height: H }, { model, tileSize: 6 });
        expect([img.width, img.height]).toEqual([model.scale * W, model.scale * H]);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('Anime4K: a malformed file is a ModelError naming what is wrong', () => {
  const base = () => weights('cnn-2x-s-an');
  const cases: [string, (j: Anime4kJson) => unknown, RegExp][] = [
    ['not an object', () => 42, /must be a JSON object/],
    ['no layers', (j) => ({ name: j.name }), /'layers' must be an object/],
    [
      'short weights',
      (j) => {
        j.layers.conv2d_1_tf.weights!.pop();
        return j;
      },
      /conv2d_1_tf.*287 values, not a positive multiple of 16/,
    ],
    [
      'wrong matrix count',
      (j) => {
        j.layers.conv2d_1_tf.weights!.splice(0, 16);
        return j;
      },
      /conv2d_1_tf' has 17 matrices for 2 input groups/,
    ],
    [
      'bias of 3',
      (j) => {
        j.layers.conv2d_tf.bias!.pop();
        return j;
      },
      /conv2d_tf': 'bias' has 3 values/,
    ],
    [
      'NaN weight',
      (j) => {
        (j.layers.conv2d_tf.weights as unknown[])[3] = 'x';
        return j;
      },
      /conv2d_tf': 'weights' must be an array of finite numbers/,
    ],
    [
      'unknown input',
      (j) => {
        j.layers.conv2d_2_tf.inputs = ['conv2d_9_tf'];
        return j;
      },
      /reads 'conv2d_9_tf', which is not an earlier conv layer/,
    ],
    [
      'unknown type',
      (j) => {
        j.layers.pixel_shuffle.type = 'resize';
        return j;
      },
      /type 'resize'; expected 'conv' or 'pixel_shuffle'/,
    ],
    [
      'bad name',
      (j) => {
        j.layers.conv2d_x = { ...j.layers.conv2d_tf };
        return j;
      },
      /layer name 'conv2d_x'/,
    ],
  ];
  for (const [what, mutate, message] of cases) {
    it(what, () => {
      expect(() => parseAnime4k(mutate(base()))).toThrow(ModelError);
      expect(() => parseAnime4k(mutate(base()))).toThrow(message);
    });
  }
});
